using System.Runtime.Versioning;

// The attach agent drives SCST's sysfs and /dev/scst_event: Linux only.
[assembly: SupportedOSPlatform("linux")]
