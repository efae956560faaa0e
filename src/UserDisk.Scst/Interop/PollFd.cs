using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct pollfd</c> (poll(2)): the front end waits on its non-blocking scst_user fd with poll instead of blocking
/// inside the combined reply-and-get ioctls, which the kernel may restart and so replay a reply (ABI-SCST-USER.md §8.4).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PollFd
{
    public int Fd;
    public short Events;
    public short ReturnedEvents;
}
