using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// The scst_user/scst_event layout table as the C# structs lay it out, in the exact line format of native-shim's
/// <c>userdisk_abi_table</c> (sorted in ordinal = C byte order):
/// <c>sizeof &lt;struct&gt; &lt;bytes&gt;</c>, <c>field &lt;struct&gt;.&lt;member&gt; &lt;offset&gt; &lt;size&gt;</c>,
/// <c>ioctl &lt;MACRO&gt; 0x&lt;hex8&gt;</c>, <c>const &lt;NAME&gt; &lt;decimal&gt;</c>.
/// Equality with the C table proves that every struct, ioctl code and constant matches what gcc computes from
/// the project's header (DESIGN.md, "The scst_user front end"); a later increment also checks it at start-up.
/// </summary>
internal static class ScstAbiLayout
{
    /// <summary>Every interop struct of §6 and §9.2/§9.3.</summary>
    public static readonly Type[] Structs =
    [
        typeof(ScstUserOptions),
        typeof(ScstUserDeviceDescriptor),
        typeof(ScstUserSession),
        typeof(ScstUserParseCommand),
        typeof(ScstUserAllocMemCommand),
        typeof(ScstUserExecCommand),
        typeof(ScstUserOnFreeCommand),
        typeof(ScstUserOnCachedMemFree),
        typeof(ScstUserTaskManagement),
        typeof(ScstUserExtCopyDataDescriptor),
        typeof(ScstUserExtCopyRemap),
        typeof(ScstUserGetCommand),
        typeof(ScstUserParseReply),
        typeof(ScstUserAllocMemReply),
        typeof(ScstUserDataDescriptor),
        typeof(ScstUserExecReply),
        typeof(ScstUserExtCopyRemapReply),
        typeof(ScstUserReplyCommand),
        typeof(ScstUserGetExtendedCdb),
        typeof(ScstUserPreallocBufferIn),
        typeof(ScstUserPreallocBufferOut),
        typeof(ScstUserPreallocBuffer),
        typeof(ScstUserGetMulti),
        typeof(ScstEvent),
        typeof(ScstEventUser),
        typeof(ScstEventNotifyDone),
        typeof(ScstEventLunNotFoundPayload),
        typeof(ScstEventNegativeLunsInquiryPayload),
        typeof(ScstEventExtBlockingDonePayload),
        typeof(ScstEventTmFnReceivedPayload),
        typeof(ScstEventStpgDescriptor),
        typeof(ScstEventStpgPayload),
        typeof(ScstEventRegVirtDevPayload),
    ];

    /// <summary>Classes whose <see cref="CNameAttribute"/> fields are ioctl requests or subcodes (§4, §5, §9.1).</summary>
    public static readonly Type[] IoctlCodeHolders = [typeof(ScstUserIoctl), typeof(ScstUserSubcode), typeof(ScstEventIoctl)];

    /// <summary>Enums and classes whose <see cref="CNameAttribute"/> members are constants (§5, §7, §9.3).</summary>
    public static readonly Type[] ConstantHolders =
    [
        typeof(ScstDataDirection),
        typeof(ScstQueueType),
        typeof(ScstTaskManagementFunction),
        typeof(ScstTaskManagementStatus),
        typeof(ScstUserParseType),
        typeof(ScstUserOnFreeCommandType),
        typeof(ScstUserMemoryReuseType),
        typeof(ScstUserPartialTransfersType),
        typeof(ScstExecReplyType),
        typeof(ScstTaskSetType),
        typeof(ScstQueueAlgorithm),
        typeof(ScstQueueErrorPolicy),
        typeof(ScstSenseFormat),
        typeof(ScstCommandDeliveryStatus),
        typeof(ScstCdbFlags),
        typeof(ScstUserCommandState),
        typeof(ScstEventCode),
        typeof(ScstLimits),
    ];

    /// <summary>The whole table, sorted in ordinal order (the C side sorts with strcmp).</summary>
    public static List<string> TableLines()
    {
        var lines = new List<string>();
        foreach (Type type in Structs)
        {
            AddStructLines(type, lines);
        }

        foreach (Type holder in IoctlCodeHolders)
        {
            foreach ((string name, FieldInfo field) in NamedStaticFields(holder))
            {
                uint code = (uint)field.GetValue(null)!;
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"ioctl {name} 0x{code:x8}"));
            }
        }

        foreach (Type holder in ConstantHolders)
        {
            foreach ((string name, FieldInfo field) in NamedStaticFields(holder))
            {
                long value = Convert.ToInt64(field.GetRawConstantValue(), CultureInfo.InvariantCulture);
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"const {name} {value}"));
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    /// <summary>
    /// The differences between this table and <paramref name="other"/> (e.g. the shim's), one message per line
    /// present on one side only; empty when they agree.
    /// </summary>
    public static List<string> Differences(IEnumerable<string> other)
    {
        var ours = new HashSet<string>(TableLines(), StringComparer.Ordinal);
        var theirs = new HashSet<string>(other, StringComparer.Ordinal);
        var differences = new List<string>();
        differences.AddRange(theirs.Where(line => !ours.Contains(line)).Order(StringComparer.Ordinal).Select(line => "only in C:  " + line));
        differences.AddRange(ours.Where(line => !theirs.Contains(line)).Order(StringComparer.Ordinal).Select(line => "only in C#: " + line));
        return differences;
    }

    private static void AddStructLines(Type type, List<string> lines)
    {
        string structName = CNameOf(type);
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"sizeof {structName} {Marshal.SizeOf(type)}"));
        foreach (FieldInfo field in type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance))
        {
            string member = CNameOf(field);
            int offset = (int)Marshal.OffsetOf(type, field.Name);
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"field {structName}.{member} {offset} {FieldSize(field)}"));
        }

        // Flexible array members (payload[], cmds[] ...) have an offset but no C# field: a const carries the offset.
        foreach ((string member, FieldInfo field) in NamedStaticFields(type))
        {
            int offset = (int)field.GetRawConstantValue()!;
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"field {structName}.{member} {offset} 0"));
        }
    }

    private static int FieldSize(FieldInfo field)
    {
        FixedBufferAttribute? fixedBuffer = field.GetCustomAttribute<FixedBufferAttribute>();
        return fixedBuffer is not null
            ? fixedBuffer.Length * Marshal.SizeOf(fixedBuffer.ElementType)
            : Marshal.SizeOf(field.FieldType);
    }

    private static IEnumerable<(string Name, FieldInfo Field)> NamedStaticFields(Type holder)
    {
        foreach (FieldInfo field in holder.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static))
        {
            CNameAttribute? name = field.GetCustomAttribute<CNameAttribute>();
            if (name is not null)
            {
                yield return (name.Name, field);
            }
        }
    }

    private static string CNameOf(MemberInfo member) =>
        member.GetCustomAttribute<CNameAttribute>()?.Name
        ?? throw new InvalidOperationException($"{member.DeclaringType?.Name}.{member.Name} has no [CName]");
}
