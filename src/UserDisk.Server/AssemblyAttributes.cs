using System.Runtime.Versioning;

// userdisk serves Linux hosts: the scst_user front end (and SCST itself) exist only there.
[assembly: SupportedOSPlatform("linux")]
