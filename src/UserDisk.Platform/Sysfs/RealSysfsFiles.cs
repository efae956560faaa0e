using System.Text;
using UserDisk.Platform.Interop;

namespace UserDisk.Platform.Sysfs;

/// <summary>
/// <see cref="ISysfsFiles"/> on the real filesystem under <see cref="Root"/> (default <c>/sys/kernel/scst_tgt</c>;
/// any directory that models it works too). Reads and writes go straight to open/read/write/close so that a
/// command is one write(2) and errno is exact. Writes are not bounded in time here: a sysfs write can block in the
/// kernel and cannot be cancelled, so <see cref="ScstSysfs"/> runs each one on its own thread with a time limit.
/// </summary>
public sealed class RealSysfsFiles : ISysfsFiles
{
    public const string DefaultRoot = "/sys/kernel/scst_tgt";

    // sysfs attributes are at most one page (PAGE_SIZE) long; a larger buffer only matters for a modelled tree.
    private const int ReadChunk = 4096;

    public RealSysfsFiles(string root = DefaultRoot)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = root;
    }

    public string Root { get; }

    public bool Exists(string path) => Path.Exists(FullPath(path)) || IsLink(FullPath(path));

    public IReadOnlyList<string> List(string directory)
    {
        string full = FullPath(directory);
        try
        {
            return [.. Directory.EnumerateFileSystemEntries(full).Select(static p => Path.GetFileName(p))];
        }
        catch (DirectoryNotFoundException)
        {
            throw new SysfsException(directory, SysfsErrno.ENOENT, $"{directory}: no such directory under {Root}");
        }
        catch (UnauthorizedAccessException)
        {
            throw new SysfsException(directory, SysfsErrno.EACCES, $"{directory}: permission denied under {Root}");
        }
    }

    public string Read(string path)
    {
        string full = FullPath(path);
        string? link = LinkTarget(full);
        if (link is not null)
        {
            return link;
        }

        int fd = SysfsLibc.Open(full, SysfsLibc.O_RDONLY | SysfsLibc.O_CLOEXEC);
        if (fd < 0)
        {
            SysfsErrno errno = SysfsLibc.LastErrno();
            throw new SysfsException(path, errno, $"cannot open {path} for reading: {SysfsException.Describe(errno)}");
        }

        try
        {
            using var content = new MemoryStream();
            byte[] buffer = new byte[ReadChunk];
            while (true)
            {
                nint n = SysfsLibc.Read(fd, buffer, (nuint)buffer.Length);
                if (n < 0)
                {
                    SysfsErrno errno = SysfsLibc.LastErrno();
                    if (errno == SysfsErrno.EINTR)
                    {
                        continue;
                    }

                    throw new SysfsException(path, errno, $"cannot read {path}: {SysfsException.Describe(errno)}");
                }

                if (n == 0)
                {
                    return Encoding.UTF8.GetString(content.GetBuffer(), 0, (int)content.Length);
                }

                content.Write(buffer, 0, (int)n);
            }
        }
        finally
        {
            _ = SysfsLibc.Close(fd);
        }
    }

    public void Write(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int fd = SysfsLibc.Open(FullPath(path), SysfsLibc.O_WRONLY | SysfsLibc.O_CLOEXEC);
        if (fd < 0)
        {
            throw new SysfsWriteException(path, text, SysfsLibc.LastErrno(), "open failed");
        }

        try
        {
            byte[] bytes = Encoding.UTF8.GetBytes(text);

            // No retry on EINTR or a short write: a second write would be a second command to SCST.
            nint n = SysfsLibc.Write(fd, bytes, (nuint)bytes.Length);
            if (n < 0)
            {
                throw new SysfsWriteException(path, text, SysfsLibc.LastErrno());
            }

            if (n != bytes.Length)
            {
                throw new SysfsWriteException(path, text, SysfsErrno.EIO, $"short write: {n} of {bytes.Length} bytes taken");
            }
        }
        finally
        {
            // close(2) of a sysfs file reports nothing about the command; the write already did.
            _ = SysfsLibc.Close(fd);
        }
    }

    private string FullPath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Path.Join(Root, path);
    }

    private static bool IsLink(string full) => LinkTarget(full) is not null;

    private static string? LinkTarget(string full)
    {
        try
        {
            return new FileInfo(full).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
