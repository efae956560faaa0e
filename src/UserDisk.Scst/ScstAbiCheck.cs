using System.Runtime.InteropServices;
using System.Text;
using UserDisk.Scst.Interop;

namespace UserDisk.Scst;

/// <summary>
/// The start-up check of DESIGN.md: the C# structs, ioctl codes and constants against the layout table that gcc
/// computed from the project's C header (native-shim's <c>userdisk_abi_table</c>, built with SCST's own headers when
/// <c>SCST_INCLUDE</c> was given). Any difference refuses the start and names the field, because a wrong offset in
/// an ioctl argument corrupts the kernel's view of a command silently.
/// </summary>
public static class ScstAbiCheck
{
    /// <summary>The shim's file name; `make` builds it in native-shim/build and the server's output carries a copy.</summary>
    public const string ShimLibraryName = "libuserdisk_shim.so";

    /// <summary>Throws <see cref="ScstAbiMismatchException"/> when the table in <paramref name="shimLibraryPath"/> differs.</summary>
    public static void Verify(string shimLibraryPath)
    {
        if (!File.Exists(shimLibraryPath))
        {
            throw new ScstAbiMismatchException($"the ABI layout table {shimLibraryPath} is missing (build it with `make native`); UserDisk will not talk to scst_user unchecked", []);
        }

        var differences = ScstAbiLayout.Differences(ReadTable(shimLibraryPath));
        if (differences.Count > 0)
        {
            throw new ScstAbiMismatchException(
                $"the scst_user ABI of this build differs from {shimLibraryPath} in {differences.Count} item(s), first: {differences[0]}",
                differences);
        }
    }

    /// <summary>The shim's table, one line per item.</summary>
    public static unsafe IReadOnlyList<string> ReadTable(string shimLibraryPath)
    {
        var library = NativeLibrary.Load(shimLibraryPath);
        var table = (delegate* unmanaged<byte*, int, int>)NativeLibrary.GetExport(library, "userdisk_abi_table");
        int size = table(null, 0);
        if (size <= 0)
        {
            throw new ScstAbiMismatchException($"{shimLibraryPath}: userdisk_abi_table failed ({size})", []);
        }

        var buffer = new byte[size + 1];
        fixed (byte* p = buffer)
        {
            size = table(p, buffer.Length);
        }

        return Encoding.ASCII.GetString(buffer, 0, size).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Where to look for the shim when no path is configured: next to the executable, then the source tree's build.</summary>
    public static string? FindShim()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(directory.FullName, ShimLibraryName), Path.Combine(directory.FullName, "native-shim", "build", ShimLibraryName) })
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}

/// <summary>The C# view of the scst_user ABI differs from the C header's; <see cref="Differences"/> lists every line.</summary>
public sealed class ScstAbiMismatchException : Exception
{
    public ScstAbiMismatchException(string message, IReadOnlyList<string> differences)
        : base(message) => Differences = differences;

    public ScstAbiMismatchException()
    {
        Differences = [];
    }

    public ScstAbiMismatchException(string message)
        : base(message)
    {
        Differences = [];
    }

    public ScstAbiMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
        Differences = [];
    }

    public IReadOnlyList<string> Differences { get; }
}
