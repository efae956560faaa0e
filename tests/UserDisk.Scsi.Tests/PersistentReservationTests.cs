using System.Buffers.Binary;
using UserDisk.Scsi.Reservations;
using UserDisk.Storage;
using static UserDisk.Scsi.OperationCode;
using PrType = UserDisk.Scsi.Reservations.PersistentReservationType;

namespace UserDisk.Scsi.Tests;

/// <summary>PERSISTENT RESERVE IN/OUT (SPC-5 5.13, 6.15, 6.16) and the conflict rules of SPC-5 table 65 and SBC-4 table 13.</summary>
public sealed class PersistentReservationTests
{
    private const ulong KeyA = 0xA1A1_A1A1_0000_0001;
    private const ulong KeyB = 0xB2B2_B2B2_0000_0002;
    private const ulong KeyC = 0xC3C3_C3C3_0000_0003;

    private static readonly PrType[] AllTypes =
    [
        PrType.WriteExclusive, PrType.ExclusiveAccess, PrType.WriteExclusiveRegistrantsOnly,
        PrType.ExclusiveAccessRegistrantsOnly, PrType.WriteExclusiveAllRegistrants, PrType.ExclusiveAccessAllRegistrants,
    ];

    public static TheoryData<PrType> Types => new(AllTypes);

    /// <summary>
    /// SPC-5 table 65 / SBC-4 table 13 for another I_T nexus than the holder: type, whether that nexus is registered,
    /// and whether READ and WRITE are allowed (the libiscsi PR access expectations are the same table).
    /// </summary>
    public static TheoryData<PrType, bool, bool, bool> AccessRules => new()
    {
        { PrType.WriteExclusive, true, true, false },
        { PrType.WriteExclusive, false, true, false },
        { PrType.ExclusiveAccess, true, false, false },
        { PrType.ExclusiveAccess, false, false, false },
        { PrType.WriteExclusiveRegistrantsOnly, true, true, true },
        { PrType.WriteExclusiveRegistrantsOnly, false, true, false },
        { PrType.ExclusiveAccessRegistrantsOnly, true, true, true },
        { PrType.ExclusiveAccessRegistrantsOnly, false, false, false },
        { PrType.WriteExclusiveAllRegistrants, true, true, true },
        { PrType.WriteExclusiveAllRegistrants, false, true, false },
        { PrType.ExclusiveAccessAllRegistrants, true, true, true },
        { PrType.ExclusiveAccessAllRegistrants, false, false, false },
    };

    // ---- REGISTER and REGISTER AND IGNORE EXISTING KEY (SPC-5 5.13.7) ----

    [Fact]
    public void Register_adds_the_key_and_increments_the_generation()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);

        Expect.Good(a.Register(0, KeyA));

        var (generation, keys) = a.ReadKeys();
        Assert.Equal(1u, generation);
        Assert.Equal([KeyA], keys);
    }

    [Fact]
    public void Register_from_an_unregistered_nexus_with_a_nonzero_reservation_key_conflicts()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);

        var result = a.Register(KeyB, KeyA);

        Assert.Equal(ScsiStatus.ReservationConflict, result.Status);
        Assert.Empty(result.Sense);
        Assert.Empty(a.ReadKeys().Keys);
    }

    [Fact]
    public void Register_from_a_registered_nexus_with_the_wrong_key_conflicts()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        a.MustRegister(KeyA);

        Assert.Equal(ScsiStatus.ReservationConflict, a.Register(KeyB, KeyC).Status);
        Assert.Equal([KeyA], a.ReadKeys().Keys);
    }

    [Fact]
    public void Register_with_service_action_key_zero_unregisters()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        a.MustRegister(KeyA);

        Expect.Good(a.Register(KeyA, 0));

        var (generation, keys) = a.ReadKeys();
        Assert.Empty(keys);
        Assert.Equal(2u, generation);
    }

    [Fact]
    public void Register_of_key_zero_by_an_unregistered_nexus_changes_nothing_not_even_the_generation()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);

        Expect.Good(a.Register(0, 0));

        var (generation, keys) = a.ReadKeys();
        Assert.Equal(0u, generation);
        Assert.Empty(keys);
    }

    [Fact]
    public void Register_and_ignore_existing_key_replaces_a_key_it_does_not_quote()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        a.MustRegister(KeyA);

        Expect.Good(a.RegisterAndIgnoreExistingKey(KeyB));

        Assert.Equal([KeyB], a.ReadKeys().Keys);
    }

    [Fact]
    public void Registering_a_new_key_keeps_the_reservation_under_the_new_key()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        a.MustRegister(KeyA);
        a.MustReserve(KeyA, PrType.WriteExclusive);

        Expect.Good(a.Register(KeyA, KeyC));

        Assert.Equal((KeyC, PrType.WriteExclusive), a.ReadReservation());
    }

    [Fact]
    public void Read_keys_lists_every_registered_nexus_including_duplicate_keys()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var b = ReservationClient.New(t);
        var c = ReservationClient.New(t);
        a.MustRegister(KeyA);
        b.MustRegister(KeyB);
        c.MustRegister(KeyA);

        var (generation, keys) = c.ReadKeys();

        Assert.Equal([KeyA, KeyB, KeyA], keys);
        Assert.Equal(3u, generation);
    }

    [Fact]
    public void Read_keys_truncated_by_the_allocation_length_still_reports_the_full_additional_length()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        a.MustRegister(KeyA);

        var result = a.In(ReadKeysServiceAction, allocation: 8);

        Expect.Good(result);
        Assert.Equal(8, result.Data.Length);
        Assert.Equal(8u, BinaryPrimitives.ReadUInt32BigEndian(result.Data.AsSpan(4)));
    }

    [Fact]
    public void Spec_i_pt_is_refused_because_the_unit_does_not_offer_it()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);

        var result = a.Out(RegisterServiceAction, 0, Cdb.PersistentReserveOutParameters(0, KeyA, specifyInitiatorPorts: true));

        Expect.InvalidFieldInParameterList(result, descriptorSense: false, byteOffset: 20, bit: 3);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(23)]
    [InlineData(25)]
    [InlineData(32)]
    public void Parameter_list_length_other_than_24_is_a_parameter_list_length_error(int length)
    {
        using var t = TestUnit.Memory();
        var parameters = new byte[length];

        var result = t.Out(Cdb.PersistentReserveOut(RegisterServiceAction, parameterLength: (uint)length), parameters);

        Expect.PlainCheckCondition(result, SenseCode.ParameterListLengthError, descriptorSense: false);
    }

    [Fact]
    public void Aptpl_is_refused_when_the_unit_has_no_state_file()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);

        var result = a.Register(0, KeyA, aptpl: true);

        Expect.InvalidFieldInParameterList(result, descriptorSense: false, byteOffset: 20, bit: 0);
        Assert.Empty(a.ReadKeys().Keys);
    }

    [Fact]
    public void Register_with_all_target_ports_covers_the_initiator_through_another_target_port()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var sameInitiatorOtherPort = new ReservationClient(t, new ItNexus(t.Nexus.InitiatorPortName, "iqn.2026-11.test:target,t,0x2", 2));
        Expect.Good(a.Register(0, KeyA, allTargetPorts: true));

        Expect.Good(sameInitiatorOtherPort.Reserve(KeyA, PrType.ExclusiveAccess));

        Expect.Good(a.Write());
        Assert.Equal([KeyA], a.ReadKeys().Keys);
    }

    [Fact]
    public void Register_without_all_target_ports_does_not_cover_another_target_port()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var sameInitiatorOtherPort = new ReservationClient(t, new ItNexus(t.Nexus.InitiatorPortName, "iqn.2026-11.test:target,t,0x2", 2));
        a.MustRegister(KeyA);

        Assert.Equal(ScsiStatus.ReservationConflict, sameInitiatorOtherPort.Reserve(KeyA, PrType.ExclusiveAccess).Status);
    }

    // ---- READ RESERVATION, RESERVE (SPC-5 5.13.9, 6.15.3) ----

    [Fact]
    public void Read_reservation_without_a_reservation_has_additional_length_zero()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        a.MustRegister(KeyA);

        Assert.Null(a.ReadReservation());
    }

    [Fact]
    public void Read_reservation_reports_the_holder_key_and_type()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var b = ReservationClient.New(t);
        a.MustRegister(KeyA);
        b.MustRegister(KeyB);

        b.MustReserve(KeyB, PrType.ExclusiveAccessRegistrantsOnly);

        Assert.Equal((KeyB, PrType.ExclusiveAccessRegistrantsOnly), a.ReadReservation());
    }

    [Theory]
    [InlineData(PrType.WriteExclusiveAllRegistrants)]
    [InlineData(PrType.ExclusiveAccessAllRegistrants)]
    public void Read_reservation_of_an_all_registrants_type_reports_key_zero(PrType type)
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        a.MustRegister(KeyA);

        a.MustReserve(KeyA, type);

        Assert.Equal((0UL, type), a.ReadReservation());
    }

    [Fact]
    public void Reserve_does_not_change_the_generation()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        a.MustRegister(KeyA);

        a.MustReserve(KeyA, PrType.WriteExclusive);

        Assert.Equal(1u, a.ReadKeys().Generation);
    }

    [Fact]
    public void Reserve_from_an_unregistered_nexus_conflicts()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);

        Assert.Equal(ScsiStatus.ReservationConflict, a.Reserve(0, PrType.WriteExclusive).Status);
        Assert.Null(a.ReadReservation());
    }

    [Fact]
    public void Reserve_with_a_key_other_than_the_registered_one_conflicts()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        a.MustRegister(KeyA);

        Assert.Equal(ScsiStatus.ReservationConflict, a.Reserve(KeyB, PrType.WriteExclusive).Status);
    }

    [Fact]
    public void Reserve_again_by_the_holder_with_the_same_type_is_good()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        a.MustRegister(KeyA);
        a.MustReserve(KeyA, PrType.ExclusiveAccess);

        Expect.Good(a.Reserve(KeyA, PrType.ExclusiveAccess));
    }

    [Fact]
    public void Reserve_by_the_holder_with_another_type_conflicts()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        a.MustRegister(KeyA);
        a.MustReserve(KeyA, PrType.ExclusiveAccess);

        Assert.Equal(ScsiStatus.ReservationConflict, a.Reserve(KeyA, PrType.WriteExclusive).Status);
        Assert.Equal((KeyA, PrType.ExclusiveAccess), a.ReadReservation());
    }

    [Fact]
    public void Reserve_by_another_registrant_conflicts()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var b = ReservationClient.New(t);
        a.MustRegister(KeyA);
        b.MustRegister(KeyB);
        a.MustReserve(KeyA, PrType.WriteExclusive);

        Assert.Equal(ScsiStatus.ReservationConflict, b.Reserve(KeyB, PrType.WriteExclusive).Status);
    }

    [Theory]
    [InlineData(0x0)]
    [InlineData(0x2)]
    [InlineData(0x4)]
    [InlineData(0x9)]
    [InlineData(0xF)]
    public void Reserve_with_a_type_that_is_not_defined_is_invalid_field_in_cdb(byte type)
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        a.MustRegister(KeyA);

        var result = a.Out(ReserveServiceAction, type, Cdb.PersistentReserveOutParameters(KeyA));

        Expect.InvalidFieldInCdb(result, descriptorSense: false, byteOffset: 2, bit: 3);
    }

    [Fact]
    public void Reserve_with_a_scope_other_than_lu_scope_is_invalid_field_in_cdb()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        a.MustRegister(KeyA);
        var parameters = Cdb.PersistentReserveOutParameters(KeyA);

        var result = t.Out(Cdb.PersistentReserveOut(ReserveServiceAction, (byte)PrType.WriteExclusive, scope: 1), parameters, a.Nexus);

        Expect.InvalidFieldInCdb(result, descriptorSense: false, byteOffset: 2, bit: 7);
    }

    // ---- access rules (SPC-5 table 65, SBC-4 table 13) ----

    [Theory]
    [MemberData(nameof(AccessRules))]
    public void Another_nexus_reads_and_writes_as_the_reservation_type_allows(PrType type, bool registered, bool canRead, bool canWrite)
    {
        using var t = TestUnit.Memory();
        var holder = new ReservationClient(t, t.Nexus);
        var other = ReservationClient.New(t);
        holder.MustRegister(KeyA);
        if (registered)
        {
            other.MustRegister(KeyB);
        }
        else
        {
            Expect.Good(other.TestUnitReady());
        }

        holder.MustReserve(KeyA, type);

        Assert.Equal(canRead ? ScsiStatus.Good : ScsiStatus.ReservationConflict, other.Read().Status);
        Assert.Equal(canWrite ? ScsiStatus.Good : ScsiStatus.ReservationConflict, other.Write().Status);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void The_holder_reads_and_writes_under_every_type(PrType type)
    {
        using var t = TestUnit.Memory();
        var holder = new ReservationClient(t, t.Nexus);
        holder.MustRegister(KeyA);

        holder.MustReserve(KeyA, type);

        Expect.Good(holder.Read());
        Expect.Good(holder.Write());
    }

    [Fact]
    public void A_conflict_is_reservation_conflict_status_without_sense_or_data()
    {
        using var t = TestUnit.Memory();
        var holder = new ReservationClient(t, t.Nexus);
        var other = ReservationClient.New(t);
        holder.MustRegister(KeyA);
        holder.MustReserve(KeyA, PrType.ExclusiveAccess);

        var result = other.Read();

        Assert.Equal(ScsiStatus.ReservationConflict, result.Status);
        Assert.Empty(result.Sense);
        Assert.Empty(result.Data);
    }

    [Fact]
    public void Registrations_without_a_reservation_restrict_nobody()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var unregistered = ReservationClient.New(t);
        a.MustRegister(KeyA);

        Expect.Good(unregistered.Write());
    }

    [Fact]
    public void Exclusive_access_lets_other_nexuses_run_inquiry_test_unit_ready_and_read_capacity()
    {
        using var t = TestUnit.Memory();
        var holder = new ReservationClient(t, t.Nexus);
        var other = ReservationClient.New(t);
        holder.MustRegister(KeyA);
        holder.MustReserve(KeyA, PrType.ExclusiveAccess);

        Expect.Good(other.TestUnitReady());
        Expect.Good(t.In(Cdb.Inquiry(), 255, other.Nexus));
        Expect.Good(t.In(Cdb.ReadCapacity10(), 8, other.Nexus));
        Expect.Good(other.In(ReadKeysServiceAction));
    }

    [Theory]
    [InlineData(PrType.WriteExclusive, ScsiStatus.Good)]
    [InlineData(PrType.ExclusiveAccess, ScsiStatus.ReservationConflict)]
    public void Mode_sense_from_another_nexus_passes_write_exclusive_only(PrType type, ScsiStatus expected)
    {
        using var t = TestUnit.Memory();
        var holder = new ReservationClient(t, t.Nexus);
        var other = ReservationClient.New(t);
        holder.MustRegister(KeyA);
        holder.MustReserve(KeyA, type);

        Assert.Equal(expected, t.In(Cdb.ModeSense6(0x3F), 255, other.Nexus).Status);
    }

    [Theory]
    [InlineData(0, ScsiStatus.Good)]
    [InlineData(1, ScsiStatus.ReservationConflict)]
    public void Prevent_allow_from_another_nexus_is_allowed_only_to_allow(byte prevent, ScsiStatus expected)
    {
        using var t = TestUnit.Memory();
        var holder = new ReservationClient(t, t.Nexus);
        var other = ReservationClient.New(t);
        holder.MustRegister(KeyA);
        holder.MustReserve(KeyA, PrType.WriteExclusive);

        Assert.Equal(expected, t.In(Cdb.PreventAllowMediumRemoval(prevent), 0, other.Nexus).Status);
    }

    [Fact]
    public void Synchronize_cache_from_another_nexus_conflicts_with_write_exclusive()
    {
        using var t = TestUnit.Memory();
        var holder = new ReservationClient(t, t.Nexus);
        var other = ReservationClient.New(t);
        holder.MustRegister(KeyA);
        holder.MustReserve(KeyA, PrType.WriteExclusive);

        Assert.Equal(ScsiStatus.ReservationConflict, t.In(Cdb.LbaCount(SynchronizeCache10, 0, 0), 0, other.Nexus).Status);
    }

    [Fact]
    public void A_pending_unit_attention_is_reported_before_a_reservation_conflict()
    {
        using var t = TestUnit.Memory();
        var holder = new ReservationClient(t, t.Nexus);
        var other = ReservationClient.New(t);
        holder.MustRegister(KeyA);
        holder.MustReserve(KeyA, PrType.ExclusiveAccess);
        Expect.Good(other.In(ReadKeysServiceAction));
        t.Unit.EstablishUnitAttention(UnitAttention.ModeParametersChanged);

        Expect.PlainCheckCondition(other.Read(), SenseCode.ModeParametersChanged, descriptorSense: false);
        Assert.Equal(ScsiStatus.ReservationConflict, other.Read().Status);
    }

    // ---- RELEASE (SPC-5 5.13.11.2.2) ----

    [Fact]
    public void Release_by_the_holder_removes_the_reservation_and_keeps_the_registrations()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        a.MustRegister(KeyA);
        a.MustReserve(KeyA, PrType.ExclusiveAccess);

        Expect.Good(a.Release(KeyA, PrType.ExclusiveAccess));

        Assert.Null(a.ReadReservation());
        var (generation, keys) = a.ReadKeys();
        Assert.Equal(1u, generation);
        Assert.Equal([KeyA], keys);
    }

    [Fact]
    public void Release_by_a_registrant_that_does_not_hold_the_reservation_is_good_and_changes_nothing()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var b = ReservationClient.New(t);
        a.MustRegister(KeyA);
        b.MustRegister(KeyB);
        a.MustReserve(KeyA, PrType.ExclusiveAccess);

        Expect.Good(b.Release(KeyB, PrType.ExclusiveAccess));

        Assert.Equal((KeyA, PrType.ExclusiveAccess), b.ReadReservation());
    }

    [Fact]
    public void Release_from_an_unregistered_nexus_conflicts()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var b = ReservationClient.New(t);
        a.MustRegister(KeyA);
        a.MustReserve(KeyA, PrType.WriteExclusive);

        Assert.Equal(ScsiStatus.ReservationConflict, b.Release(0, PrType.WriteExclusive).Status);
    }

    [Fact]
    public void Release_by_the_holder_naming_another_type_is_invalid_release_of_persistent_reservation()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        a.MustRegister(KeyA);
        a.MustReserve(KeyA, PrType.ExclusiveAccess);

        Expect.PlainCheckCondition(a.Release(KeyA, PrType.WriteExclusive), SenseCode.InvalidReleaseOfPersistentReservation, descriptorSense: false);
        Assert.Equal((KeyA, PrType.ExclusiveAccess), a.ReadReservation());
    }

    [Theory]
    [InlineData(PrType.WriteExclusiveRegistrantsOnly)]
    [InlineData(PrType.ExclusiveAccessAllRegistrants)]
    public void Release_of_a_registrants_reservation_tells_the_other_registrants(PrType type)
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var b = ReservationClient.New(t);
        var unregistered = ReservationClient.New(t);
        a.MustRegister(KeyA);
        b.MustRegister(KeyB);
        Expect.Good(unregistered.TestUnitReady());
        a.MustReserve(KeyA, type);

        Expect.Good(a.Release(KeyA, type));

        Assert.Equal(UnitAttention.ReservationsReleased, b.PendingUnitAttentions);
        Assert.Equal(UnitAttention.None, a.PendingUnitAttentions);
        Assert.Equal(UnitAttention.None, unregistered.PendingUnitAttentions);
    }

    [Fact]
    public void Release_of_a_write_exclusive_reservation_tells_nobody()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var b = ReservationClient.New(t);
        a.MustRegister(KeyA);
        b.MustRegister(KeyB);
        a.MustReserve(KeyA, PrType.WriteExclusive);

        Expect.Good(a.Release(KeyA, PrType.WriteExclusive));

        Assert.Equal(UnitAttention.None, b.PendingUnitAttentions);
    }

    // ---- unregistering a holder (SPC-5 5.13.11.2.3) ----

    [Fact]
    public void Unregistering_the_holder_releases_its_reservation()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var b = ReservationClient.New(t);
        a.MustRegister(KeyA);
        b.MustRegister(KeyB);
        a.MustReserve(KeyA, PrType.ExclusiveAccess);

        Expect.Good(a.Register(KeyA, 0));

        Assert.Null(b.ReadReservation());
        Expect.Good(b.Write());
    }

    [Fact]
    public void Unregistering_the_holder_of_a_registrants_only_reservation_tells_the_other_registrants()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var b = ReservationClient.New(t);
        a.MustRegister(KeyA);
        b.MustRegister(KeyB);
        a.MustReserve(KeyA, PrType.ExclusiveAccessRegistrantsOnly);

        Expect.Good(a.Register(KeyA, 0));

        Assert.Equal(UnitAttention.ReservationsReleased, b.PendingUnitAttentions);
    }

    [Theory]
    [InlineData(PrType.WriteExclusiveAllRegistrants)]
    [InlineData(PrType.ExclusiveAccessAllRegistrants)]
    public void An_all_registrants_reservation_lasts_until_the_last_registrant_unregisters(PrType type)
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var b = ReservationClient.New(t);
        a.MustRegister(KeyA);
        b.MustRegister(KeyB);
        a.MustReserve(KeyA, type);

        Expect.Good(a.Register(KeyA, 0));
        Assert.Equal((0UL, type), b.ReadReservation());

        Expect.Good(b.Register(KeyB, 0));
        Assert.Null(b.ReadReservation());
    }

    // ---- CLEAR (SPC-5 5.13.11.2.7) ----

    [Fact]
    public void Clear_removes_every_registration_and_the_reservation_and_increments_the_generation()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var b = ReservationClient.New(t);
        a.MustRegister(KeyA);
        b.MustRegister(KeyB);
        a.MustReserve(KeyA, PrType.ExclusiveAccess);

        Expect.Good(b.Clear(KeyB));

        var (generation, keys) = b.ReadKeys();
        Assert.Equal(3u, generation);
        Assert.Empty(keys);
        Assert.Null(b.ReadReservation());
    }

    [Fact]
    public void Clear_tells_the_other_registrants_reservations_preempted()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var b = ReservationClient.New(t);
        a.MustRegister(KeyA);
        b.MustRegister(KeyB);

        Expect.Good(b.Clear(KeyB));

        Assert.Equal(UnitAttention.ReservationsPreempted, a.PendingUnitAttentions);
        Assert.Equal(UnitAttention.None, b.PendingUnitAttentions);
        Expect.PlainCheckCondition(a.TestUnitReady(), SenseCode.ReservationsPreempted, descriptorSense: false);
    }

    [Fact]
    public void Clear_from_an_unregistered_nexus_conflicts()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var b = ReservationClient.New(t);
        a.MustRegister(KeyA);

        Assert.Equal(ScsiStatus.ReservationConflict, b.Clear(0).Status);
        Assert.Equal([KeyA], a.ReadKeys().Keys);
    }

    // ---- PREEMPT and PREEMPT AND ABORT (SPC-5 5.13.11.2.4 to 5.13.11.2.6) ----

    [Fact]
    public void Preempt_of_the_holder_key_removes_its_registration_and_moves_the_reservation()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var b = ReservationClient.New(t);
        a.MustRegister(KeyA);
        b.MustRegister(KeyB);
        a.MustReserve(KeyA, PrType.ExclusiveAccess);

        Expect.Good(b.Preempt(KeyB, KeyA, PrType.WriteExclusive));

        Assert.Equal((KeyB, PrType.WriteExclusive), b.ReadReservation());
        var (generation, keys) = b.ReadKeys();
        Assert.Equal(3u, generation);
        Assert.Equal([KeyB], keys);
    }

    [Fact]
    public void Preempt_tells_the_preempted_nexus_registrations_preempted()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var b = ReservationClient.New(t);
        a.MustRegister(KeyA);
        b.MustRegister(KeyB);
        a.MustReserve(KeyA, PrType.ExclusiveAccess);

        Expect.Good(b.Preempt(KeyB, KeyA, PrType.ExclusiveAccess));

        Expect.PlainCheckCondition(a.Read(), SenseCode.RegistrationsPreempted, descriptorSense: false);
        Assert.Equal(ScsiStatus.ReservationConflict, a.Read().Status);
        Assert.Equal(UnitAttention.None, b.PendingUnitAttentions);
    }

    [Fact]
    public void Preempt_of_a_registrant_that_does_not_hold_the_reservation_only_removes_its_registration()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var b = ReservationClient.New(t);
        var c = ReservationClient.New(t);
        a.MustRegister(KeyA);
        b.MustRegister(KeyB);
        c.MustRegister(KeyC);
        a.MustReserve(KeyA, PrType.WriteExclusive);

        Expect.Good(b.Preempt(KeyB, KeyC, PrType.ExclusiveAccess));

        Assert.Equal((KeyA, PrType.WriteExclusive), b.ReadReservation());
        Assert.Equal([KeyA, KeyB], b.ReadKeys().Keys);
        Assert.Equal(UnitAttention.RegistrationsPreempted, c.PendingUnitAttentions);
    }

    [Fact]
    public void Preempt_without_a_reservation_removes_the_registrations_and_increments_the_generation()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var b = ReservationClient.New(t);
        a.MustRegister(KeyA);
        b.MustRegister(KeyB);

        Expect.Good(b.Preempt(KeyB, KeyA, PrType.ExclusiveAccess));

        var (generation, keys) = b.ReadKeys();
        Assert.Equal(3u, generation);
        Assert.Equal([KeyB], keys);
        Assert.Null(b.ReadReservation());
    }

    [Fact]
    public void Preempt_naming_a_key_nobody_registered_conflicts()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        a.MustRegister(KeyA);

        Assert.Equal(ScsiStatus.ReservationConflict, a.Preempt(KeyA, KeyC, PrType.WriteExclusive).Status);
        Assert.Equal(1u, a.ReadKeys().Generation);
    }

    [Fact]
    public void Preempt_from_an_unregistered_nexus_conflicts()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var b = ReservationClient.New(t);
        a.MustRegister(KeyA);

        Assert.Equal(ScsiStatus.ReservationConflict, b.Preempt(0, KeyA, PrType.WriteExclusive).Status);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Preempt_with_service_action_key_zero_without_an_all_registrants_reservation_is_invalid_field_in_parameter_list(bool reserved)
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        a.MustRegister(KeyA);
        if (reserved)
        {
            a.MustReserve(KeyA, PrType.ExclusiveAccess);
        }

        Expect.InvalidFieldInParameterList(a.Preempt(KeyA, 0, PrType.ExclusiveAccess), descriptorSense: false, byteOffset: 8);
    }

    [Fact]
    public void Preempt_with_service_action_key_zero_of_an_all_registrants_reservation_removes_every_other_registration()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var b = ReservationClient.New(t);
        var c = ReservationClient.New(t);
        a.MustRegister(KeyA);
        b.MustRegister(KeyB);
        c.MustRegister(KeyC);
        a.MustReserve(KeyA, PrType.WriteExclusiveAllRegistrants);

        Expect.Good(b.Preempt(KeyB, 0, PrType.ExclusiveAccess));

        Assert.Equal((KeyB, PrType.ExclusiveAccess), b.ReadReservation());
        Assert.Equal([KeyB], b.ReadKeys().Keys);
        Assert.Equal(UnitAttention.RegistrationsPreempted, a.PendingUnitAttentions);
        Assert.Equal(UnitAttention.RegistrationsPreempted, c.PendingUnitAttentions);
    }

    [Fact]
    public void The_holder_preempting_its_own_key_changes_the_type_and_stays_registered()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        a.MustRegister(KeyA);
        a.MustReserve(KeyA, PrType.WriteExclusive);

        Expect.Good(a.Preempt(KeyA, KeyA, PrType.ExclusiveAccess));

        Assert.Equal((KeyA, PrType.ExclusiveAccess), a.ReadReservation());
        Assert.Equal([KeyA], a.ReadKeys().Keys);
        Assert.Equal(UnitAttention.None, a.PendingUnitAttentions);
    }

    [Fact]
    public void Preempt_that_changes_the_type_tells_the_remaining_registrants_reservations_released()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var b = ReservationClient.New(t);
        var c = ReservationClient.New(t);
        a.MustRegister(KeyA);
        b.MustRegister(KeyB);
        c.MustRegister(KeyC);
        a.MustReserve(KeyA, PrType.WriteExclusive);

        Expect.Good(b.Preempt(KeyB, KeyA, PrType.ExclusiveAccess));

        Assert.Equal(UnitAttention.ReservationsReleased, c.PendingUnitAttentions);
        Assert.Equal(UnitAttention.RegistrationsPreempted, a.PendingUnitAttentions);
    }

    [Fact]
    public void Preempt_and_abort_asks_the_front_end_to_abort_the_preempted_nexus_tasks()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var b = ReservationClient.New(t);
        var bystander = ReservationClient.New(t);
        a.MustRegister(KeyA);
        b.MustRegister(KeyB);
        bystander.MustRegister(KeyC);
        a.MustReserve(KeyA, PrType.ExclusiveAccess);
        var raised = new List<TasksAbortedEventArgs>();
        t.Unit.TasksAborted += (_, e) => raised.Add(e);

        Expect.Good(b.Preempt(KeyB, KeyA, PrType.ExclusiveAccess, abort: true));

        var args = Assert.Single(raised);
        Assert.Same(a.Nexus, Assert.Single(args.Nexuses));
        Assert.Same(b.Nexus, args.PreemptingCommand.Nexus);
    }

    [Fact]
    public void Preempt_and_abort_releases_the_preempted_nexus_prevent()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var b = ReservationClient.New(t);
        a.MustRegister(KeyA);
        b.MustRegister(KeyB);
        Expect.Good(t.In(Cdb.PreventAllowMediumRemoval(1), 0, a.Nexus));
        a.MustReserve(KeyA, PrType.ExclusiveAccess);

        Expect.Good(b.Preempt(KeyB, KeyA, PrType.ExclusiveAccess, abort: true));

        // Eject (START=0, LOEJ=1) is refused while any nexus prevents removal.
        Expect.Good(t.In(Cdb.StartStopUnit(0x02), 0, b.Nexus));
    }

    [Fact]
    public void Preempt_without_abort_raises_no_abort()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var b = ReservationClient.New(t);
        a.MustRegister(KeyA);
        b.MustRegister(KeyB);
        a.MustReserve(KeyA, PrType.ExclusiveAccess);
        var raised = 0;
        t.Unit.TasksAborted += (_, _) => raised++;

        Expect.Good(b.Preempt(KeyB, KeyA, PrType.ExclusiveAccess));

        Assert.Equal(0, raised);
    }

    // ---- REGISTER AND MOVE (SPC-5 5.13.8) ----

    [Fact]
    public void Register_and_move_registers_the_named_nexus_and_makes_it_the_holder()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var b = ReservationClient.New(t);
        a.MustRegister(KeyA);
        a.MustReserve(KeyA, PrType.ExclusiveAccess);

        var parameters = Cdb.RegisterAndMoveParameters(KeyA, KeyB, b.Nexus.RelativeTargetPortId, b.Nexus.InitiatorTransportId.ToArray(), unregister: true);
        Expect.Good(a.Out(RegisterAndMoveServiceAction, 0, parameters));

        Assert.Equal((KeyB, PrType.ExclusiveAccess), b.ReadReservation());
        Assert.Equal([KeyB], b.ReadKeys().Keys);
        Expect.Good(b.Write());
        Assert.Equal(ScsiStatus.ReservationConflict, a.Write().Status);
    }

    [Fact]
    public void Register_and_move_without_a_reservation_is_invalid_field_in_cdb()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var b = ReservationClient.New(t);
        a.MustRegister(KeyA);

        var parameters = Cdb.RegisterAndMoveParameters(KeyA, KeyB, 1, b.Nexus.InitiatorTransportId.ToArray());

        Expect.InvalidFieldInCdb(a.Out(RegisterAndMoveServiceAction, 0, parameters), descriptorSense: false, byteOffset: 1, bit: 4);
    }

    [Fact]
    public void Register_and_move_from_a_registrant_that_does_not_hold_the_reservation_conflicts()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var b = ReservationClient.New(t);
        a.MustRegister(KeyA);
        b.MustRegister(KeyB);
        a.MustReserve(KeyA, PrType.WriteExclusive);

        var parameters = Cdb.RegisterAndMoveParameters(KeyB, KeyC, 1, TestUnit.NewNexus().InitiatorTransportId.ToArray());

        Assert.Equal(ScsiStatus.ReservationConflict, b.Out(RegisterAndMoveServiceAction, 0, parameters).Status);
    }

    [Fact]
    public void Register_and_move_to_the_sending_initiator_port_is_invalid_field_in_parameter_list()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        a.MustRegister(KeyA);
        a.MustReserve(KeyA, PrType.WriteExclusive);

        var parameters = Cdb.RegisterAndMoveParameters(KeyA, KeyB, 2, a.Nexus.InitiatorTransportId.ToArray());

        Expect.InvalidFieldInParameterList(a.Out(RegisterAndMoveServiceAction, 0, parameters), descriptorSense: false, byteOffset: 24);
    }

    // ---- REPORT CAPABILITIES and READ FULL STATUS (SPC-5 6.15.4, 6.15.5) ----

    [Fact]
    public void Report_capabilities_describes_what_the_unit_implements()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);

        var result = a.In(ReportCapabilitiesServiceAction);

        Expect.Good(result);

        // LENGTH 8; ATP_C (CRH, SIP_C, PTPL_C zero); TMV, ALLOW COMMANDS 011b; all six types in the mask.
        Assert.Equal(new byte[] { 0x00, 0x08, 0x04, 0xB0, 0xEA, 0x01, 0x00, 0x00 }, result.Data);
    }

    [Fact]
    public void Report_capabilities_reports_persist_through_power_loss_with_a_state_file_and_its_activation()
    {
        using var state = new StateFile();
        using var t = TestUnit.Memory(options: state.Options());
        var a = new ReservationClient(t, t.Nexus);
        Assert.Equal(0x05, a.In(ReportCapabilitiesServiceAction).Data[2]);

        a.MustRegister(KeyA);
        Expect.Good(a.Register(KeyA, KeyA, aptpl: true));

        Assert.Equal(0xB1, a.In(ReportCapabilitiesServiceAction).Data[3]);
    }

    [Fact]
    public void Read_full_status_describes_each_registration_with_its_transport_id()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        var b = ReservationClient.New(t, relativeTargetPortId: 3);
        a.MustRegister(KeyA);
        b.MustRegister(KeyB);
        b.MustReserve(KeyB, PrType.WriteExclusiveRegistrantsOnly);

        var result = a.In(ReadFullStatusServiceAction);

        Expect.Good(result);
        var d = result.Data;
        var idA = a.Nexus.InitiatorTransportId.ToArray();
        var idB = b.Nexus.InitiatorTransportId.ToArray();
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32BigEndian(d));
        Assert.Equal((uint)(48 + idA.Length + idB.Length), BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(4)));
        var first = d.AsSpan(8);
        Assert.Equal(KeyA, BinaryPrimitives.ReadUInt64BigEndian(first));
        Assert.Equal(0, first[12]);                                            // not a holder, one target port
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(first[18..]));
        Assert.Equal(idA.Length, (int)BinaryPrimitives.ReadUInt32BigEndian(first[20..]));
        Assert.Equal(idA, first.Slice(24, idA.Length).ToArray());
        var second = first[(24 + idA.Length)..];
        Assert.Equal(KeyB, BinaryPrimitives.ReadUInt64BigEndian(second));
        Assert.Equal(0x01, second[12]);                                        // R_HOLDER
        Assert.Equal((byte)PrType.WriteExclusiveRegistrantsOnly, second[13]);    // LU_SCOPE, TYPE
        Assert.Equal(3, BinaryPrimitives.ReadUInt16BigEndian(second[18..]));
        Assert.Equal(idB, second.Slice(24, idB.Length).ToArray());
    }

    [Fact]
    public void Read_full_status_reports_a_registration_through_all_target_ports_as_one_all_tg_pt_descriptor()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        Expect.Good(a.Register(0, KeyA, allTargetPorts: true));

        var d = a.In(ReadFullStatusServiceAction).Data;

        Assert.Equal(24 + a.Nexus.InitiatorTransportId.Length, (int)BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(4)));
        Assert.Equal(0x02, d[8 + 12]);                                         // ALL_TG_PT, not a holder
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(8 + 18)));
    }

    [Fact]
    public void The_iscsi_transport_id_is_format_01b_with_the_isid_in_twelve_hex_digits()
    {
        var nexus = new ItNexus("iqn.2026-11.test:host,i,0x23d000000001", "iqn.2026-11.test:target,t,0x1");

        var id = nexus.InitiatorTransportId.ToArray();

        Assert.Equal(0x45, id[0]);                                             // FORMAT CODE 01b, iSCSI
        Assert.Equal(id.Length - 4, BinaryPrimitives.ReadUInt16BigEndian(id.AsSpan(2)));
        Assert.Equal(0, id.Length % 4);
        Assert.Equal("iqn.2026-11.test:host,i,0x23d000000001", System.Text.Encoding.UTF8.GetString(id, 4, 38));
        Assert.All(id[42..], b => Assert.Equal(0, b));
    }

    // ---- persistence across I_T nexus loss, reset and power loss (SPC-5 5.13.5) ----

    [Fact]
    public void Registrations_and_the_reservation_survive_the_loss_of_the_nexus()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        a.MustRegister(KeyA);
        a.MustReserve(KeyA, PrType.ExclusiveAccess);

        t.Unit.RemoveNexus(a.Nexus);

        var again = new ReservationClient(t, new ItNexus(a.Nexus.InitiatorPortName, a.Nexus.TargetPortName, a.Nexus.RelativeTargetPortId));
        Assert.Equal((KeyA, PrType.ExclusiveAccess), again.ReadReservation());
        Expect.Good(again.Write());
        Assert.Equal(ScsiStatus.ReservationConflict, ReservationClient.New(t).Write().Status);
    }

    [Fact]
    public void Registrations_and_the_reservation_survive_a_logical_unit_reset()
    {
        using var t = TestUnit.Memory();
        var a = new ReservationClient(t, t.Nexus);
        a.MustRegister(KeyA);
        a.MustReserve(KeyA, PrType.WriteExclusive);

        t.Unit.Reset();

        Expect.PlainCheckCondition(a.TestUnitReady(), SenseCode.BusDeviceResetFunctionOccurred, descriptorSense: false);
        Assert.Equal((KeyA, PrType.WriteExclusive), a.ReadReservation());
    }

    [Fact]
    public void With_aptpl_a_new_unit_on_the_same_state_file_has_the_registrations_and_the_reservation()
    {
        using var state = new StateFile();
        var initiator = TestUnit.NewNexus();
        var other = TestUnit.NewNexus(relativeTargetPortId: 2);
        using (var before = TestUnit.Memory(options: state.Options()))
        {
            var a = new ReservationClient(before, initiator);
            var b = new ReservationClient(before, other);
            Expect.Good(a.RegisterAndIgnoreExistingKey(KeyA, aptpl: true));
            Expect.Good(b.RegisterAndIgnoreExistingKey(KeyB, aptpl: true));
            a.MustReserve(KeyA, PrType.ExclusiveAccessRegistrantsOnly);
        }

        using var after = TestUnit.Memory(options: state.Options());
        var reconnected = new ReservationClient(after, new ItNexus(initiator.InitiatorPortName, initiator.TargetPortName));

        Assert.Equal((KeyA, PrType.ExclusiveAccessRegistrantsOnly), reconnected.ReadReservation());
        Assert.Equal([KeyA, KeyB], reconnected.ReadKeys().Keys);
        Expect.Good(reconnected.Write());
        Assert.Equal(ScsiStatus.ReservationConflict, ReservationClient.New(after).Read().Status);
    }

    [Fact]
    public void After_a_reload_the_generation_starts_again_at_zero()
    {
        using var state = new StateFile();
        using (var before = TestUnit.Memory(options: state.Options()))
        {
            var a = new ReservationClient(before, before.Nexus);
            Expect.Good(a.RegisterAndIgnoreExistingKey(KeyA, aptpl: true));
            Expect.Good(a.RegisterAndIgnoreExistingKey(KeyB, aptpl: true));
        }

        using var after = TestUnit.Memory(options: state.Options());

        var (generation, keys) = new ReservationClient(after, after.Nexus).ReadKeys();
        Assert.Equal(0u, generation);
        Assert.Equal([KeyB], keys);
    }

    [Fact]
    public void Without_aptpl_a_new_unit_starts_with_no_reservations_and_no_state_file()
    {
        using var state = new StateFile();
        using (var before = TestUnit.Memory(options: state.Options()))
        {
            var a = new ReservationClient(before, before.Nexus);
            Expect.Good(a.RegisterAndIgnoreExistingKey(KeyA, aptpl: true));
            Expect.Good(a.RegisterAndIgnoreExistingKey(KeyB, aptpl: false));
        }

        Assert.False(File.Exists(state.Path));
        using var after = TestUnit.Memory(options: state.Options());
        Assert.Empty(new ReservationClient(after, after.Nexus).ReadKeys().Keys);
    }

    [Fact]
    public void The_state_file_is_written_whole_with_no_temporary_file_left_behind()
    {
        using var state = new StateFile();
        using var t = TestUnit.Memory(options: state.Options());
        var a = new ReservationClient(t, t.Nexus);

        Expect.Good(a.RegisterAndIgnoreExistingKey(KeyA, aptpl: true));
        a.MustReserve(KeyA, PrType.WriteExclusive);

        Assert.True(File.Exists(state.Path));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(state.Path)!, "*.tmp"));
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(state.Path));
        Assert.Equal(1, document.RootElement.GetProperty("reservation").GetProperty("type").GetInt32());
    }

    [Fact]
    public void A_state_file_that_cannot_be_written_fails_the_command_and_changes_nothing()
    {
        using var state = new StateFile();
        File.WriteAllText(state.Path, "");
        var unwritable = Path.Combine(state.Path, "lun0.pr.json");   // its "directory" is a file
        using var t = TestUnit.Memory(options: new LogicalUnitOptions { PowerOnUnitAttention = false, ReservationStatePath = unwritable });
        var a = new ReservationClient(t, t.Nexus);

        var result = a.RegisterAndIgnoreExistingKey(KeyA, aptpl: true);

        Expect.PlainCheckCondition(result, SenseCode.InternalTargetFailure, descriptorSense: false);
        var (generation, keys) = a.ReadKeys();
        Assert.Equal(0u, generation);
        Assert.Empty(keys);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{ not json")]
    [InlineData("""{ "format": "something else", "version": 1, "registrations": [], "reservation": null }""")]
    [InlineData("""{ "format": "userdisk.persistent-reservations", "version": 1, "registrations": [ { "transportId": "AAAA", "relativeTargetPortId": 1, "allTargetPorts": false, "key": "0000000000000001" } ], "reservation": null }""")]
    [InlineData("""{ "format": "userdisk.persistent-reservations", "version": 1, "registrations": [], "reservation": { "type": 1, "holder": 0 } }""")]
    public void A_corrupt_state_file_stops_the_unit_with_an_error_naming_the_file(string content)
    {
        using var state = new StateFile();
        File.WriteAllText(state.Path, content);
        using var backstore = new MemoryBackstore("corrupt", 1 << 20, 512);

        var error = Assert.Throws<InvalidDataException>(() => new LogicalUnit(backstore, state.Options()));

        Assert.Contains(state.Path, error.Message, StringComparison.Ordinal);
    }

    // ---- what the unit offers (REPORT SUPPORTED OPERATION CODES) and the data path ----

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Report_supported_operation_codes_lists_persistent_reserve_only_when_the_engine_owns_reservations(bool byEngine)
    {
        using var t = TestUnit.Memory(options: new LogicalUnitOptions { PowerOnUnitAttention = false, ReservationsByEngine = byEngine });

        var result = t.In(Cdb.ReportSupportedOperationCodes(), 8192);

        Expect.Good(result);
        var listed = new List<(byte, ushort)>();
        for (var p = 4; p < result.Data.Length; p += 8)
        {
            listed.Add((result.Data[p], BinaryPrimitives.ReadUInt16BigEndian(result.Data.AsSpan(p + 2))));
        }

        Assert.Equal(byEngine, listed.Contains((PersistentReserveIn, ReadFullStatusServiceAction)));
        Assert.Equal(byEngine, listed.Contains((PersistentReserveOut, RegisterAndMoveServiceAction)));
        Assert.Equal(byEngine ? 4 : 0, listed.Count(c => c.Item1 == PersistentReserveIn));
        Assert.Equal(byEngine ? 8 : 0, listed.Count(c => c.Item1 == PersistentReserveOut));
        Assert.Contains((Reserve6, (ushort)0), listed);
    }

    [Fact]
    public void Persistent_reserve_is_an_invalid_operation_code_when_the_engine_does_not_own_reservations()
    {
        using var t = TestUnit.Memory(options: new LogicalUnitOptions { PowerOnUnitAttention = false, ReservationsByEngine = false });

        var registered = t.Out(Cdb.PersistentReserveOut(RegisterServiceAction), Cdb.PersistentReserveOutParameters(0, KeyA));
        var read = t.In(Cdb.PersistentReserveIn(ReadKeysServiceAction));

        Expect.CheckCondition(registered, SenseCode.InvalidCommandOperationCode, descriptorSense: false);
        Expect.CheckCondition(read, SenseCode.InvalidCommandOperationCode, descriptorSense: false);
    }

    [Theory]
    [InlineData(PersistentReserveIn, 0x04)]
    [InlineData(PersistentReserveOut, 0x08)]
    public void Service_actions_the_unit_does_not_offer_are_invalid_field_in_cdb(byte opcode, byte serviceAction)
    {
        using var t = TestUnit.Memory();
        var cdb = opcode == PersistentReserveIn ? Cdb.PersistentReserveIn(serviceAction) : Cdb.PersistentReserveOut(serviceAction);

        var result = opcode == PersistentReserveIn ? t.In(cdb) : t.Out(cdb, new byte[24]);

        Expect.InvalidFieldInCdb(result, descriptorSense: false, byteOffset: 1, bit: 4);
    }

    [Fact]
    public void Reads_and_writes_allocate_nothing_while_a_reservation_is_checked()
    {
        const int Commands = 10_000;
        using var backstore = new MemoryBackstore("alloc", 1 << 20, 512);
        var unit = new LogicalUnit(backstore, new LogicalUnitOptions { PowerOnUnitAttention = false });
        var holder = TestUnit.NewNexus();
        var other = TestUnit.NewNexus();
        Run(unit, holder, Cdb.PersistentReserveOut(RegisterAndIgnoreExistingKeyServiceAction), Cdb.PersistentReserveOutParameters(0, KeyA));
        Run(unit, holder, Cdb.PersistentReserveOut(ReserveServiceAction, (byte)PrType.WriteExclusive), Cdb.PersistentReserveOutParameters(KeyA));
        var buffer = GC.AllocateArray<byte>(4096, pinned: true);
        var write = new ScsiCommand { Nexus = holder, Data = buffer, ExpectedTransferLength = 4096, Direction = DataDirection.Write };
        var read = new ScsiCommand { Nexus = other, Data = buffer, ExpectedTransferLength = 4096, Direction = DataDirection.Read };
        var conflicted = new ScsiCommand { Nexus = other, Data = buffer, ExpectedTransferLength = 4096, Direction = DataDirection.Write };
        write.SetCdb(Cdb.Write10(0, 8));
        read.SetCdb(Cdb.Read10(0, 8));
        conflicted.SetCdb(Cdb.Write10(0, 8));
        for (var i = 0; i < Commands; i++)
        {
            Execute(unit, write);
            Execute(unit, read);
            Execute(unit, conflicted);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Commands; i++)
        {
            Execute(unit, write);
            Execute(unit, read);
            Execute(unit, conflicted);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(ScsiStatus.Good, write.Status);
        Assert.Equal(ScsiStatus.Good, read.Status);
        Assert.Equal(ScsiStatus.ReservationConflict, conflicted.Status);
    }

    private static void Execute(LogicalUnit unit, ScsiCommand command)
    {
        var pending = unit.ExecuteAsync(command);
        if (!pending.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("The memory backstore path completed asynchronously.");
        }

        pending.GetAwaiter().GetResult();
    }

    private static void Run(LogicalUnit unit, ItNexus nexus, byte[] cdb, byte[] data)
    {
        var command = new ScsiCommand { Nexus = nexus, Data = data, ExpectedTransferLength = data.Length, Direction = DataDirection.Write };
        command.SetCdb(cdb);
        unit.ExecuteAsync(command).AsTask().GetAwaiter().GetResult();
        Assert.Equal(ScsiStatus.Good, command.Status);
    }

    /// <summary>A state file path in a fresh temporary directory, removed with the directory.</summary>
    private sealed class StateFile : IDisposable
    {
        private readonly string _directory = Directory.CreateTempSubdirectory("userdisk-pr-").FullName;

        public string Path => System.IO.Path.Combine(_directory, "lun0.pr.json");

        public LogicalUnitOptions Options() => new() { PowerOnUnitAttention = false, ReservationStatePath = Path };

        public void Dispose() => Directory.Delete(_directory, recursive: true);
    }
}
