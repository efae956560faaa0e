using System.Reflection;
using System.Runtime.CompilerServices;
using UserDisk.Scst.Interop;

namespace UserDisk.Scst.Tests;

public sealed class ScstAbiLayoutTests
{
    [Fact]
    public void Struct_sizes_and_field_offsets_match_the_sheet()
    {
        AssertSameLines(Sorted(SheetNumbers.Layout), CSharpLines("sizeof ", "field "), "sheet", "C#");
    }

    [Fact]
    public void Ioctl_codes_and_subcodes_match_the_sheet()
    {
        AssertSameLines(Sorted(SheetNumbers.IoctlCodes), CSharpLines("ioctl "), "sheet", "C#");
    }

    [Fact]
    public void Constants_match_the_sheet()
    {
        AssertSameLines(Sorted(SheetNumbers.Constants), CSharpLines("const "), "sheet", "C#");
    }

    [Fact]
    public void CSharp_table_equals_the_table_gcc_computes_from_the_shim_header()
    {
        AssertSameLines(NativeShim.TableFromLibrary(), ScstAbiLayout.TableLines(), "C", "C#");
    }

    [Fact]
    public void Abi_dump_program_prints_the_shared_library_table()
    {
        Assert.Equal(NativeShim.TableFromLibrary(), NativeShim.TableFromDumpProgram());
    }

    [Fact]
    public void Differences_names_the_line_that_disagrees()
    {
        var shim = ScstAbiLayout.TableLines();
        int index = shim.IndexOf("field scst_user_get_cmd.preply 8 8");
        shim[index] = "field scst_user_get_cmd.preply 16 8";

        Assert.Equal(
            ["only in C:  field scst_user_get_cmd.preply 16 8", "only in C#: field scst_user_get_cmd.preply 8 8"],
            ScstAbiLayout.Differences(shim));
    }

    [Fact]
    public void Table_is_sorted_in_byte_order_without_duplicates()
    {
        var lines = ScstAbiLayout.TableLines();
        Assert.Equal(lines.Order(StringComparer.Ordinal), lines);
        Assert.Equal(lines.Count, lines.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Every_interop_struct_and_constant_group_is_in_the_table()
    {
        Type[] types = typeof(ScstAbiLayout).Assembly.GetTypes();
        var structs = types.Where(t => t.GetCustomAttribute<CNameAttribute>() is not null);
        var constantHolders = types.Where(t => !t.IsValueType || t.IsEnum)
            .Where(t => t.GetFields(BindingFlags.Public | BindingFlags.Static).Any(f => f.IsLiteral && f.GetCustomAttribute<CNameAttribute>() is not null));
        var ioctlHolders = types.Where(t => t.GetFields(BindingFlags.Public | BindingFlags.Static).Any(f => f.IsInitOnly && f.GetCustomAttribute<CNameAttribute>() is not null));

        Assert.Equal(structs.Order(TypeByName), ScstAbiLayout.Structs.Order(TypeByName));
        Assert.Equal(constantHolders.Order(TypeByName), ScstAbiLayout.ConstantHolders.Order(TypeByName));
        Assert.Equal(ioctlHolders.Order(TypeByName), ScstAbiLayout.IoctlCodeHolders.Order(TypeByName));
    }

    [Fact]
    public void Every_field_of_every_struct_has_a_C_name()
    {
        foreach (Type type in ScstAbiLayout.Structs)
        {
            foreach (FieldInfo field in type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance))
            {
                Assert.True(field.GetCustomAttribute<CNameAttribute>() is not null, $"{type.Name}.{field.Name} has no [CName]");
            }
        }
    }

    [Fact]
    public void Struct_sizes_seen_by_generic_code_match_the_sheet()
    {
        // Unsafe.SizeOf is what IoctlCode and buffer strides use; §6 and §4 give these sizes.
        Assert.Equal(20, Unsafe.SizeOf<ScstUserOptions>());
        Assert.Equal(160, Unsafe.SizeOf<ScstUserDeviceDescriptor>());
        Assert.Equal(544, Unsafe.SizeOf<ScstUserGetCommand>());
        Assert.Equal(56, Unsafe.SizeOf<ScstUserReplyCommand>());
        Assert.Equal(16, Unsafe.SizeOf<ScstUserGetMulti>());
        Assert.Equal(16, Unsafe.SizeOf<ScstUserPreallocBuffer>());
        Assert.Equal(16, Unsafe.SizeOf<ScstUserGetExtendedCdb>());
        Assert.Equal(64, Unsafe.SizeOf<ScstEvent>());
        Assert.Equal(68, Unsafe.SizeOf<ScstEventUser>());
        Assert.Equal(8, Unsafe.SizeOf<ScstEventNotifyDone>());
        Assert.Equal(194, Unsafe.SizeOf<ScstEventStpgDescriptor>());
    }

    private static readonly IComparer<Type> TypeByName = Comparer<Type>.Create((a, b) => string.CompareOrdinal(a.FullName, b.FullName));

    private static List<string> CSharpLines(params string[] prefixes) =>
        ScstAbiLayout.TableLines().Where(line => prefixes.Any(p => line.StartsWith(p, StringComparison.Ordinal))).ToList();

    private static List<string> Sorted(IEnumerable<string> lines) => lines.Order(StringComparer.Ordinal).ToList();

    private static void AssertSameLines(IReadOnlyList<string> expected, IReadOnlyList<string> actual, string expectedName, string actualName)
    {
        var missing = expected.Except(actual, StringComparer.Ordinal).Select(l => $"only in {expectedName}: {l}");
        var extra = actual.Except(expected, StringComparer.Ordinal).Select(l => $"only in {actualName}: {l}");
        string differences = string.Join('\n', missing.Concat(extra));
        Assert.True(differences.Length == 0, differences);
        Assert.Equal(expected, actual);
    }
}
