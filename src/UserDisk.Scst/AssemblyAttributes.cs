using System.Runtime.Versioning;

// /dev/scst_user and /dev/scst_event exist only on Linux; the interop assumes x86_64/arm64 LP64 (ABI-SCST-USER.md §0).
[assembly: SupportedOSPlatform("linux")]
