using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using UserDisk.Scsi;
using UserDisk.Storage;

namespace UserDisk.Bench;

/// <summary>
/// One READ(10) or WRITE(10) of 4 KiB through the engine, the way a front end drives it (one reused command,
/// a pinned data buffer, an I_T nexus), on the memory and file backstores. The memory diagnoser must show 0 B/op.
/// </summary>
[MemoryDiagnoser]
public class EngineReadWriteBenchmarks
{
    private const int TransferBytes = 4096;
    private const int BlockSize = 512;
    private const long Size = 256L * 1024 * 1024;

    private readonly ScsiCommand _command = new();
    private readonly byte[] _read = new byte[10];
    private readonly byte[] _write = new byte[10];
    private IBackstore _backstore = null!;
    private LogicalUnit _unit = null!;
    private string? _path;
    private uint _lba;
    private uint _lbaSpan;

    [Params("null", "memory", "file")]
    public string Backstore { get; set; } = "memory";

    [GlobalSetup]
    public void Setup()
    {
        if (Backstore == "file")
        {
            _path = Path.Combine(Path.GetTempPath(), $"userdisk-bench-{Environment.ProcessId}.img");
            _backstore = FileBackstore.Open(new FileBackstoreOptions { Path = _path, Size = Size, Create = true, BlockSize = BlockSize });
        }
        else if (Backstore == "null")
        {
            // The engine's own cost: a backstore that moves no bytes.
            _backstore = new NullBackstore("bench", Size, BlockSize);
        }
        else
        {
            _backstore = new MemoryBackstore("bench", Size, BlockSize);
        }

        _unit = new LogicalUnit(_backstore, new LogicalUnitOptions { PowerOnUnitAttention = false });
        _command.Nexus = new ItNexus("iqn.2026-11.bench:i,i,0x1", "iqn.2026-11.bench:t,t,0x1");
        _command.Data = GC.AllocateArray<byte>(TransferBytes, pinned: true);
        _command.ExpectedTransferLength = TransferBytes;
        _read[0] = OperationCode.Read10;
        _write[0] = OperationCode.Write10;
        BinaryPrimitives.WriteUInt16BigEndian(_read.AsSpan(7), TransferBytes / BlockSize);
        BinaryPrimitives.WriteUInt16BigEndian(_write.AsSpan(7), TransferBytes / BlockSize);
        _lbaSpan = (uint)(Size / TransferBytes);

        // Touch every block once so reads measure the data path, not first-write allocation or holes.
        for (uint i = 0; i < _lbaSpan; i++)
        {
            Write10();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _backstore.Dispose();
        if (_path is not null)
        {
            File.Delete(_path);
        }
    }

    [Benchmark]
    public ScsiStatus Read10() => Execute(_read, DataDirection.Read);

    [Benchmark]
    public ScsiStatus Write10() => Execute(_write, DataDirection.Write);

    private ScsiStatus Execute(byte[] cdb, DataDirection direction)
    {
        // A stride that walks the whole device keeps the file path honest (no single hot page).
        _lba = (_lba + 7919) % _lbaSpan;
        BinaryPrimitives.WriteUInt32BigEndian(cdb.AsSpan(2), _lba * (TransferBytes / BlockSize));
        _command.SetCdb(cdb);
        _command.Direction = direction;
        var pending = _unit.ExecuteAsync(_command);
        if (!pending.IsCompleted)
        {
            // The memory and file paths complete synchronously; anything else would be a regression to see.
            pending.AsTask().GetAwaiter().GetResult();
        }

        return _command.Status;
    }
}
