using FsCheck;
using FsCheck.Fluent;
using UserDisk.Storage;

namespace UserDisk.Scsi.Tests;

/// <summary>
/// Whatever an initiator sends, the engine answers GOOD, CHECK CONDITION with well-formed sense, or (once random bytes
/// happened to reserve the unit) RESERVATION CONFLICT without sense.
/// </summary>
public sealed class PropertyTests
{
    // Reservation commands are left out of the known-command mix: a random RESERVE or PR OUT that succeeds fences the
    // unit, and the rest of the run would only test RESERVATION CONFLICT. They still arrive as arbitrary bytes.
    private static readonly CommandDescriptor[] Known =
        [.. CommandTable.All.Where(d => d.Conflict is not (ConflictClass.PersistentReservation or ConflictClass.Spc2Reservation))];

    [Fact]
    public void Random_cdbs_never_throw_and_always_yield_good_or_check_condition_with_well_formed_sense()
    {
        using var backstore = new MemoryBackstore("fuzz", 4L * 1024 * 1024, 512);
        var unit = new LogicalUnit(backstore);
        var nexuses = new[]
        {
            new ItNexus("iqn.2026-11.test:a,i,0x1", "iqn.2026-11.test:t,t,0x1"),
            new ItNexus("iqn.2026-11.test:b,i,0x2", "iqn.2026-11.test:t,t,0x1"),
        };

        // Three kinds of CDB: any bytes of any length; a known command's opcode (and service action) with random
        // bytes; and a known command of its own length with most bytes zero, which gets past validation.
        var anyBytes =
            from length in Gen.Choose(0, ScsiCommand.MaxCdbLength)
            from body in Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), length)
            select body;
        var knownCommand =
            from descriptor in Gen.Elements(Known)
            from ownLength in Gen.Frequency((3, Gen.Constant(true)), (1, Gen.Constant(false)))
            from length in ownLength ? Gen.Constant(descriptor.CdbLength) : Gen.Choose(1, 32)
            from body in Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), length)
            from keep in Gen.ArrayOf(Gen.Choose(0, 7), length)
            from sparse in Gen.Frequency((3, Gen.Constant(true)), (1, Gen.Constant(false)))
            select Shape(body, keep, descriptor, sparse);
        var cdbs = Gen.Frequency((1, anyBytes), (4, knownCommand));
        var commands =
            from cdb in cdbs
            from bufferLength in Gen.OneOf(Gen.Choose(0, 4096), Gen.Choose(0, 130 * 1024))
            from expected in Gen.Choose(0, bufferLength)
            from direction in Gen.Elements(DataDirection.None, DataDirection.Read, DataDirection.Write, DataDirection.Bidirectional)
            from attribute in Gen.Elements(TaskAttribute.Simple, TaskAttribute.Ordered, TaskAttribute.HeadOfQueue, TaskAttribute.Aca)
            from who in Gen.Choose(0, 1)
            from fill in ArbMap.Default.GeneratorFor<byte>()
            select new Input(cdb, bufferLength, expected, direction, attribute, who, fill);

        var outcomes = new Dictionary<ScsiStatus, int>();
        Prop.ForAll(Arb.From(commands), input => Holds(unit, nexuses[input.Nexus], input, outcomes))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(4000).WithQuietOnSuccess(true));

        // The generator must reach past CDB validation often enough for the property to mean something.
        Assert.True(outcomes.GetValueOrDefault(ScsiStatus.Good) > 400, $"only {outcomes.GetValueOrDefault(ScsiStatus.Good)} of 4000 commands ran to GOOD");
        Assert.True(outcomes.GetValueOrDefault(ScsiStatus.CheckCondition) > 400);
    }

    // Most random CDBs die at the first check; keeping one byte in eight (sparse) reaches deeper into each command.
    private static byte[] Shape(byte[] body, int[] keep, CommandDescriptor descriptor, bool sparse)
    {
        for (var i = 1; sparse && i < body.Length; i++)
        {
            if (keep[i] != 0)
            {
                body[i] = 0;
            }
        }

        body[0] = descriptor.OperationCode;
        if (descriptor.ServiceAction >= 0 && body.Length > 1)
        {
            body[1] = (byte)((body[1] & 0xE0) | descriptor.ServiceAction);
        }

        return body;
    }

    private static bool Holds(LogicalUnit unit, ItNexus nexus, Input input, Dictionary<ScsiStatus, int> outcomes)
    {
        var buffer = new byte[input.BufferLength];
        Array.Fill(buffer, input.Fill);
        var command = new ScsiCommand
        {
            Nexus = nexus,
            Data = buffer,
            ExpectedTransferLength = input.Expected,
            Direction = input.Direction,
            TaskAttribute = input.Attribute,
        };
        command.SetCdb(input.Cdb);
        unit.ExecuteAsync(command).AsTask().GetAwaiter().GetResult();
        outcomes[command.Status] = outcomes.GetValueOrDefault(command.Status) + 1;

        Assert.True(command.DataLength >= 0 && command.DataLength <= Math.Min(input.Expected, input.BufferLength), $"data length {command.DataLength}");
        Assert.True(command.ResidualKind != ResidualKind.None || command.ResidualCount == 0);
        switch (command.Status)
        {
            case ScsiStatus.Good:
                Assert.Equal(0, command.SenseLength);
                break;
            case ScsiStatus.CheckCondition:
                AssertWellFormed(command.Sense);
                break;
            case ScsiStatus.ReservationConflict:
                Assert.Equal(0, command.SenseLength);
                break;
            default:
                Assert.Fail($"status {command.Status} for CDB {Convert.ToHexString(input.Cdb)}");
                break;
        }

        return true;
    }

    internal static void AssertWellFormed(ReadOnlySpan<byte> sense)
    {
        Assert.True(sense.Length >= 8, "sense shorter than 8 bytes");
        switch (sense[0] & 0x7F)
        {
            case 0x70:
                Assert.Equal(SenseData.FixedLength, sense.Length);
                Assert.Equal(sense.Length - 8, sense[7]);
                Assert.NotEqual(0, sense[2] & 0x0F);
                Assert.NotEqual(0, sense[12]);
                break;
            case 0x72:
                Assert.Equal(sense.Length - 8, sense[7]);
                Assert.NotEqual(0, sense[1] & 0x0F);
                Assert.NotEqual(0, sense[2]);
                var p = 8;
                while (p < sense.Length)
                {
                    Assert.True(p + 2 <= sense.Length, "truncated sense descriptor");
                    p += 2 + sense[p + 1];
                }

                Assert.Equal(sense.Length, p);
                break;
            default:
                Assert.Fail($"sense response code {sense[0]:X2}");
                break;
        }
    }

    private sealed record Input(byte[] Cdb, int BufferLength, int Expected, DataDirection Direction, TaskAttribute Attribute, int Nexus, byte Fill)
    {
        public override string ToString() => $"CDB {Convert.ToHexString(Cdb)} buffer {BufferLength} EDTL {Expected} {Direction} {Attribute} nexus {Nexus}";
    }
}
