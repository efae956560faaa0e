using System.Buffers.Binary;
using UserDisk.Scsi.Reservations;
using static UserDisk.Scsi.OperationCode;

namespace UserDisk.Scsi.Tests;

/// <summary>One initiator's view of a test unit: PERSISTENT RESERVE IN/OUT and media access through its own I_T nexus.</summary>
internal sealed class ReservationClient(TestUnit unit, ItNexus nexus)
{
    public ItNexus Nexus { get; } = nexus;

    public TestUnit Unit { get; } = unit;

    public static ReservationClient New(TestUnit unit, ushort relativeTargetPortId = 1) => new(unit, TestUnit.NewNexus(relativeTargetPortId));

    public TestUnit.Result Register(ulong key, ulong serviceActionKey, bool aptpl = false, bool allTargetPorts = false) =>
        Out(RegisterServiceAction, 0, Cdb.PersistentReserveOutParameters(key, serviceActionKey, aptpl, allTargetPorts));

    public TestUnit.Result RegisterAndIgnoreExistingKey(ulong serviceActionKey, bool aptpl = false, bool allTargetPorts = false) =>
        Out(RegisterAndIgnoreExistingKeyServiceAction, 0, Cdb.PersistentReserveOutParameters(0, serviceActionKey, aptpl, allTargetPorts));

    public TestUnit.Result Reserve(ulong key, PersistentReservationType type) =>
        Out(ReserveServiceAction, (byte)type, Cdb.PersistentReserveOutParameters(key));

    public TestUnit.Result Release(ulong key, PersistentReservationType type) =>
        Out(ReleaseServiceAction, (byte)type, Cdb.PersistentReserveOutParameters(key));

    public TestUnit.Result Clear(ulong key) => Out(ClearServiceAction, 0, Cdb.PersistentReserveOutParameters(key));

    public TestUnit.Result Preempt(ulong key, ulong serviceActionKey, PersistentReservationType type, bool abort = false) =>
        Out(abort ? PreemptAndAbortServiceAction : PreemptServiceAction, (byte)type, Cdb.PersistentReserveOutParameters(key, serviceActionKey));

    public TestUnit.Result Out(byte serviceAction, byte type, byte[] parameters) =>
        Unit.Out(Cdb.PersistentReserveOut(serviceAction, type, (uint)parameters.Length), parameters, Nexus);

    public TestUnit.Result In(byte serviceAction, ushort allocation = 4096) =>
        Unit.In(Cdb.PersistentReserveIn(serviceAction, allocation), allocation, Nexus);

    /// <summary>Registers with REGISTER AND IGNORE EXISTING KEY and insists on GOOD.</summary>
    public void MustRegister(ulong key) => Expect.Good(RegisterAndIgnoreExistingKey(key));

    public void MustReserve(ulong key, PersistentReservationType type) => Expect.Good(Reserve(key, type));

    /// <summary>READ KEYS: PRgeneration and the registered keys.</summary>
    public (uint Generation, ulong[] Keys) ReadKeys()
    {
        var result = In(ReadKeysServiceAction);
        Expect.Good(result);
        var d = result.Data;
        var length = BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(4));
        Assert.Equal(8 + (int)length, d.Length);
        var keys = new ulong[length / 8];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = BinaryPrimitives.ReadUInt64BigEndian(d.AsSpan(8 + (8 * i)));
        }

        return (BinaryPrimitives.ReadUInt32BigEndian(d), keys);
    }

    /// <summary>READ RESERVATION: the holder's key and the type, or null without a reservation.</summary>
    public (ulong Key, PersistentReservationType Type)? ReadReservation()
    {
        var result = In(ReadReservationServiceAction);
        Expect.Good(result);
        var d = result.Data;
        var length = BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(4));
        if (length == 0)
        {
            Assert.Equal(8, d.Length);
            return null;
        }

        Assert.Equal(16u, length);
        Assert.Equal(24, d.Length);
        Assert.Equal(0, d[21] >> 4); // LU_SCOPE
        return (BinaryPrimitives.ReadUInt64BigEndian(d.AsSpan(8)), (PersistentReservationType)(d[21] & 0x0F));
    }

    public TestUnit.Result Read() => Unit.In(Cdb.Read10(0, 1), 512, Nexus);

    public TestUnit.Result Write() => Unit.Out(Cdb.Write10(0, 1), new byte[512], Nexus);

    public TestUnit.Result TestUnitReady() => Unit.In(Cdb.TestUnitReady(), 0, Nexus);

    public UnitAttention PendingUnitAttentions => Unit.Unit.PendingUnitAttentions(Nexus);
}
