using MongoBackup.Engine.Connection;

namespace MongoBackup.Engine.Tests.Connection;

public sealed class ConnectionStringRedactorTests
{
    [Theory]
    // The issue's input: a mistyped scheme was printed in clear.
    [InlineData("mongodbx://user:pass@host/", "mongodbx://user:*****@host/")]
    [InlineData("mongodb://user:pass@host/", "mongodb://user:*****@host/")]
    [InlineData("MONGODB+SRV://user:pass@cluster0.example.net/?retryWrites=true", "MONGODB+SRV://user:*****@cluster0.example.net/?retryWrites=true")]
    [InlineData("user:pass@host", "user:*****@host")]
    [InlineData("  user:pass@host:27017/admin", "  user:*****@host:27017/admin")]
    [InlineData("http://user:pass@host", "http://user:*****@host")]
    // An unescaped '@', '/' or '?' in a password: the whole password goes, not just what precedes its first '@'.
    [InlineData("mongodb://user:p@ss@host/", "mongodb://user:*****@host/")]
    [InlineData("mongodb://user:pa/ss@host/db", "mongodb://user:*****@host/db")]
    [InlineData("mongodb://user:pa?ss@host/db", "mongodb://user:*****@host/db")]
    [InlineData("mongodb://:pass@host/", "mongodb://:*****@host/")]
    [InlineData("mongodb://user:pass@host/?appName=me@corp", "mongodb://user:*****@host/?appName=me@corp")]
    [InlineData("mongodb://host/?tlsCertificateKeyFilePassword=pass&w=1", "mongodb://host/?tlsCertificateKeyFilePassword=*****&w=1")]
    [InlineData("mongodb://host/?authMechanism=MONGODB-AWS&authMechanismProperties=AWS_SESSION_TOKEN:pass", "mongodb://host/?authMechanism=MONGODB-AWS&authMechanismProperties=*****")]
    [InlineData("mongodbx://host/?password=pass", "mongodbx://host/?password=*****")]
    [InlineData("mongodb://host/?proxyPassword=pass", "mongodb://host/?proxyPassword=*****")]
    // Nothing secret: shown as typed.
    [InlineData("mongodb://user@host/", "mongodb://user@host/")]
    [InlineData("mongodb://db1:27017,db2:27017/?replicaSet=rs0", "mongodb://db1:27017,db2:27017/?replicaSet=rs0")]
    [InlineData("not a uri at all", "not a uri at all")]
    public void A_password_is_hidden_whatever_the_string_looks_like(string connectionString, string shown)
    {
        Assert.Equal(shown, ConnectionStringRedactor.Redact(connectionString));
    }

    [Fact]
    public void A_wrong_scheme_is_refused_as_an_invalid_connection_string_without_its_password()
    {
        var settings = new ConnectionSettings { ConnectionString = "mongodbx://user:pass@host/" };

        var error = Assert.Throws<MongoBackupException>(() => MongoConnection.Open(settings));

        Assert.Equal(ErrorIds.InvalidConnectionString, error.ErrorId);
        Assert.Contains("mongodbx://user:*****@host/", error.Message);
        Assert.DoesNotContain("pass@", error.ToString());
    }

    [Theory]
    [InlineData("user:S3cret-pw@host")]
    [InlineData("mongodb://user:S3cret-pw@host:99999/")]
    [InlineData("mongodb://user:S3cret%2Dpw@host/?replicaSet=")]
    public void No_refused_connection_string_shows_its_password(string connectionString)
    {
        var error = Assert.Throws<MongoBackupException>(() => MongoConnection.Open(new ConnectionSettings { ConnectionString = connectionString }));

        Assert.Equal(ErrorIds.InvalidConnectionString, error.ErrorId);
        Assert.DoesNotContain("S3cret", error.ToString());
    }

    [Fact]
    public void A_message_that_echoes_a_connection_string_loses_its_secrets_raw_and_decoded()
    {
        const string connectionString = "mongodb://user:S3cret%21@host/";
        var message = "The connection string 'user:S3cret!@host' is not valid; retried with S3cret%21 and S3cret!.";

        var redacted = ConnectionStringRedactor.RedactMessage(message, connectionString);

        Assert.DoesNotContain("S3cret", redacted);
        Assert.Contains("'user:*****@host'", redacted);
    }

    [Theory]
    [InlineData("mongodb://user:S3cret@host/", "password")]
    [InlineData("mongodbx://user:S3cret@host/", "password")]
    [InlineData("user:S3cret@host", "password")]
    [InlineData("mongodb://host/?tls=true&tlsCertificateKeyFilePassword=S3cret", "tlsCertificateKeyFilePassword")]
    [InlineData("mongodb://user:S3cret@host/?authMechanismProperties=AWS_SESSION_TOKEN:S3cret", "password,authMechanismProperties")]
    public void The_secrets_a_connection_string_carries_are_named_never_shown(string connectionString, string names)
    {
        var found = ConnectionStringRedactor.SecretNamesOf(connectionString);

        Assert.Equal(names.Split(','), found);
        Assert.DoesNotContain(found, name => name.Contains("S3cret", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("mongodb://host1,host2/?replicaSet=rs0")]
    [InlineData("mongodb://user@host/?authMechanism=MONGODB-X509")]
    [InlineData("mongodb://user:@host/")]
    [InlineData("")]
    public void A_connection_string_without_a_secret_names_none(string connectionString) =>
        Assert.Empty(ConnectionStringRedactor.SecretNamesOf(connectionString));
}
