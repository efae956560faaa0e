using System.Buffers.Binary;

namespace UserDisk.Scsi.Tests;

/// <summary>Assertions on command outcomes, exact to the byte of the sense data.</summary>
internal static class Expect
{
    public static void Good(TestUnit.Result result)
    {
        Assert.True(result.Good, $"expected GOOD, got {result}");
        Assert.Empty(result.Sense);
    }

    /// <summary>CHECK CONDITION with <paramref name="code"/> in the format the unit's D_SENSE asks for.</summary>
    public static SenseView CheckCondition(TestUnit.Result result, SenseCode code, bool descriptorSense)
    {
        Assert.Equal(ScsiStatus.CheckCondition, result.Status);
        var sense = SenseView.Parse(result.Sense);
        Assert.Equal(descriptorSense, sense.Descriptor);
        Assert.Equal(code, sense.Code);
        return sense;
    }

    /// <summary>CHECK CONDITION without a sense-key specific field or INFORMATION.</summary>
    public static void PlainCheckCondition(TestUnit.Result result, SenseCode code, bool descriptorSense)
    {
        var sense = CheckCondition(result, code, descriptorSense);
        Assert.Null(sense.Information);
        Assert.Null(sense.SenseKeySpecific);
    }

    /// <summary>ILLEGAL REQUEST, INVALID FIELD IN CDB, with the SPC-5 field pointer at <paramref name="byteOffset"/>.</summary>
    public static void InvalidFieldInCdb(TestUnit.Result result, bool descriptorSense, int byteOffset, int bit = -1) =>
        FieldPointer(CheckCondition(result, SenseCode.InvalidFieldInCdb, descriptorSense), inCdb: true, byteOffset, bit);

    /// <summary>ILLEGAL REQUEST, INVALID FIELD IN PARAMETER LIST, with the field pointer at <paramref name="byteOffset"/>.</summary>
    public static void InvalidFieldInParameterList(TestUnit.Result result, bool descriptorSense, int byteOffset, int bit = -1) =>
        FieldPointer(CheckCondition(result, SenseCode.InvalidFieldInParameterList, descriptorSense), inCdb: false, byteOffset, bit);

    /// <summary>MISCOMPARE, MISCOMPARE DURING VERIFY OPERATION, INFORMATION = offset of the first differing byte.</summary>
    public static void Miscompare(TestUnit.Result result, bool descriptorSense, ulong offset)
    {
        var sense = CheckCondition(result, SenseCode.MiscompareDuringVerify, descriptorSense);
        Assert.Equal(offset, sense.Information);
        Assert.Null(sense.SenseKeySpecific);
    }

    /// <summary>SPC-5 4.4.2.4.2: SKSV=1, C/D, BPV and BIT POINTER, FIELD POINTER.</summary>
    public static void FieldPointer(SenseView sense, bool inCdb, int byteOffset, int bit = -1)
    {
        Assert.NotNull(sense.SenseKeySpecific);
        var sks = sense.SenseKeySpecific;
        var expected = (byte)(0x80 | (inCdb ? 0x40 : 0) | (bit >= 0 ? 0x08 | bit : 0));
        Assert.True(expected == sks[0], $"SKS byte 0: expected {expected:X2}h, got {sks[0]:X2}h");
        Assert.Equal(byteOffset, BinaryPrimitives.ReadUInt16BigEndian(sks.AsSpan(1)));
    }

    public static void Residual(TestUnit.Result result, ResidualKind kind, int count)
    {
        Assert.Equal(kind, result.ResidualKind);
        Assert.Equal(count, result.ResidualCount);
    }
}
