using System.Runtime.Versioning;

// The backstores are Linux-only (pread/pwrite, O_DIRECT, fallocate, SEEK_DATA), and so are their tests.
[assembly: SupportedOSPlatform("linux")]
