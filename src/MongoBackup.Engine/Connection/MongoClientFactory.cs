using System.Runtime.InteropServices;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using MongoDB.Driver;

namespace MongoBackup.Engine.Connection;

/// <summary>
/// The driver's client settings for <see cref="ConnectionSettings"/>: credentials, TLS, timeouts, read preference.
/// Clients are made from them only by <see cref="MongoConnection"/>, which closes what it opens.
/// </summary>
internal static class MongoClientFactory
{
    /// <exception cref="MongoBackupException">InvalidConnectionString, naming the option that is wrong (never a password); InvalidArgument for a read preference.</exception>
    public static MongoClientSettings Settings(ConnectionSettings settings)
    {
        MongoUrl url;
        try { url = new MongoUrl(ConnectionStringText.Normalize(settings.ConnectionString)); }
        catch (Exception e) when (e is MongoConfigurationException or ArgumentException or FormatException)
        {
            // Past Normalize the driver's message names the option that is wrong ("tls has an invalid boolean value of maybe").
            throw new MongoBackupException(ErrorIds.InvalidConnectionString,
                $"The connection string '{settings.DisplayName}' cannot be used: {ConnectionStringRedactor.RedactMessage(e.Message, settings.ConnectionString)}",
                target: settings.DisplayName);
        }

        var client = MongoClientSettings.FromUrl(url);
        // -ConnectTimeout bounds both waits; otherwise the URI's own, else 15 s to find a server and 10 s to connect.
        client.ServerSelectionTimeout = settings.ConnectTimeout ?? (url.ServerSelectionTimeout == MongoDefaults.ServerSelectionTimeout
            ? TimeSpan.FromSeconds(15) : url.ServerSelectionTimeout);
        client.ConnectTimeout = settings.ConnectTimeout ?? (url.ConnectTimeout == MongoDefaults.ConnectTimeout ? TimeSpan.FromSeconds(10) : url.ConnectTimeout);
        client.ReadPreference = ParseReadPreference(settings.ReadPreference);
        client.ApplicationName ??= "MongoBackup";

        if (settings.UserName is not null)
            client.Credential = MongoCredential.CreateCredential(settings.AuthenticationDatabase, settings.UserName, settings.Password ?? new SecureString());

        var clientCertificate = settings.TlsCertificateFile is null
            ? null : ClientCertificateLoader.Load(settings.TlsCertificateFile, settings.TlsCertificatePassword);
        // A certificate with no other identity given is the identity: X.509 authentication, subject taken from the certificate.
        if (clientCertificate is not null && client.Credential is null)
            client.Credential = MongoCredential.CreateMongoX509Credential(null);

        if (settings.TlsCaFile is not null || settings.TlsAllowInvalidCertificates || clientCertificate is not null)
        {
            client.UseTls = true;
            var ssl = client.SslSettings?.Clone() ?? new SslSettings();
            if (clientCertificate is not null) ssl.ClientCertificates = [clientCertificate];
            if (settings.TlsAllowInvalidCertificates)
                ssl.ServerCertificateValidationCallback = (_, _, _, _) => true;
            else if (settings.TlsCaFile is not null)
                ssl.ServerCertificateValidationCallback = CaFileValidator.Create(settings.TlsCaFile);
            client.SslSettings = ssl;
        }
        return client;
    }

    private static ReadPreference ParseReadPreference(string name) => name.ToLowerInvariant() switch
    {
        "primary" => ReadPreference.Primary,
        "primarypreferred" => ReadPreference.PrimaryPreferred,
        "secondary" => ReadPreference.Secondary,
        "secondarypreferred" => ReadPreference.SecondaryPreferred,
        "nearest" => ReadPreference.Nearest,
        _ => throw new MongoBackupException(ErrorIds.InvalidArgument,
            $"'{name}' is not a read preference: use primary, primaryPreferred, secondary, secondaryPreferred or nearest."),
    };
}
