using UserDisk.Scst.Interop;

namespace UserDisk.Platform.Tests;

/// <summary>One 4 KiB WRITE(10) or READ(10) through the emulator's initiator side, asserting GOOD status.</summary>
internal static class EmulatedIo
{
    public static unsafe byte[] Write(ScstEmulator emulator, ulong session, uint lba, byte fill)
    {
        byte[] data = new byte[4096];
        Array.Fill(data, fill);
        data[0] = (byte)lba;
        fixed (byte* outData = data)
        {
            ScstEmulatorCommand write = default;
            write.SetCdb([0x2A, 0, (byte)(lba >> 24), (byte)(lba >> 16), (byte)(lba >> 8), (byte)lba, 0, 0, 8, 0]);
            write.QueueType = 1;
            write.DataDirection = (byte)ScstDataDirection.Write;
            write.BufferLength = 4096;
            write.DataOut = outData;
            Assert.Equal(0, emulator.Execute(session, &write, 10_000));
            Assert.Equal(0, write.Status);
        }

        return data;
    }

    public static unsafe byte[] Read(ScstEmulator emulator, ulong session, uint lba)
    {
        byte[] back = new byte[4096];
        fixed (byte* inData = back)
        {
            ScstEmulatorCommand read = default;
            read.SetCdb([0x28, 0, (byte)(lba >> 24), (byte)(lba >> 16), (byte)(lba >> 8), (byte)lba, 0, 0, 8, 0]);
            read.QueueType = 1;
            read.DataDirection = (byte)ScstDataDirection.Read;
            read.BufferLength = 4096;
            read.DataIn = inData;
            Assert.Equal(0, emulator.Execute(session, &read, 10_000));
            Assert.Equal(0, read.Status);
            Assert.Equal(4096, read.ResponseDataLength);
        }

        return back;
    }
}
