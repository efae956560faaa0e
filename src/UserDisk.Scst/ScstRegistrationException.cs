using UserDisk.Scst.Interop;

namespace UserDisk.Scst;

/// <summary>The kernel (or the emulator) refused to open or register a device; the message says why and what to do.</summary>
public sealed class ScstRegistrationException : Exception
{
    internal ScstRegistrationException(string device, Errno error, string reason)
        : base($"SCST device '{device}': {reason}")
    {
        Device = device;
        ErrorNumber = (int)error;
    }

    public ScstRegistrationException()
    {
        Device = "";
    }

    public ScstRegistrationException(string message)
        : base(message)
    {
        Device = "";
    }

    public ScstRegistrationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Device = "";
    }

    public string Device { get; }

    /// <summary>The errno the kernel returned.</summary>
    public int ErrorNumber { get; }
}
