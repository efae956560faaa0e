using System.Runtime.Versioning;

// The scst_user front end and its interop are Linux-only, and so are their tests.
[assembly: SupportedOSPlatform("linux")]
