using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace UserDisk.Storage;

/// <summary>
/// A stable 128-bit identity of a backstore. Serial numbers and SCSI designators are derived from it, so the
/// same file or image is the same disk to an initiator after a restart (multipath and ESXi key on them).
/// </summary>
public readonly struct BackstoreIdentity : IEquatable<BackstoreIdentity>
{
    private readonly ulong _high;
    private readonly ulong _low;

    public BackstoreIdentity(ulong high, ulong low)
    {
        _high = high;
        _low = low;
    }

    /// <summary>Derives an identity from a description such as "file:/srv/disk.img" or "s3:bucket/key@etag".</summary>
    public static BackstoreIdentity FromString(string stableDescription)
    {
        ArgumentException.ThrowIfNullOrEmpty(stableDescription);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(stableDescription), hash);
        return new BackstoreIdentity(BinaryPrimitives.ReadUInt64BigEndian(hash), BinaryPrimitives.ReadUInt64BigEndian(hash[8..]));
    }

    public ulong High => _high;

    public ulong Low => _low;

    /// <summary>Writes the 16 identity bytes, big-endian.</summary>
    public void WriteBytes(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
    }

    /// <summary>32 lowercase hex digits.</summary>
    public override string ToString() => $"{_high:x16}{_low:x16}";

    public bool Equals(BackstoreIdentity other) => _high == other._high && _low == other._low;

    public override bool Equals(object? obj) => obj is BackstoreIdentity other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_high, _low);

    public static bool operator ==(BackstoreIdentity left, BackstoreIdentity right) => left.Equals(right);

    public static bool operator !=(BackstoreIdentity left, BackstoreIdentity right) => !left.Equals(right);
}
