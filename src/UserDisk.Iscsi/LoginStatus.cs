namespace UserDisk.Iscsi;

/// <summary>Login response Status-Class and Status-Detail (RFC 7143 11.13.5).</summary>
internal readonly record struct LoginStatus(byte Class, byte Detail)
{
    public static readonly LoginStatus Success = new(0x00, 0x00);
    public static readonly LoginStatus InitiatorError = new(0x02, 0x00);
    public static readonly LoginStatus AuthenticationFailure = new(0x02, 0x01);
    public static readonly LoginStatus AuthorizationFailure = new(0x02, 0x02);
    public static readonly LoginStatus NotFound = new(0x02, 0x03);
    public static readonly LoginStatus MissingParameter = new(0x02, 0x07);
    public static readonly LoginStatus SessionDoesNotExist = new(0x02, 0x0A);
    public static readonly LoginStatus InvalidDuringLogin = new(0x02, 0x0B);
    public static readonly LoginStatus UnsupportedVersion = new(0x02, 0x05);
    public static readonly LoginStatus TargetError = new(0x03, 0x00);
    public static readonly LoginStatus OutOfResources = new(0x03, 0x02);

    public bool IsSuccess => Class == 0;
}
