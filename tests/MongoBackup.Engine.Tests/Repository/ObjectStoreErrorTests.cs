using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Repository.ObjectStores;

namespace MongoBackup.Engine.Tests.Repository;

/// <summary>
/// Wrong credentials, a missing container or bucket and an unreachable endpoint fail when the repository is opened,
/// with the stable error id, the repository's location in the message, and never the secret.
/// </summary>
public sealed class ObjectStoreErrorTests(ObjectStoreServices services) : IClassFixture<ObjectStoreServices>
{
    private const string WrongKey = "V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5V3JvbmdLZXk="; // base64, so it is a well-formed key that is wrong
    private const string WrongSecret = "wrong-secret-3f9a1c";

    [Fact]
    public async Task Azure_with_a_wrong_account_key_is_access_denied_without_the_key()
    {
        var container = await services.NewContainerAsync();
        var location = $"az://{ObjectStoreServices.AzuriteAccount}/{container}/backups";
        var error = await OpenFails(location, services.AzureOptions() with { AzureAccountKey = WrongKey });
        Assert.Equal(ErrorIds.RepositoryAccessDenied, error.ErrorId);
        Assert.Contains(location, error.Message);
        Assert.DoesNotContain(WrongKey, error.Message);
        Assert.Equal(location, error.Target);
    }

    [Fact]
    public async Task Azure_with_a_forged_sas_token_is_access_denied_without_the_token()
    {
        var container = await services.NewContainerAsync();
        var sas = new BlobContainerClient(services.AzuriteConnectionString, container)
            .GenerateSasUri(BlobContainerSasPermissions.All, DateTimeOffset.UtcNow.AddHours(1)).Query;
        var signature = System.Web.HttpUtility.ParseQueryString(sas)["sig"]!;
        var forged = sas.Replace(Uri.EscapeDataString(signature), Uri.EscapeDataString("AAAA" + signature[4..]), StringComparison.Ordinal);
        var location = $"az://{ObjectStoreServices.AzuriteAccount}/{container}";

        var error = await OpenFails(location, new RepositoryOptions { AzureSasToken = forged, AzureEndpoint = services.AzuriteEndpoint, MaxRetries = 0 });

        Assert.Equal(ErrorIds.RepositoryAccessDenied, error.ErrorId);
        Assert.Contains(location, error.Message);
        Assert.DoesNotContain(signature[4..12], error.Message);
        Assert.DoesNotContain("sig=", error.Message);
    }

    [Fact]
    public async Task Azure_with_a_valid_sas_token_opens_and_lists()
    {
        var container = await services.NewContainerAsync();
        var sas = new BlobContainerClient(services.AzuriteConnectionString, container)
            .GenerateSasUri(BlobContainerSasPermissions.All, DateTimeOffset.UtcNow.AddHours(1)).Query;
        var repository = await RepositoryFactory.OpenAsync($"az://{ObjectStoreServices.AzuriteAccount}/{container}",
            new RepositoryOptions { AzureSasToken = sas, AzureEndpoint = services.AzuriteEndpoint }, CancellationToken.None);
        await foreach (var _ in repository.ListAsync(CancellationToken.None)) Assert.Fail("a new container holds no snapshot");
        Assert.DoesNotContain("sig", repository.Location);
    }

    [Fact]
    public async Task Azure_with_a_connection_string_opens_and_its_location_holds_no_key()
    {
        var container = await services.NewContainerAsync();
        var repository = await RepositoryFactory.OpenAsync($"az://{ObjectStoreServices.AzuriteAccount}/{container}/p",
            new RepositoryOptions { AzureConnectionString = services.AzuriteConnectionString }, CancellationToken.None);
        Assert.Equal($"az://{ObjectStoreServices.AzuriteAccount}/{container}/p", repository.Location);
        Assert.DoesNotContain(ObjectStoreServices.AzuriteKey, repository.Location);
    }

    [Fact]
    public async Task Azure_with_a_missing_container_is_not_found_naming_it()
    {
        var location = $"az://{ObjectStoreServices.AzuriteAccount}/no-such-container-{Guid.NewGuid():N}"[..60];
        var error = await OpenFails(location, services.AzureOptions());
        Assert.Equal(ErrorIds.RepositoryNotFound, error.ErrorId);
        Assert.Contains(location, error.Message);
        Assert.DoesNotContain(ObjectStoreServices.AzuriteKey, error.Message);
    }

    [Fact]
    public async Task Azure_at_an_unreachable_endpoint_is_unavailable_naming_the_endpoint()
    {
        var port = ClosedPort();
        var location = $"az://{ObjectStoreServices.AzuriteAccount}/backups";
        var error = await OpenFails(location, services.AzureOptions() with { AzureEndpoint = new Uri($"http://127.0.0.1:{port}/{ObjectStoreServices.AzuriteAccount}") });
        Assert.Equal(ErrorIds.RepositoryUnavailable, error.ErrorId);
        Assert.Contains(location, error.Message);
        Assert.Contains($"127.0.0.1:{port}", error.Message);
        Assert.DoesNotContain(ObjectStoreServices.AzuriteKey, error.Message);
    }

    [Fact]
    public async Task S3_with_wrong_credentials_is_access_denied_without_the_secret()
    {
        // s3rver checks the access key id but not SigV4 signatures, so the wrong pair starts with an unknown key.
        var bucket = await services.NewBucketAsync();
        var location = $"s3://{bucket}/backups";
        var error = await OpenFails(location, services.S3Options() with { S3AccessKey = "AKIAUNKNOWN", S3SecretKey = WrongSecret });
        Assert.Equal(ErrorIds.RepositoryAccessDenied, error.ErrorId);
        Assert.Contains(location, error.Message);
        Assert.DoesNotContain(WrongSecret, error.Message);
    }

    [Fact]
    public async Task S3_with_a_missing_bucket_is_not_found_naming_it()
    {
        var location = $"s3://no-such-bucket-{Guid.NewGuid():N}"[..40];
        var error = await OpenFails(location + "/backups", services.S3Options());
        Assert.Equal(ErrorIds.RepositoryNotFound, error.ErrorId);
        Assert.Contains(location, error.Message);
    }

    [Fact]
    public async Task S3_at_an_unreachable_endpoint_is_unavailable_naming_the_endpoint()
    {
        var port = ClosedPort();
        var error = await OpenFails("s3://backups/prod", services.S3Options() with { S3Endpoint = new Uri($"http://127.0.0.1:{port}") });
        Assert.Equal(ErrorIds.RepositoryUnavailable, error.ErrorId);
        Assert.Contains("s3://backups/prod", error.Message);
        Assert.Contains($"127.0.0.1:{port}", error.Message);
    }

    [Fact]
    public async Task S3_with_only_half_a_key_pair_is_refused_before_any_request()
    {
        var error = await OpenFails("s3://backups", services.S3Options() with { S3SecretKey = null });
        Assert.Equal(ErrorIds.InvalidArgument, error.ErrorId);
        Assert.Contains("both an access key and a secret key", error.Message);
    }

    private static async Task<MongoBackupException> OpenFails(string location, RepositoryOptions options) =>
        await Assert.ThrowsAsync<MongoBackupException>(() => RepositoryFactory.OpenAsync(location, options, CancellationToken.None));

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
