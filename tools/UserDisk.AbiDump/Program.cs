using System.Runtime.Versioning;
using UserDisk.Scst.Interop;

[assembly: SupportedOSPlatform("linux")]

// Same lines, same order as native-shim/build/abi-dump, so `diff <(make -s abi-dump-c) <(make -s abi-dump)` is empty.
foreach (string line in ScstAbiLayout.TableLines())
{
    Console.Out.Write(line);
    Console.Out.Write('\n');
}
