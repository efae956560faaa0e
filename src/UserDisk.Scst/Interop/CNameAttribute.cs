namespace UserDisk.Scst.Interop;

/// <summary>
/// The C name of an interop struct, field, ioctl request or constant, as native-shim/include/userdisk_scst_abi.h and
/// ABI-SCST-USER.md spell it. <see cref="ScstAbiLayout"/> prints the layout table under these names so that it can be
/// compared line by line with the table gcc computes from the C header.
/// </summary>
[AttributeUsage(AttributeTargets.Struct | AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
internal sealed class CNameAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
