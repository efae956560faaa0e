using UserDisk.Server.Configuration;

namespace UserDisk.Server.Tests;

public sealed class ChapConfigurationTests
{
    private const string Secret = "0123456789abcdef";
    private const string MutualSecret = "fedcba9876543210";

    [Fact]
    public void Inline_secrets_are_read()
    {
        OptionsReadResult result = TestConfiguration.Read(
            ("UserDisk:Targets:0:Chap:UserName", "alice"),
            ("UserDisk:Targets:0:Chap:Secret", Secret),
            ("UserDisk:Targets:0:Chap:MutualUserName", "target"),
            ("UserDisk:Targets:0:Chap:MutualSecret", MutualSecret));

        ChapOptions chap = Assert.IsType<ChapOptions>(Assert.Single(result.Options!.Targets).Chap);
        Assert.Equal("alice", chap.UserName);
        Assert.Equal(Secret, chap.Secret);
        Assert.Equal("target", chap.MutualUserName);
        Assert.Equal(MutualSecret, chap.MutualSecret);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public void Secret_file_is_read_at_start_and_trimmed()
    {
        using var directory = new TempDirectory();
        string file = directory.File("chap.secret", $"  {Secret}\n");

        OptionsReadResult result = TestConfiguration.Read(
            ("UserDisk:Targets:0:Chap:UserName", "alice"),
            ("UserDisk:Targets:0:Chap:SecretFile", file));

        Assert.Equal(Secret, Assert.Single(result.Options!.Targets).Chap!.Secret);
    }

    [Fact]
    public void Relative_secret_file_is_found_from_the_current_directory()
    {
        using var directory = new TempDirectory();
        directory.File("mutual.secret", MutualSecret);

        OptionsReadResult result = TestConfiguration.Read(
            new ReaderSettings { CurrentDirectory = directory.Path },
            ("UserDisk:Targets:0:Chap:UserName", "alice"),
            ("UserDisk:Targets:0:Chap:Secret", Secret),
            ("UserDisk:Targets:0:Chap:MutualUserName", "target"),
            ("UserDisk:Targets:0:Chap:MutualSecretFile", "mutual.secret"));

        Assert.Equal(MutualSecret, Assert.Single(result.Options!.Targets).Chap!.MutualSecret);
    }

    [Fact]
    public void Missing_secret_file_is_an_error_naming_the_secret_file_key()
    {
        OptionsReadResult result = TestConfiguration.Read(
            ("UserDisk:Targets:0:Chap:UserName", "alice"),
            ("UserDisk:Targets:0:Chap:SecretFile", "/nonexistent/chap.secret"));

        ConfigurationProblem error = result.SingleError("UserDisk:Targets:0:Chap:SecretFile");
        Assert.Contains("'/nonexistent/chap.secret' does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_secret_file_is_an_error()
    {
        using var directory = new TempDirectory();
        string file = directory.File("empty.secret", " \n");

        OptionsReadResult result = TestConfiguration.Read(
            ("UserDisk:Targets:0:Chap:UserName", "alice"),
            ("UserDisk:Targets:0:Chap:SecretFile", file));

        Assert.Contains("is empty", result.SingleError("UserDisk:Targets:0:Chap:SecretFile").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Secret_and_secret_file_together_are_an_error()
    {
        using var directory = new TempDirectory();
        string file = directory.File("chap.secret", Secret);

        OptionsReadResult result = TestConfiguration.Read(
            ("UserDisk:Targets:0:Chap:UserName", "alice"),
            ("UserDisk:Targets:0:Chap:Secret", Secret),
            ("UserDisk:Targets:0:Chap:SecretFile", file));

        result.SingleError("UserDisk:Targets:0:Chap:SecretFile");
    }

    [Fact]
    public void Chap_without_a_secret_is_an_error()
    {
        OptionsReadResult result = TestConfiguration.Read(("UserDisk:Targets:0:Chap:UserName", "alice"));

        result.SingleError("UserDisk:Targets:0:Chap:Secret");
    }

    [Fact]
    public void Chap_without_a_user_name_is_an_error()
    {
        OptionsReadResult result = TestConfiguration.Read(("UserDisk:Targets:0:Chap:Secret", Secret));

        result.SingleError("UserDisk:Targets:0:Chap:UserName");
    }

    [Fact]
    public void Secret_shorter_than_12_bytes_is_accepted_with_a_warning()
    {
        OptionsReadResult result = TestConfiguration.Read(
            ("UserDisk:Targets:0:Chap:UserName", "alice"),
            ("UserDisk:Targets:0:Chap:Secret", "short"));

        Assert.NotNull(result.Options);
        ConfigurationProblem warning = Assert.Single(result.Warnings);
        Assert.Equal("UserDisk:Targets:0:Chap:Secret", warning.Key);
        Assert.Contains("only 5 bytes", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Secret_of_12_bytes_has_no_warning()
    {
        OptionsReadResult result = TestConfiguration.Read(
            ("UserDisk:Targets:0:Chap:UserName", "alice"),
            ("UserDisk:Targets:0:Chap:Secret", "twelve-bytes"));

        Assert.Empty(result.Problems);
    }

    [Fact]
    public void Secret_longer_than_255_bytes_is_an_error()
    {
        OptionsReadResult result = TestConfiguration.Read(
            ("UserDisk:Targets:0:Chap:UserName", "alice"),
            ("UserDisk:Targets:0:Chap:Secret", new string('s', 256)));

        Assert.Contains("256 bytes", result.SingleError("UserDisk:Targets:0:Chap:Secret").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mutual_user_without_mutual_secret_is_an_error()
    {
        OptionsReadResult result = TestConfiguration.Read(
            ("UserDisk:Targets:0:Chap:UserName", "alice"),
            ("UserDisk:Targets:0:Chap:Secret", Secret),
            ("UserDisk:Targets:0:Chap:MutualUserName", "target"));

        result.SingleError("UserDisk:Targets:0:Chap:MutualSecret");
    }

    [Fact]
    public void Mutual_secret_equal_to_the_initiator_secret_is_an_error()
    {
        OptionsReadResult result = TestConfiguration.Read(
            ("UserDisk:Targets:0:Chap:UserName", "alice"),
            ("UserDisk:Targets:0:Chap:Secret", Secret),
            ("UserDisk:Targets:0:Chap:MutualUserName", "target"),
            ("UserDisk:Targets:0:Chap:MutualSecret", Secret));

        Assert.Contains("both directions", result.SingleError("UserDisk:Targets:0:Chap:MutualSecret").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Secrets_never_appear_in_problems_or_in_ToString()
    {
        const string shortSecret = "hunter2";
        OptionsReadResult bad = TestConfiguration.Read(
            ("UserDisk:Targets:0:Chap:UserName", "alice"),
            ("UserDisk:Targets:0:Chap:Secret", shortSecret),
            ("UserDisk:Targets:0:Chap:MutualUserName", "target"),
            ("UserDisk:Targets:0:Chap:MutualSecret", shortSecret));
        OptionsReadResult good = TestConfiguration.Read(
            ("UserDisk:Targets:0:Chap:UserName", "alice"),
            ("UserDisk:Targets:0:Chap:Secret", Secret),
            ("UserDisk:Targets:0:Chap:MutualUserName", "target"),
            ("UserDisk:Targets:0:Chap:MutualSecret", MutualSecret));

        Assert.NotEmpty(bad.Problems);
        Assert.All(bad.Problems, p => Assert.DoesNotContain(shortSecret, p.ToString(), StringComparison.Ordinal));
        TargetOptions target = Assert.Single(good.Options!.Targets);
        string text = string.Join('\n', good.Options.ToString(), target.ToString(), target.Chap!.ToString());
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(MutualSecret, text, StringComparison.Ordinal);
        Assert.Contains("alice", text, StringComparison.Ordinal);
    }
}
