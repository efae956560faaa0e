using UserDisk.Storage;

namespace UserDisk.Scsi.Tests;

/// <summary>
/// Backstore failures become sense data (the engine's mapping of <see cref="BackstoreError"/>): the command fails,
/// the unit keeps serving, and the failure is counted.
/// </summary>
public sealed class BackstoreErrorTests
{
    public static TheoryData<BackstoreError, SenseKey, byte, byte, bool> Mappings => new()
    {
        { BackstoreError.MediumError, SenseKey.MediumError, 0x11, 0x00, false },
        { BackstoreError.MediumError, SenseKey.MediumError, 0x11, 0x00, true },
        { BackstoreError.OutOfRange, SenseKey.IllegalRequest, 0x21, 0x00, false },
        { BackstoreError.OutOfRange, SenseKey.IllegalRequest, 0x21, 0x00, true },
        { BackstoreError.NoSpace, SenseKey.DataProtect, 0x27, 0x07, false },
        { BackstoreError.NoSpace, SenseKey.DataProtect, 0x27, 0x07, true },
        { BackstoreError.NotReady, SenseKey.NotReady, 0x04, 0x00, false },
        { BackstoreError.NotReady, SenseKey.NotReady, 0x04, 0x00, true },
        { BackstoreError.Transient, SenseKey.AbortedCommand, 0x44, 0x00, false },
        { BackstoreError.Transient, SenseKey.AbortedCommand, 0x44, 0x00, true },
        { BackstoreError.WriteProtected, SenseKey.DataProtect, 0x27, 0x00, false },
        { BackstoreError.WriteProtected, SenseKey.DataProtect, 0x27, 0x00, true },
        { BackstoreError.InvalidArgument, SenseKey.HardwareError, 0x44, 0x00, false },
        { BackstoreError.InvalidArgument, SenseKey.HardwareError, 0x44, 0x00, true },
    };

    [Theory]
    [MemberData(nameof(Mappings))]
    public void Failed_read_maps_the_backstore_error_to_sense(BackstoreError error, SenseKey key, byte asc, byte ascq, bool descriptorSense)
    {
        using var t = Failing(error, BackstoreOperation.Read, descriptorSense);

        var result = t.In(Cdb.Read10(0, 1), expected: 512);

        Expect.PlainCheckCondition(result, new SenseCode(key, asc, ascq), descriptorSense);
        Assert.Empty(result.Data);
    }

    [Theory]
    [SenseFormats]
    public void Failed_write_is_medium_error_write_error(bool descriptorSense)
    {
        using var t = Failing(BackstoreError.MediumError, BackstoreOperation.Write, descriptorSense);

        Expect.PlainCheckCondition(t.Out(Cdb.Write10(0, 1), Blocks.Zeros(1)), SenseCode.WriteError, descriptorSense);
    }

    [Theory]
    [SenseFormats]
    public void Failed_write_for_lack_of_space_is_space_allocation_failed_write_protect(bool descriptorSense)
    {
        using var t = Failing(BackstoreError.NoSpace, BackstoreOperation.Write, descriptorSense);

        Expect.PlainCheckCondition(t.Out(Cdb.Write16(0, 1), Blocks.Zeros(1)), SenseCode.SpaceAllocationFailedWriteProtect, descriptorSense);
    }

    [Theory]
    [SenseFormats]
    public void Failed_compare_and_write_write_is_medium_error_write_error(bool descriptorSense)
    {
        using var t = Failing(BackstoreError.MediumError, BackstoreOperation.Write, descriptorSense);

        Expect.PlainCheckCondition(t.Out(Cdb.CompareAndWrite(0, 1), Blocks.Zeros(2)), SenseCode.WriteError, descriptorSense);
    }

    [Theory]
    [SenseFormats]
    public void Failed_unmap_is_medium_error_write_error(bool descriptorSense)
    {
        using var t = Failing(BackstoreError.MediumError, BackstoreOperation.Unmap, descriptorSense);
        var list = Cdb.UnmapParameters((0, 8));

        Expect.PlainCheckCondition(t.Out(Cdb.Unmap((ushort)list.Length), list), SenseCode.WriteError, descriptorSense);
    }

    [Theory]
    [SenseFormats]
    public void Failed_verify_read_is_medium_error_unrecovered_read_error(bool descriptorSense)
    {
        using var t = Failing(BackstoreError.MediumError, BackstoreOperation.Read, descriptorSense);

        Expect.PlainCheckCondition(t.In(Cdb.LbaCount(OperationCode.Verify10, 0, 4), expected: 0), SenseCode.UnrecoveredReadError, descriptorSense);
    }

    [Theory]
    [SenseFormats]
    public void Failed_get_lba_status_is_medium_error_unrecovered_read_error(bool descriptorSense)
    {
        using var t = Failing(BackstoreError.MediumError, BackstoreOperation.GetAllocation, descriptorSense);

        Expect.PlainCheckCondition(t.In(Cdb.GetLbaStatus(0)), SenseCode.UnrecoveredReadError, descriptorSense);
    }

    [Fact]
    public void Backstore_failures_are_counted_with_their_sense_key()
    {
        using var t = Failing(BackstoreError.MediumError, BackstoreOperation.Read, descriptorSense: false);

        t.In(Cdb.Read10(0, 1), expected: 512);
        t.In(Cdb.Read16(0, 1), expected: 512);

        Assert.Equal(2, t.Unit.Counters.BackstoreErrors);
        Assert.Equal(2, t.Unit.Counters.CheckConditions(SenseKey.MediumError));
        Assert.Equal(0, t.Unit.Counters.CheckConditions(SenseKey.IllegalRequest));
    }

    [Theory]
    [SenseFormats]
    public void Exception_that_is_not_a_backstore_failure_is_hardware_error_internal_target_failure(bool descriptorSense)
    {
        using var t = TestUnit.Instrumented(descriptorSense: descriptorSense);
        t.Probe.Before = (call, _) => call.Operation == BackstoreOperation.Read ? throw new InvalidOperationException("bug") : default;

        Expect.PlainCheckCondition(t.In(Cdb.Read10(0, 1), expected: 512), SenseCode.InternalTargetFailure, descriptorSense);
        Assert.Equal(0, t.Unit.Counters.BackstoreErrors);
        Assert.Equal(1, t.Unit.Counters.CheckConditions(SenseKey.HardwareError));
    }

    [Fact]
    public void Unit_keeps_working_after_a_failure()
    {
        using var t = TestUnit.Instrumented();
        var fail = true;
        t.Probe.Before = (call, _) => fail && call.Operation == BackstoreOperation.Read ? throw new InvalidOperationException("bug") : default;
        t.In(Cdb.Read10(0, 1), expected: 512);
        fail = false;

        Expect.Good(t.In(Cdb.Read10(0, 1), expected: 512));
        Expect.Good(t.Out(Cdb.Write10(0, 1), Blocks.Zeros(1)));
        Assert.Equal(0, t.Unit.RunningCommands);
    }

    [Fact]
    public void Asynchronous_failure_is_mapped_like_a_synchronous_one()
    {
        using var t = TestUnit.Instrumented();
        t.Probe.Before = async (call, _) =>
        {
            await Task.Yield();
            throw new BackstoreException(BackstoreError.MediumError, "late");
        };

        Assert.Equal(SenseCode.UnrecoveredReadError, t.In(Cdb.Read10(0, 1), expected: 512).SenseCode);
        Assert.Equal(SenseCode.WriteError, t.Out(Cdb.Write10(0, 1), Blocks.Zeros(1)).SenseCode);
        Assert.Equal(0, t.Unit.RunningCommands);
    }

    private static TestUnit Failing(BackstoreError error, BackstoreOperation operation, bool descriptorSense)
    {
        var t = TestUnit.Instrumented(descriptorSense: descriptorSense);
        t.Probe.Before = (call, _) => call.Operation == operation ? throw new BackstoreException(error, $"{operation} failed") : default;
        return t;
    }
}
