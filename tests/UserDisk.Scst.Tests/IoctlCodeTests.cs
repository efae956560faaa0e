using UserDisk.Scst.Interop;

namespace UserDisk.Scst.Tests;

public sealed class IoctlCodeTests
{
    [Fact]
    public void Encodes_known_block_device_requests()
    {
        // include/uapi/linux/fs.h: BLKGETSIZE64 = _IOR(0x12, 114, size_t), BLKSSZGET = _IO(0x12, 104).
        Assert.Equal(0x80081272u, IoctlCode.Read<ulong>(0x12, 114));
        Assert.Equal(0x1268u, IoctlCode.None(0x12, 104));
    }

    [Fact]
    public void The_struct_size_is_part_of_the_code()
    {
        // §4: REGISTER_DEVICE is W / 1 / 160.
        Assert.Equal(160, IoctlCode.Size(ScstUserIoctl.RegisterDevice));
        Assert.Equal(0x40A07501u, ScstUserIoctl.RegisterDevice);
    }

    [Fact]
    public void Reply_and_get_multi_covers_only_the_header()
    {
        // §4: the size field holds the 16-byte header, not header + cmds_cnt * 544.
        Assert.Equal(16, IoctlCode.Size(ScstUserIoctl.ReplyAndGetMulti));
    }

    [Theory]
    [InlineData(0x82187320u, (byte)ScstUserCommandState.AttachSession, 536)]
    [InlineData(0x82187321u, (byte)ScstUserCommandState.DetachSession, 536)]
    [InlineData(0xC0507301u, (byte)ScstUserCommandState.Parsing, 80)]
    [InlineData(0xC0287302u, (byte)ScstUserCommandState.BufferAllocating, 40)]
    [InlineData(0xC0687303u, (byte)ScstUserCommandState.Executing, 104)]
    [InlineData(0x80107304u, (byte)ScstUserCommandState.OnFreeing, 16)]
    [InlineData(0x80087305u, (byte)ScstUserCommandState.OnCacheFreeing, 8)]
    [InlineData(0xC0307306u, (byte)ScstUserCommandState.ExtCopyRemapping, 48)]
    [InlineData(0xC0187308u, (byte)ScstUserCommandState.TaskManagementReceivedExecuting, 24)]
    [InlineData(0xC0187309u, (byte)ScstUserCommandState.TaskManagementDoneExecuting, 24)]
    public void A_subcode_decodes_to_its_state_and_payload_size(uint subcode, byte state, int payloadSize)
    {
        // §5: the low byte is the ucmd state; the kernel writes 8 header bytes + the payload.
        Assert.Equal(state, IoctlCode.Number(subcode));
        Assert.Equal(payloadSize, IoctlCode.Size(subcode));
    }

    [Fact]
    public void Rejects_sizes_that_do_not_fit_14_bits()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => IoctlCode.Encode(1, (byte)'u', 1, 1 << 14));
        Assert.Throws<ArgumentOutOfRangeException>(() => IoctlCode.Encode(4, (byte)'u', 1, 0));
    }
}
