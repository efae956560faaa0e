using UserDisk.Scst.Interop;

namespace UserDisk.Scst;

/// <summary>
/// /dev/scst_event could not be opened or subscribed to, or its reader had to stop; the message names the device
/// node, the errno and what to do about it.
/// </summary>
public sealed class ScstEventException : Exception
{
    internal ScstEventException(string devicePath, Errno error, string reason, Exception? innerException = null)
        : base($"{devicePath}: {reason}", innerException)
    {
        DevicePath = devicePath;
        ErrorNumber = (int)error;
    }

    public ScstEventException()
    {
        DevicePath = "";
    }

    public ScstEventException(string message)
        : base(message)
    {
        DevicePath = "";
    }

    public ScstEventException(string message, Exception innerException)
        : base(message, innerException)
    {
        DevicePath = "";
    }

    /// <summary>The event device node, normally /dev/scst_event.</summary>
    public string DevicePath { get; }

    /// <summary>The errno behind the failure (0 when it was not a failed call, e.g. a poll error flag).</summary>
    public int ErrorNumber { get; }
}
