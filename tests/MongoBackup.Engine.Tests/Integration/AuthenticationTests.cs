using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Repository;
using MongoBackup.TestServer;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>SCRAM through a credential, against a server that requires it (the in-memory server's auth mode).</summary>
public sealed class AuthenticationTests : IDisposable
{
    private const string User = "dba";
    private static readonly string Password = "pw-" + Guid.NewGuid().ToString("N")[..12];
    private readonly MongoTestServer _server = MongoTestServer.Start(new TestServerOptions
    {
        ReplicaSetName = "rs0", AuthUser = User, AuthPassword = Password, Log = TextWriter.Null,
    });

    public void Dispose() => _server.Dispose();

    private static System.Security.SecureString Secure(string text)
    {
        var secure = new System.Security.SecureString();
        foreach (var c in text) secure.AppendChar(c);
        secure.MakeReadOnly();
        return secure;
    }

    [Fact]
    public async Task A_wrong_password_is_an_authentication_error_that_does_not_show_the_password()
    {
        using var repo = new TempFolder();
        var wrong = "wrong-" + Password;
        var request = new BackupRequest
        {
            Connection = new ConnectionSettings { ConnectionString = _server.ConnectionString, UserName = User, Password = Secure(wrong) },
            Repository = new FolderRepository(repo.Path),
        };
        var error = await Assert.ThrowsAsync<MongoBackupException>(() => new BackupRunner(new RecordingObserver()).RunAsync(request, CancellationToken.None));
        Assert.Equal(ErrorIds.AuthenticationFailed, error.ErrorId);
        Assert.DoesNotContain(wrong, error.ToString());
        Assert.Empty(Directory.EnumerateFileSystemEntries(repo.Path));
    }

    [Fact]
    public async Task A_wrong_authentication_database_is_named_in_the_error_beside_the_user_never_the_password()
    {
        using var repo = new TempFolder();
        var request = new BackupRequest
        {
            // The right user and password, tried against a database the user was not created in (it lives in admin).
            Connection = new ConnectionSettings { ConnectionString = _server.ConnectionString, UserName = User, Password = Secure(Password), AuthenticationDatabase = "sales" },
            Repository = new FolderRepository(repo.Path),
        };
        var error = await Assert.ThrowsAsync<MongoBackupException>(() => new BackupRunner(new RecordingObserver()).RunAsync(request, CancellationToken.None));
        Assert.Equal(ErrorIds.AuthenticationFailed, error.ErrorId);
        Assert.Contains($"as user '{User}' against authentication database 'sales'", error.Message);
        Assert.Contains("-AuthenticationDatabase", error.Message);
        Assert.DoesNotContain(Password, error.ToString());
    }

    [Fact]
    public async Task The_right_credential_backs_up_and_the_manifest_holds_no_secret()
    {
        using var admin = new MongoDB.Driver.MongoClient(
            new MongoDB.Driver.MongoUrlBuilder(_server.ConnectionString) { Username = User, Password = Password }.ToMongoUrl());
        await admin.GetDatabase("sales").GetCollection<MongoDB.Bson.BsonDocument>("orders").InsertOneAsync(new MongoDB.Bson.BsonDocument("_id", 1));
        using var repo = new TempFolder();
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = new ConnectionSettings { ConnectionString = _server.ConnectionString, UserName = User, Password = Secure(Password) },
            Repository = new FolderRepository(repo.Path), Filter = new NamespaceFilter(databases: ["sales"]),
        }, CancellationToken.None);
        Assert.Equal(1, manifest.Namespaces.Single().Documents);
        foreach (var file in Directory.EnumerateFiles(repo.Path, "*", SearchOption.AllDirectories))
            Assert.DoesNotContain(Password, await File.ReadAllTextAsync(file));
    }

    [Fact]
    public void A_connection_string_password_is_redacted_wherever_it_is_shown()
    {
        var settings = new ConnectionSettings { ConnectionString = $"mongodb://{User}:{Password}@127.0.0.1:1/?tls=false" };
        Assert.DoesNotContain(Password, settings.DisplayName);
        Assert.Contains(ConnectionStringRedactor.Mask, settings.DisplayName);
        Assert.Contains("127.0.0.1:1", settings.DisplayName);
    }
}
