using static UserDisk.Scsi.OperationCode;

namespace UserDisk.Scsi.Tests;

/// <summary>RESERVE and RELEASE (SPC-2 reservations, SPC-2 5.5.1 and 7.21-7.24) and how they meet persistent reservations.</summary>
public sealed class ReserveReleaseTests
{
    private const ulong Key = 0x1234_5678_9ABC_DEF0;

    public static TheoryData<byte[], byte[]> ReserveAndRelease => new()
    {
        { Cdb.Reserve6(), Cdb.Release6() },
        { Cdb.Reserve10(), Cdb.Release10() },
    };

    public static TheoryData<byte[]> Reserves => new() { Cdb.Reserve6(), Cdb.Reserve10() };

    [Theory]
    [MemberData(nameof(Reserves))]
    public void Reserve_by_one_nexus_makes_reserve_from_another_conflict(byte[] reserve)
    {
        using var t = TestUnit.Memory();
        var other = TestUnit.NewNexus();

        Expect.Good(t.In(reserve, 0));

        Assert.Equal(ScsiStatus.ReservationConflict, t.In(reserve, 0, other).Status);
    }

    [Fact]
    public void Reserve_again_by_the_holder_is_good()
    {
        using var t = TestUnit.Memory();
        Expect.Good(t.In(Cdb.Reserve6(), 0));

        Expect.Good(t.In(Cdb.Reserve6(), 0));
    }

    [Fact]
    public void The_holder_reads_and_writes()
    {
        using var t = TestUnit.Memory();
        var holder = new ReservationClient(t, t.Nexus);
        Expect.Good(t.In(Cdb.Reserve6(), 0));

        Expect.Good(holder.Read());
        Expect.Good(holder.Write());
    }

    [Fact]
    public void Another_nexus_cannot_read_write_or_mode_sense()
    {
        using var t = TestUnit.Memory();
        var other = ReservationClient.New(t);
        Expect.Good(t.In(Cdb.Reserve6(), 0));

        Assert.Equal(ScsiStatus.ReservationConflict, other.Read().Status);
        Assert.Equal(ScsiStatus.ReservationConflict, other.Write().Status);
        Assert.Equal(ScsiStatus.ReservationConflict, t.In(Cdb.ModeSense6(0x3F), 255, other.Nexus).Status);
    }

    [Fact]
    public void Another_nexus_can_still_inquire_report_luns_and_request_sense()
    {
        using var t = TestUnit.Memory();
        var other = TestUnit.NewNexus();
        Expect.Good(t.In(Cdb.Reserve6(), 0));

        Expect.Good(t.In(Cdb.Inquiry(), 255, other));
        Expect.Good(t.In(Cdb.ReportLuns(), 4096, other));
        Expect.Good(t.In(Cdb.RequestSense(), 252, other));
    }

    [Fact]
    public void Release_from_another_nexus_is_good_and_keeps_the_reservation()
    {
        using var t = TestUnit.Memory();
        var other = ReservationClient.New(t);
        Expect.Good(t.In(Cdb.Reserve6(), 0));

        Expect.Good(t.In(Cdb.Release6(), 0, other.Nexus));

        Assert.Equal(ScsiStatus.ReservationConflict, other.Write().Status);
    }

    [Theory]
    [MemberData(nameof(ReserveAndRelease))]
    public void Release_by_the_holder_lets_another_nexus_reserve(byte[] reserve, byte[] release)
    {
        using var t = TestUnit.Memory();
        var other = TestUnit.NewNexus();
        Expect.Good(t.In(reserve, 0));

        Expect.Good(t.In(release, 0));

        Expect.Good(t.In(reserve, 0, other));
    }

    [Fact]
    public void Third_party_reserve_is_invalid_field_in_cdb()
    {
        using var t = TestUnit.Memory();

        var result = t.In(Cdb.Reserve10(thirdParty: true, thirdPartyDeviceId: 7), 0);

        Expect.InvalidFieldInCdb(result, descriptorSense: false, byteOffset: 1, bit: 4);
    }

    [Theory]
    [MemberData(nameof(ReserveAndRelease))]
    public void Reserve_and_release_conflict_while_a_persistent_reservation_registration_exists(byte[] reserve, byte[] release)
    {
        using var t = TestUnit.Memory();
        var registrant = ReservationClient.New(t);
        registrant.MustRegister(Key);

        Assert.Equal(ScsiStatus.ReservationConflict, t.In(reserve, 0).Status);
        Assert.Equal(ScsiStatus.ReservationConflict, t.In(reserve, 0, registrant.Nexus).Status);
        Assert.Equal(ScsiStatus.ReservationConflict, t.In(release, 0, registrant.Nexus).Status);
    }

    [Fact]
    public void Persistent_reserve_commands_conflict_while_reserved_even_from_the_holder()
    {
        using var t = TestUnit.Memory();
        var holder = new ReservationClient(t, t.Nexus);
        Expect.Good(t.In(Cdb.Reserve6(), 0));

        Assert.Equal(ScsiStatus.ReservationConflict, holder.In(ReadKeysServiceAction).Status);
        Assert.Equal(ScsiStatus.ReservationConflict, holder.RegisterAndIgnoreExistingKey(Key).Status);
    }

    [Fact]
    public void A_logical_unit_reset_releases_the_reservation()
    {
        using var t = TestUnit.Memory();
        var other = TestUnit.NewNexus();
        Expect.Good(t.In(Cdb.Reserve6(), 0));
        Expect.Good(t.In(Cdb.Inquiry(), 255, other));

        t.Unit.Reset();

        Expect.PlainCheckCondition(t.In(Cdb.Reserve6(), 0, other), SenseCode.BusDeviceResetFunctionOccurred, descriptorSense: false);
        Expect.Good(t.In(Cdb.Reserve6(), 0, other));
    }

    [Fact]
    public void Loss_of_the_holder_nexus_releases_the_reservation()
    {
        using var t = TestUnit.Memory();
        var other = TestUnit.NewNexus();
        Expect.Good(t.In(Cdb.Reserve6(), 0));

        t.Unit.RemoveNexus(t.Nexus);

        Expect.Good(t.In(Cdb.Reserve6(), 0, other));
    }

    [Fact]
    public void Without_engine_reservations_reserve_is_good_and_restricts_nobody()
    {
        using var t = TestUnit.Memory(options: new LogicalUnitOptions { PowerOnUnitAttention = false, ReservationsByEngine = false });
        var other = ReservationClient.New(t);

        Expect.Good(t.In(Cdb.Reserve6(), 0));
        Expect.Good(t.In(Cdb.Reserve10(), 0, other.Nexus));

        Expect.Good(other.Write());
        Expect.Good(t.In(Cdb.Release6(), 0, other.Nexus));
    }
}
