using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using UserDisk.Server.Cli;
using UserDisk.Server.Hosting;
using UserDisk.Server.Inventory;

namespace UserDisk.Server.Tests;

/// <summary>
/// Inventory projection from a folder through the embedded iSCSI target: images built by mksquashfs come and go,
/// a replaced image gets a new LUN identity, a broken one is refused once, and a listing failure keeps the set.
/// </summary>
public sealed class InventoryTests : ServeTestBase
{
    private const string Target = "iqn.2026-11.io.userdisk:inventory";

    private readonly string _images;

    public InventoryTests()
    {
        _images = Path.Combine(Data.Path, "images");
        Directory.CreateDirectory(_images);
        Settings["USERDISK__TARGETS__0__NAME"] = Target;
        Settings["USERDISK__SHUTDOWNTIMEOUT"] = "5";
        Settings["USERDISK__INVENTORY__SOURCE"] = _images;
        Settings["USERDISK__INVENTORY__INTERVAL"] = "01:00:00";
        Settings["USERDISK__INVENTORY__FIRSTLUN"] = "10";
    }


    [Fact]
    public async Task Images_in_the_folder_become_read_only_luns_and_leave_with_their_image()
    {
        string first = BuildImage("ubuntu-24.04.squashfs", seed: 1);
        BuildImage("rocky.squashfs", seed: 2);
        File.WriteAllText(Path.Combine(_images, "notes.txt"), "not an image");
        await using WebApplication app = await StartAsync();
        var inventory = app.Services.GetRequiredService<InventoryService>();
        var catalog = app.Services.GetRequiredService<LunCatalog>();
        await WaitForPassAsync(inventory, 1);

        Assert.Equal(["rocky.squashfs", "ubuntu-24.04.squashfs"], inventory.Projected.Keys.Order());
        var ubuntu = catalog.Luns.Single(l => l.Options.Name == inventory.Projected["ubuntu-24.04.squashfs"]);
        Assert.True(ubuntu.Unit.IsReadOnly);
        Assert.Equal(new FileInfo(first).Length, ubuntu.SizeBytes);
        Assert.Contains(ubuntu.Options.Number, new ulong[] { 10, 11 });
        Assert.StartsWith("ubuntu-24_04-", ubuntu.Options.Name, StringComparison.Ordinal);

        File.Delete(first);
        Assert.True(await inventory.ReconcileAsync(TestContext.Current.CancellationToken));

        Assert.Equal(["rocky.squashfs"], inventory.Projected.Keys);
        Assert.DoesNotContain(catalog.Luns, l => ReferenceEquals(l, ubuntu));
        Assert.Contains(Logs.Lines, l => l.Contains("Inventory: ubuntu-24.04.squashfs (", StringComparison.Ordinal) && l.Contains(") removed", StringComparison.Ordinal));
        await app.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_replaced_image_comes_back_with_a_new_identity()
    {
        BuildImage("boot.squashfs", seed: 1);
        await using WebApplication app = await StartAsync();
        var inventory = app.Services.GetRequiredService<InventoryService>();
        var catalog = app.Services.GetRequiredService<LunCatalog>();
        await WaitForPassAsync(inventory, 1);
        var before = catalog.Luns.Single();
        string serialBefore = before.Unit.SerialNumber;

        BuildImage("boot.squashfs", seed: 2);
        File.SetLastWriteTimeUtc(Path.Combine(_images, "boot.squashfs"), DateTime.UtcNow.AddMinutes(1));
        Assert.True(await inventory.ReconcileAsync(TestContext.Current.CancellationToken));

        var after = catalog.Luns.Single();
        Assert.NotSame(before, after);
        Assert.NotEqual(serialBefore, after.Unit.SerialNumber);
        Assert.Equal(before.Options.Name, after.Options.Name);
        Assert.Contains(Logs.Lines, l => l.Contains("replaced", StringComparison.Ordinal));
        await app.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_broken_image_is_refused_once_naming_the_field_and_others_still_project()
    {
        BuildImage("good.squashfs", seed: 3);
        File.WriteAllBytes(Path.Combine(_images, "broken.squashfs"), new byte[8192]);
        await using WebApplication app = await StartAsync();
        var inventory = app.Services.GetRequiredService<InventoryService>();
        await WaitForPassAsync(inventory, 1);
        Assert.True(await inventory.ReconcileAsync(TestContext.Current.CancellationToken));

        Assert.Equal(["good.squashfs"], inventory.Projected.Keys);
        var refusals = Logs.Lines.Where(l => l.Contains("Inventory: broken.squashfs cannot be projected", StringComparison.Ordinal)).ToList();
        Assert.Single(refusals);
        Assert.Contains("magic", refusals[0], StringComparison.Ordinal);
        await app.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_listing_that_fails_keeps_what_is_projected()
    {
        BuildImage("kept.squashfs", seed: 4);
        await using WebApplication app = await StartAsync();
        var inventory = app.Services.GetRequiredService<InventoryService>();
        await WaitForPassAsync(inventory, 1);

        // The folder vanishes (an unmounted share, an outage): nothing is unregistered.
        Directory.Move(_images, _images + ".away");
        Assert.False(await inventory.ReconcileAsync(TestContext.Current.CancellationToken));

        Assert.Equal(["kept.squashfs"], inventory.Projected.Keys);
        Assert.Contains(Logs.Lines, l => l.Contains("keeping the 1 projected image(s)", StringComparison.Ordinal));
        Directory.Move(_images + ".away", _images);
        await app.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public void Device_names_are_deterministic_within_scst_limits_and_collision_safe()
    {
        string a = InventoryNaming.DeviceName("images/a.b.squashfs");
        string b = InventoryNaming.DeviceName("images/a_b.squashfs");
        string longName = InventoryNaming.DeviceName("x/" + new string('n', 120) + ".squashfs", "img-");

        Assert.Equal(a, InventoryNaming.DeviceName("images/a.b.squashfs"));
        Assert.NotEqual(a, b);
        Assert.StartsWith("a_b-", a, StringComparison.Ordinal);
        Assert.True(longName.Length <= 49);
        Assert.StartsWith("img-nnn", longName, StringComparison.Ordinal);
        Assert.All(new[] { a, b, longName }, n => Assert.DoesNotContain('.', n));
    }

    private string BuildImage(string name, int seed)
    {
        string source = Path.Combine(Data.Path, $"src-{name}-{seed}");
        Directory.CreateDirectory(source);
        File.WriteAllBytes(Path.Combine(source, "data.bin"), RandomBytes(200_000, seed));
        string image = Path.Combine(_images, name);
        var start = new ProcessStartInfo("mksquashfs") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { source, image + ".tmp", "-noappend", "-no-progress", "-quiet" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["SOURCE_DATE_EPOCH"] = "1700000000";
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            if (Environment.GetEnvironmentVariable("CI") == "true")
            {
                Assert.Fail("mksquashfs (squashfs-tools) is not installed; run scripts/install-deps.sh");
            }

            Assert.Skip("mksquashfs (squashfs-tools) is not installed");
            throw;
        }

        using (process)
        {
            process.WaitForExit();
            Assert.Equal(0, process.ExitCode);
        }

        File.Move(image + ".tmp", image, overwrite: true);
        return image;
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static async Task WaitForPassAsync(InventoryService inventory, int passes)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (inventory.Passes < passes)
        {
            Assert.True(DateTime.UtcNow < deadline, "the inventory did not reconcile");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }



}
