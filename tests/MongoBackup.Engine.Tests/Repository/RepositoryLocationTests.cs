using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Tests.Repository;

public sealed class RepositoryLocationTests
{
    [Theory]
    [InlineData("az://acct/backups", RepositoryKind.AzureBlob, "acct", "backups", "")]
    [InlineData("az://acct/backups/prod/db1/", RepositoryKind.AzureBlob, "acct", "backups", "prod/db1")]
    [InlineData("s3://bucket", RepositoryKind.S3, null, "bucket", "")]
    [InlineData("S3://bucket/nightly", RepositoryKind.S3, null, "bucket", "nightly")]
    public void Object_store_locations_parse_into_their_parts(string text, RepositoryKind kind, string? account, string container, string prefix)
    {
        var location = RepositoryLocation.Parse(text);
        Assert.Equal(kind, location.Kind);
        Assert.Equal(account, location.Account);
        Assert.Equal(container, location.Container);
        Assert.Equal(prefix, location.Prefix);
    }

    [Fact]
    public void Plain_paths_and_file_uris_are_folders()
    {
        var folder = Path.Combine(Path.GetTempPath(), "repo");
        Assert.Equal(folder, RepositoryLocation.Parse(folder).Path);
        Assert.Equal(RepositoryKind.Folder, RepositoryLocation.Parse("relative/repo").Kind);
        Assert.Equal(folder, RepositoryLocation.Parse(new Uri(folder).AbsoluteUri).Path);
    }

    [Theory]
    [InlineData("az://acct/backups?sv=2024&sig=TopSecretSignature")]
    [InlineData("s3://user:TopSecretSignature@bucket/prefix")]
    public void A_location_carrying_a_secret_is_refused_without_echoing_it(string text)
    {
        var error = Assert.Throws<MongoBackupException>(() => RepositoryLocation.Parse(text));
        Assert.Equal(ErrorIds.InvalidArgument, error.ErrorId);
        Assert.DoesNotContain("TopSecretSignature", error.Message);
    }

    [Theory]
    [InlineData("az://acct")]
    [InlineData("az:///backups")]
    [InlineData("s3://")]
    [InlineData("gs://bucket")]
    [InlineData("  ")]
    public void Malformed_locations_are_refused_with_the_expected_form(string text)
    {
        var error = Assert.Throws<MongoBackupException>(() => RepositoryLocation.Parse(text));
        Assert.Equal(ErrorIds.InvalidArgument, error.ErrorId);
        Assert.Contains("not valid", error.Message);
    }

    [Fact]
    public void Options_never_print_their_secrets()
    {
        var options = new RepositoryOptions { AzureAccountKey = "key-123", AzureSasToken = "sig-456", S3AccessKey = "AKIA", S3SecretKey = "secret-789", AzureConnectionString = "AccountKey=cs-000" };
        var text = options.ToString();
        foreach (var secret in new[] { "key-123", "sig-456", "secret-789", "cs-000" }) Assert.DoesNotContain(secret, text);
    }
}
