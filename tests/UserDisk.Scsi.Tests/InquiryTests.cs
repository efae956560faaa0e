using System.Buffers.Binary;
using System.Text;
using UserDisk.Storage;

namespace UserDisk.Scsi.Tests;

/// <summary>INQUIRY (SPC-5 6.7): standard data and the vital product data pages (SPC-5 7.7, SBC-4 6.6).</summary>
public sealed class InquiryTests
{
    [Fact]
    public void Standard_data_describes_a_direct_access_device_byte_for_byte()
    {
        using var t = TestUnit.Memory();

        var data = t.In(Cdb.Inquiry()).Data;

        byte[] expected =
        [
            0x00,                   // peripheral qualifier 0, device type 0 (direct access block device)
            0x00,                   // RMB=0: not removable
            0x06,                   // VERSION: SPC-4 (what conformance suites and initiators accept)
            0x12,                   // HISUP=1, RESPONSE DATA FORMAT=2
            74 - 5,                 // ADDITIONAL LENGTH
            0x00, 0x00,
            0x02,                   // CMDQUE
            .. "USERDISK"u8,
            .. "VIRTUAL DISK    "u8,
            .. "0001"u8,
            .. new byte[20],        // vendor specific
            0x00, 0x00,             // CLOCKING/QAS/IUS, reserved
            0x00, 0xA0,             // SAM-5
            0x04, 0x60,             // SPC-4
            0x04, 0xC0,             // SBC-3
            0x06, 0x00,             // SBC-4
            0x00, 0x00,             // no transport claimed
            .. new byte[6],
        ];
        Assert.Equal(expected, data);
    }

    [Fact]
    public void Vendor_product_and_revision_are_padded_with_spaces_truncated_and_made_ascii()
    {
        var options = new LogicalUnitOptions { PowerOnUnitAttention = false, Vendor = "AB", Product = "A PRODUCT NAME THAT IS TOO LONG", Revision = "r\u00e9" };
        using var t = TestUnit.Memory(options: options);

        var data = t.In(Cdb.Inquiry()).Data;

        Assert.Equal("AB      ", Encoding.ASCII.GetString(data, 8, 8));
        Assert.Equal("A PRODUCT NAME T", Encoding.ASCII.GetString(data, 16, 16));
        Assert.Equal("r?  ", Encoding.ASCII.GetString(data, 32, 4));
    }

    [Fact]
    public void Transport_version_descriptor_follows_the_command_set_standards()
    {
        using var t = TestUnit.Memory(options: new LogicalUnitOptions { PowerOnUnitAttention = false, TransportVersionDescriptor = 0x0960 });

        var data = t.In(Cdb.Inquiry()).Data;

        Assert.Equal(0x0960, BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(66)));
    }

    [Fact]
    public void Allocation_length_truncates_standard_data_without_an_error()
    {
        using var t = TestUnit.Memory();

        var result = t.In(Cdb.Inquiry(allocation: 36), expected: 36);

        Expect.Good(result);
        Assert.Equal(36, result.Data.Length);
        Assert.Equal(69, result.Data[4]);       // ADDITIONAL LENGTH still tells the whole size
        Expect.Residual(result, ResidualKind.None, 0);
    }

    [Fact]
    public void Shorter_data_than_the_transport_expects_is_an_underflow_of_the_difference()
    {
        using var t = TestUnit.Memory();

        var result = t.In(Cdb.Inquiry(allocation: 255), expected: 255);

        Expect.Good(result);
        Assert.Equal(74, result.Data.Length);
        Expect.Residual(result, ResidualKind.Underflow, 255 - 74);
    }

    [Fact]
    public void Supported_pages_lists_every_page_the_unit_answers()
    {
        using var t = TestUnit.Memory();

        var data = t.In(Cdb.Inquiry(evpd: true, page: 0x00)).Data;

        Assert.Equal([0x00, 0x00, 0x00, 7, 0x00, 0x80, 0x83, 0x86, 0xB0, 0xB1, 0xB2], data);
        foreach (var page in data[4..])
        {
            Expect.Good(t.In(Cdb.Inquiry(evpd: true, page: page)));
        }
    }

    [Fact]
    public void Unit_serial_number_page_holds_the_configured_serial()
    {
        using var t = TestUnit.Memory(options: new LogicalUnitOptions { PowerOnUnitAttention = false, SerialNumber = "SN-0042" });

        var data = t.In(Cdb.Inquiry(evpd: true, page: 0x80)).Data;

        Assert.Equal([0x00, 0x80, 0x00, 7, .. "SN-0042"u8], data);
    }

    [Fact]
    public void Unit_serial_number_defaults_to_sixteen_hex_digits_of_the_backstore_identity()
    {
        using var t = TestUnit.Memory();

        var data = t.In(Cdb.Inquiry(evpd: true, page: 0x80)).Data;

        var expected = t.Backstore.Identity.ToString()[..16];
        Assert.Equal(16, data[3]);
        Assert.Equal(expected, Encoding.ASCII.GetString(data, 4, 16));
    }

    [Fact]
    public void Device_identification_has_an_naa_locally_assigned_designator_of_the_backstore()
    {
        using var t = TestUnit.Memory();

        var designators = Designators(t.In(Cdb.Inquiry(evpd: true, page: 0x83)).Data);

        var naa = designators.Single(d => (d[1] & 0x0F) == 3);
        Assert.Equal(0x01, naa[0]);             // protocol identifier 0, CODE SET 1 (binary)
        Assert.Equal(0x03, naa[1]);             // PIV 0, ASSOCIATION 0 (logical unit), DESIGNATOR TYPE 3 (NAA)
        Assert.Equal(8, naa[3]);
        Assert.Equal(3, naa[4] >> 4);           // NAA 3h: locally assigned
        var expected = (t.Backstore.Identity.High & 0x0FFF_FFFF_FFFF_FFFF) | 0x3000_0000_0000_0000;
        Assert.Equal(expected, BinaryPrimitives.ReadUInt64BigEndian(naa.AsSpan(4)));
    }

    [Fact]
    public void Device_identification_has_a_t10_vendor_id_designator_of_vendor_and_serial()
    {
        using var t = TestUnit.Memory(options: new LogicalUnitOptions { PowerOnUnitAttention = false, SerialNumber = "SN-0042" });

        var designators = Designators(t.In(Cdb.Inquiry(evpd: true, page: 0x83)).Data);

        var t10 = designators.Single(d => (d[1] & 0x0F) == 1);
        Assert.Equal([0x02, 0x01, 0x00, 15, .. "USERDISK"u8, .. "SN-0042"u8], t10);
    }

    [Fact]
    public void Device_identification_has_the_relative_target_port_of_the_nexus_that_asked()
    {
        using var t = TestUnit.Memory();
        var nexus = TestUnit.NewNexus(relativeTargetPortId: 0x1234);

        var designators = Designators(t.In(Cdb.Inquiry(evpd: true, page: 0x83), nexus: nexus).Data);

        var port = designators.Single(d => (d[1] & 0x0F) == 4);
        Assert.Equal([0x01, 0x14, 0x00, 4, 0x00, 0x00, 0x12, 0x34], port); // ASSOCIATION 1 (target port)
    }

    [Fact]
    public void Device_identification_page_length_covers_exactly_its_designators()
    {
        using var t = TestUnit.Memory();

        var data = t.In(Cdb.Inquiry(evpd: true, page: 0x83)).Data;

        Assert.Equal([0x00, 0x83], data[..2]);
        Assert.Equal(data.Length - 4, BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(2)));
        Assert.Equal(3, Designators(data).Count);
    }

    [Fact]
    public void Extended_inquiry_page_claims_all_three_task_attributes_a_volatile_cache_and_luiclr()
    {
        using var t = TestUnit.Memory();

        var data = t.In(Cdb.Inquiry(evpd: true, page: 0x86)).Data;

        Assert.Equal(64, data.Length);
        Assert.Equal([0x00, 0x86, 0x00, 0x3C], data[..4]);
        Assert.Equal(0x00, data[4]);            // no protection information checks
        Assert.Equal(0x07, data[5]);            // HEADSUP, ORDSUP, SIMPSUP
        Assert.Equal(0x01, data[6]);            // V_SUP
        Assert.Equal(0x01, data[7]);            // LUICLR
    }

    [Fact]
    public void Block_limits_on_a_thin_unit_report_every_limit_from_the_options()
    {
        var options = new LogicalUnitOptions
        {
            PowerOnUnitAttention = false,
            MaxTransferBytes = 1024 * 1024,
            MaxCompareAndWriteBlocks = 32,
            MaxUnmapBlocks = 0x10000,
            MaxUnmapDescriptors = 64,
        };
        using var t = TestUnit.Memory(options: options);

        var data = t.In(Cdb.Inquiry(evpd: true, page: 0xB0)).Data;

        Assert.Equal(64, data.Length);
        Assert.Equal([0x00, 0xB0, 0x00, 0x3C], data[..4]);
        Assert.Equal(0x01, data[4]);                                                    // WSNZ
        Assert.Equal(32, data[5]);                                                      // MAXIMUM COMPARE AND WRITE LENGTH
        Assert.Equal(8, BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(6)));          // OPTIMAL TRANSFER LENGTH GRANULARITY: 4 KiB
        Assert.Equal(2048u, BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(8)));      // MAXIMUM TRANSFER LENGTH
        Assert.Equal(2048u, BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(12)));     // OPTIMAL TRANSFER LENGTH
        Assert.Equal(2048u, BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(16)));     // MAXIMUM PREFETCH LENGTH
        Assert.Equal(0x10000u, BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(20)));  // MAXIMUM UNMAP LBA COUNT
        Assert.Equal(64u, BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(24)));       // MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT
        Assert.Equal(8u, BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(28)));        // OPTIMAL UNMAP GRANULARITY
        Assert.Equal(0x8000_0000u, BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(32))); // UGAVALID, alignment 0
        Assert.Equal(0x10000ul, BinaryPrimitives.ReadUInt64BigEndian(data.AsSpan(36))); // MAXIMUM WRITE SAME LENGTH
    }

    [Fact]
    public void Block_limits_on_a_fully_provisioned_unit_report_no_unmap_limits()
    {
        using var t = TestUnit.Instrumented();
        t.Probe.SupportsUnmapOverride = false;

        var data = t.In(Cdb.Inquiry(evpd: true, page: 0xB0)).Data;

        Assert.Equal(new byte[16], data[20..36]);
        Assert.NotEqual(0ul, BinaryPrimitives.ReadUInt64BigEndian(data.AsSpan(36)));
    }

    [Fact]
    public void Block_limits_count_in_logical_blocks_of_the_unit()
    {
        using var t = TestUnit.Memory(blocks: 256, blockSize: 4096, options: new LogicalUnitOptions { PowerOnUnitAttention = false, MaxTransferBytes = 8 * 1024 * 1024 });

        var data = t.In(Cdb.Inquiry(evpd: true, page: 0xB0)).Data;

        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(6)));
        Assert.Equal(8u * 1024 * 1024 / 4096, BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(8)));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(28)));
    }

    [Fact]
    public void Block_device_characteristics_report_a_non_rotating_medium()
    {
        using var t = TestUnit.Memory();

        var data = t.In(Cdb.Inquiry(evpd: true, page: 0xB1)).Data;

        Assert.Equal(64, data.Length);
        Assert.Equal([0x00, 0xB1, 0x00, 0x3C, 0x00, 0x01], data[..6]);
    }

    [Fact]
    public void Block_device_characteristics_claim_vbuls_since_deallocated_blocks_verify_as_zeros()
    {
        // SBC-4 VERIFY: with BYTCHK 01b and VBULS=0, verifying an unmapped LBA must fail with MISCOMPARE VERIFY OF
        // UNMAPPED LBA; the engine compares them as the zeros they read, which VBULS=1 announces.
        using var t = TestUnit.Memory();

        var data = t.In(Cdb.Inquiry(evpd: true, page: 0xB1)).Data;

        Assert.Equal(0x01, data[8] & 0x01);
    }

    [Fact]
    public void Logical_block_provisioning_on_a_thin_unit_claims_unmap_write_same_unmap_and_lbprz()
    {
        using var t = TestUnit.Memory();

        var data = t.In(Cdb.Inquiry(evpd: true, page: 0xB2)).Data;

        Assert.Equal([0x00, 0xB2, 0x00, 0x04, 0x00, 0xE4, 0x02, 0x00], data); // LBPU LBPWS LBPWS10, LBPRZ 001b; thin
    }

    [Fact]
    public void Logical_block_provisioning_on_a_fully_provisioned_unit_claims_nothing()
    {
        using var t = TestUnit.Instrumented();
        t.Probe.SupportsUnmapOverride = false;

        var data = t.In(Cdb.Inquiry(evpd: true, page: 0xB2)).Data;

        Assert.Equal([0x00, 0xB2, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00], data);
    }

    [Theory]
    [SenseFormats((byte)0x01)]
    [SenseFormats((byte)0x89)]
    [SenseFormats((byte)0xB3)]
    [SenseFormats((byte)0xFF)]
    public void Unknown_vpd_page_is_an_invalid_field_at_the_page_code(byte page, bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);

        var result = t.In(Cdb.Inquiry(evpd: true, page: page));

        Expect.InvalidFieldInCdb(result, descriptorSense, byteOffset: 2);
        Assert.Empty(result.Data);
    }

    [Theory]
    [SenseFormats]
    public void Page_code_without_evpd_is_an_invalid_field_at_the_page_code(bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);

        Expect.InvalidFieldInCdb(t.In(Cdb.Inquiry(evpd: false, page: 0x80)), descriptorSense, byteOffset: 2);
    }

    [Theory]
    [SenseFormats]
    public void Obsolete_cmddt_bit_is_an_invalid_field_at_byte_1_bit_1(bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);
        var cdb = Cdb.Inquiry();
        cdb[1] |= 0x02;

        Expect.InvalidFieldInCdb(t.In(cdb), descriptorSense, byteOffset: 1, bit: 1);
    }

    [Fact]
    public void Vpd_page_is_truncated_to_the_allocation_length()
    {
        using var t = TestUnit.Memory();

        var result = t.In(Cdb.Inquiry(evpd: true, page: 0xB0, allocation: 8), expected: 8);

        Expect.Good(result);
        Assert.Equal([0x00, 0xB0, 0x00, 0x3C, 0x01, 255, 0x00, 0x08], result.Data);
    }

    private static List<byte[]> Designators(byte[] page)
    {
        var list = new List<byte[]>();
        for (var p = 4; p < page.Length; p += 4 + page[p + 3])
        {
            list.Add(page[p..(p + 4 + page[p + 3])]);
        }

        return list;
    }
}
