using System.Buffers.Binary;
using UserDisk.Scsi;
using UserDisk.Storage;

namespace UserDisk.Iscsi.Tests;

public sealed class CommandTests
{
    private static byte[] Write10(uint lba, ushort blocks) => [0x2A, 0, (byte)(lba >> 24), (byte)(lba >> 16), (byte)(lba >> 8), (byte)lba, 0, (byte)(blocks >> 8), (byte)blocks, 0];

    private static byte[] Read10(uint lba, ushort blocks) => [0x28, 0, (byte)(lba >> 24), (byte)(lba >> 16), (byte)(lba >> 8), (byte)lba, 0, (byte)(blocks >> 8), (byte)blocks, 0];

    [Theory]
    [InlineData(0, "InitialR2T=Yes")]             // all data through R2T
    [InlineData(4096, "InitialR2T=Yes")]          // immediate data, then R2T
    [InlineData(65536, "InitialR2T=No")]          // a full first burst (FirstBurstLength = MaxBurstLength) of immediate data, then R2T
    public async Task Writes_round_trip_through_immediate_data_and_r2t(int immediate, string initialR2T)
    {
        await using var target = await TestTarget.StartAsync();
        using var initiator = target.Connect();
        initiator.Login(TestTarget.Name, initialR2T, "MaxBurstLength=65536");
        var data = Enumerable.Range(0, 2 * 1024 * 1024).Select(i => (byte)(i * 31 + 7)).ToArray();
        var write = initiator.Command(Write10(100, 4096), dataOut: data, immediate: immediate);
        Assert.Equal(0, write.Status);
        var read = initiator.Command(Read10(100, 4096), expectedLength: data.Length);
        Assert.Equal(0, read.Status);
        Assert.Equal(data, read.Data);
    }

    [Fact]
    public async Task Unsolicited_data_out_is_accepted_up_to_the_first_burst()
    {
        await using var target = await TestTarget.StartAsync();
        using var initiator = target.Connect();
        initiator.Login(TestTarget.Name, "InitialR2T=No", "FirstBurstLength=65536");
        var itt = initiator.NextItt();
        var data = Enumerable.Range(0, 65536).Select(i => (byte)i).ToArray();
        var h = new byte[48];
        h[0] = 0x01;
        h[1] = 0x20 | 0x01; // W, SIMPLE, F=0: unsolicited Data-Out follows
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(16), itt);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(20), (uint)data.Length);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(24), initiator.CmdSn);
        Write10(0, 128).CopyTo(h.AsSpan(32));
        initiator.Send(h, data[..8192]);
        initiator.SendDataOut(itt, 0xFFFF_FFFF, 8192, data[8192..], final: true);
        var response = initiator.Receive();
        Assert.Equal(0x21, response.Opcode);
        Assert.Equal(0, response.Header[3]);
    }

    [Fact]
    public async Task Reads_larger_than_the_initiators_segment_size_are_split_into_data_in_pdus()
    {
        await using var target = await TestTarget.StartAsync();
        using var initiator = target.Connect();
        initiator.Login(TestTarget.Name, "MaxRecvDataSegmentLength=4096");
        var read = initiator.Command(Read10(0, 64), expectedLength: 32768);
        Assert.Equal(0, read.Status);
        Assert.Equal(32768, read.Data.Length);
    }

    [Fact]
    public async Task Check_condition_carries_sense_in_the_response()
    {
        await using var target = await TestTarget.StartAsync();
        using var initiator = target.Connect();
        initiator.Login(TestTarget.Name);
        initiator.Command([0x00, 0, 0, 0, 0, 0], lun: 1); // consume the power-on unit attention
        var result = initiator.Command(Write10(0, 1), lun: 1, dataOut: new byte[512], immediate: 512);
        Assert.Equal(0x02, result.Status);
        Assert.Equal(0x07, result.Sense[2] & 0x0F); // DATA PROTECT: LUN 1 is read-only
        Assert.Equal(0x27, result.Sense[12]);
    }

    [Fact]
    public async Task First_command_of_a_new_nexus_reports_power_on_unit_attention()
    {
        await using var target = await TestTarget.StartAsync(powerOnUnitAttention: true);
        using var initiator = target.Connect();
        initiator.Login(TestTarget.Name);
        var first = initiator.Command([0x00, 0, 0, 0, 0, 0]);
        Assert.Equal(0x02, first.Status);
        Assert.Equal(0x06, first.Sense[2] & 0x0F);
        Assert.Equal(0x29, first.Sense[12]);
        Assert.Equal(0, initiator.Command([0x00, 0, 0, 0, 0, 0]).Status);
    }

    [Fact]
    public async Task Inquiry_to_a_lun_that_does_not_exist_reports_peripheral_qualifier_3()
    {
        await using var target = await TestTarget.StartAsync();
        using var initiator = target.Connect();
        initiator.Login(TestTarget.Name);
        var result = initiator.Command([0x12, 0, 0, 0, 96, 0], lun: 9, expectedLength: 96);
        Assert.Equal(0, result.Status);
        Assert.Equal(0x7F, result.Data[0]);
        var tur = initiator.Command([0x00, 0, 0, 0, 0, 0], lun: 9);
        Assert.Equal(0x02, tur.Status);
        Assert.Equal(0x25, tur.Sense[12]); // LOGICAL UNIT NOT SUPPORTED
    }

    [Fact]
    public async Task Report_luns_lists_every_lun_of_the_target()
    {
        await using var target = await TestTarget.StartAsync(luns: 3);
        using var initiator = target.Connect();
        initiator.Login(TestTarget.Name);
        var result = initiator.Command([0xA0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0], lun: 7, expectedLength: 256);
        Assert.Equal(0, result.Status);
        Assert.Equal(24u, BinaryPrimitives.ReadUInt32BigEndian(result.Data));
        Assert.Equal(2, result.Data[8 + 16 + 1]);
    }

    [Fact]
    public async Task A_lun_added_and_removed_at_run_time_is_announced_and_then_refused()
    {
        await using var target = await TestTarget.StartAsync(luns: 1);
        using var initiator = target.Connect();
        initiator.Login(TestTarget.Name);
        Assert.Equal(0, initiator.Command([0x00, 0, 0, 0, 0, 0]).Status);
        using var store = new MemoryBackstore("projected", 1L << 20);
        var unit = new LogicalUnit(store, new LogicalUnitOptions { PowerOnUnitAttention = false });

        target.Server.AddLun(TestTarget.Name, new IscsiLun(5, unit));

        var attention = initiator.Command([0x00, 0, 0, 0, 0, 0]);
        Assert.Equal(0x02, attention.Status);
        Assert.Equal((0x06, 0x3F, 0x0E), (attention.Sense[2] & 0x0F, attention.Sense[12], attention.Sense[13]));
        var luns = initiator.Command([0xA0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0], expectedLength: 256);
        Assert.Equal(16u, BinaryPrimitives.ReadUInt32BigEndian(luns.Data));
        Assert.Equal(5, luns.Data[8 + 8 + 1]);
        Assert.Equal(0, initiator.Command([0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0], lun: 5, expectedLength: 512).Status);

        var removed = await target.Server.RemoveLunAsync(TestTarget.Name, 5, TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Same(unit, removed);
        var refused = initiator.Command([0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0], lun: 5, expectedLength: 512);
        Assert.Equal(0x02, refused.Status);
        Assert.Equal(0x25, refused.Sense[12]); // LOGICAL UNIT NOT SUPPORTED
        Assert.Null(await target.Server.RemoveLunAsync(TestTarget.Name, 5, TimeSpan.Zero, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Residual_underflow_is_reported_in_the_status_pdu()
    {
        await using var target = await TestTarget.StartAsync();
        using var initiator = target.Connect();
        initiator.Login(TestTarget.Name);
        initiator.Command([0x00, 0, 0, 0, 0, 0]);
        var result = initiator.Command([0x12, 0, 0, 0, 255, 0], expectedLength: 255);
        Assert.Equal(0, result.Status);
        Assert.NotEqual(0, result.Flags & 0x02); // U bit
        Assert.Equal((uint)(255 - result.Data.Length), result.Residual);
    }

    [Fact]
    public async Task Nop_out_is_echoed_with_its_data()
    {
        await using var target = await TestTarget.StartAsync();
        using var initiator = target.Connect();
        initiator.Login(TestTarget.Name);
        var response = initiator.Nop("ping!"u8.ToArray());
        Assert.Equal(0x20, response.Opcode);
        Assert.Equal("ping!"u8.ToArray(), response.Data);
    }

    [Fact]
    public async Task Lun_reset_completes_and_raises_bus_device_reset_unit_attention()
    {
        await using var target = await TestTarget.StartAsync();
        using var initiator = target.Connect();
        initiator.Login(TestTarget.Name);
        initiator.Command([0x00, 0, 0, 0, 0, 0]);
        var response = initiator.TaskManagement(5, lun: 0, referencedTag: 0xFFFF_FFFF);
        Assert.Equal(0x22, response.Opcode);
        Assert.Equal(0, response.Header[2]);
        var tur = initiator.Command([0x00, 0, 0, 0, 0, 0]);
        Assert.Equal(0x29, tur.Sense[12]);
        Assert.Equal(0x03, tur.Sense[13]);
    }

    [Fact]
    public async Task Abort_of_a_task_that_does_not_exist_says_so()
    {
        await using var target = await TestTarget.StartAsync();
        using var initiator = target.Connect();
        initiator.Login(TestTarget.Name);
        var response = initiator.TaskManagement(1, lun: 0, referencedTag: 0x1234);
        Assert.Equal(0x22, response.Opcode);
        Assert.Contains(response.Header[2], new byte[] { 0, 1 });
    }

    [Fact]
    public async Task Logout_is_answered_and_the_connection_closes()
    {
        await using var target = await TestTarget.StartAsync();
        using var initiator = target.Connect();
        initiator.Login(TestTarget.Name);
        var response = initiator.Logout();
        Assert.Equal(0x26, response.Opcode);
        Assert.Equal(0, response.Header[2]);
        Assert.True(initiator.IsClosedByTarget());
    }
}
