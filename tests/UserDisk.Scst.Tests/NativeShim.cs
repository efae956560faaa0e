using System.Diagnostics;
using System.Runtime.InteropServices;

namespace UserDisk.Scst.Tests;

/// <summary>
/// The layout table as gcc computes it from native-shim/include/userdisk_scst_abi.h, read both through the exported
/// <c>userdisk_abi_table</c> of native-shim/build/libuserdisk_shim.so and from the abi-dump program.
/// `make test` builds the shim first (`make native`); without it these tests fail and say so.
/// </summary>
internal static unsafe partial class NativeShim
{
    private const string LibraryName = "userdisk_shim";

    static NativeShim()
    {
        NativeLibrary.SetDllImportResolver(typeof(NativeShim).Assembly, (name, _, _) =>
            name == LibraryName ? NativeLibrary.Load(RequireBuilt("libuserdisk_shim.so")) : 0);
    }

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>native-shim/build/libuserdisk_shim.so (the layout table and the emulator).</summary>
    public static string LibraryPath => RequireBuilt("libuserdisk_shim.so");

    /// <summary>The table from the shared library's export, split into lines.</summary>
    public static string[] TableFromLibrary()
    {
        int size = AbiTable(null, 0);
        Assert.True(size > 0, "userdisk_abi_table failed");
        byte[] buffer = new byte[size + 1];
        fixed (byte* p = buffer)
        {
            Assert.Equal(size, AbiTable(p, buffer.Length));
        }

        return SplitLines(System.Text.Encoding.ASCII.GetString(buffer, 0, size));
    }

    /// <summary>The table printed by native-shim/build/abi-dump.</summary>
    public static string[] TableFromDumpProgram()
    {
        using var process = Process.Start(new ProcessStartInfo(RequireBuilt("abi-dump")) { RedirectStandardOutput = true })!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return SplitLines(output);
    }

    [LibraryImport(LibraryName, EntryPoint = "userdisk_abi_table")]
    private static partial int AbiTable(byte* buffer, int length);

    private static string[] SplitLines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static string RequireBuilt(string file)
    {
        string path = Path.Combine(RepositoryRoot, "native-shim", "build", file);
        if (!File.Exists(path))
        {
            Assert.Fail($"{path} is missing: run `make native` (make test builds it first)");
        }

        return path;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "UserDisk.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no UserDisk.sln above {AppContext.BaseDirectory}");
    }
}
