using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace UserDisk.Storage.S3;

/// <summary>
/// The optional second-level cache: one file per chunk under CacheDirectory/&lt;version&gt;/, where the version
/// directory is named by a hash of bucket, key and ETag, so another version of the object never reads these files.
/// </summary>
/// <remarks>
/// <para>A chunk file is written to a temporary name, flushed to stable storage and then renamed into place, so
/// after a crash a chunk file is either whole or absent; a file of the wrong length is deleted and fetched again.
/// Writes happen after the chunk reached the memory cache, off the read's path, and failures only cost a GET
/// later: the disk cache is an optimisation and never fails a read.</para>
/// <para>Nothing is evicted: entries of old versions stay until an operator removes them.</para>
/// </remarks>
internal sealed class S3DiskCache
{
    private readonly string _directory;

    public S3DiskCache(string root, S3Location location, string etag)
    {
        string version = location + "@" + etag;
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(version));
        _directory = Path.Combine(Path.GetFullPath(root), Convert.ToHexStringLower(hash, 0, 16));
        Directory.CreateDirectory(_directory);

        // For an operator looking at the directory: which object version the hashed name stands for.
        string label = Path.Combine(_directory, "object.txt");
        if (!File.Exists(label))
        {
            TryWriteLabel(label, version);
        }
    }

    public string DirectoryPath => _directory;

    /// <summary>Fills <paramref name="destination"/> from the chunk's file; false when there is no usable file.</summary>
    public async ValueTask<bool> TryReadAsync(long index, Memory<byte> destination, CancellationToken cancellationToken)
    {
        string path = ChunkPath(index);
        try
        {
            using SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
            if (RandomAccess.GetLength(file) != destination.Length)
            {
                file.Dispose();
                File.Delete(path);
                return false;
            }

            int done = 0;
            while (done < destination.Length)
            {
                int read = await RandomAccess.ReadAsync(file, destination[done..], done, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return false;
                }

                done += read;
            }

            return true;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Stores a chunk; best effort (returns false on any file-system failure).</summary>
    public async Task<bool> TryWriteAsync(long index, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        string path = ChunkPath(index);
        string temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            var stream = new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                Options = FileOptions.Asynchronous,
                PreallocationSize = data.Length,
            });
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);

                // Data on disk before the rename: otherwise a crash could leave a whole-length file of zeros.
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            TryDelete(temporary);
            return false;
        }
    }

    private string ChunkPath(long index) => Path.Combine(_directory, index.ToString("x16", CultureInfo.InvariantCulture) + ".chunk");

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void TryWriteLabel(string path, string text)
    {
        try
        {
            File.WriteAllText(path, text + "\n");
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
