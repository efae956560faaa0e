namespace UserDisk.Scst.Tests;

public sealed class ScstAbiCheckTests
{
    [Fact]
    public void The_built_shim_matches_the_CSharp_structs()
    {
        ScstAbiCheck.Verify(NativeShim.LibraryPath);
    }

    [Fact]
    public void A_missing_shim_refuses_the_start()
    {
        var error = Assert.Throws<ScstAbiMismatchException>(() => ScstAbiCheck.Verify("/nonexistent/libuserdisk_shim.so"));
        Assert.Contains("make native", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_field_at_another_offset_is_named()
    {
        var table = ScstAbiCheck.ReadTable(NativeShim.LibraryPath).ToList();
        int index = table.FindIndex(l => l.StartsWith("field scst_user_scsi_cmd_exec.pbuf ", StringComparison.Ordinal));
        Assert.True(index >= 0);
        table[index] = "field scst_user_scsi_cmd_exec.pbuf 64 8";

        var differences = Interop.ScstAbiLayout.Differences(table);

        Assert.Contains("only in C:  field scst_user_scsi_cmd_exec.pbuf 64 8", differences);
        Assert.Contains("only in C#: field scst_user_scsi_cmd_exec.pbuf 56 8", differences);
    }
}
