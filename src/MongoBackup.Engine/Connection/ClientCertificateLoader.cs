using System.Net;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MongoBackup.Engine.Connection;

/// <summary>
/// Reads the client certificate for X.509 authentication (mongod's --tlsCertificateKeyFile): a PEM file holding
/// the certificate and its private key (the key may be encrypted), or a PFX/PKCS#12 file. The password never
/// appears in an error.
/// </summary>
internal static class ClientCertificateLoader
{
    // The module targets .NET 8, which has no X509CertificateLoader; the PKCS#12 constructors are its way there.
    public static X509Certificate2 Load(string path, SecureString? password)
    {
        if (!File.Exists(path))
            throw new MongoBackupException(ErrorIds.InvalidArgument, $"The TLS client certificate file '{path}' does not exist.", target: path);
        var secret = password is null ? null : new NetworkCredential("", password).Password;
        try
        {
            if (!LooksLikePem(path)) return new X509Certificate2(path, secret);
            using var pem = string.IsNullOrEmpty(secret)
                ? X509Certificate2.CreateFromPemFile(path)
                : X509Certificate2.CreateFromEncryptedPemFile(path, secret);
            // A PEM key is ephemeral, which Windows' TLS stack cannot use; a PKCS#12 round trip gives it a usable key everywhere.
            return new X509Certificate2(pem.Export(X509ContentType.Pkcs12), (string?)null);
        }
        catch (CryptographicException e)
        {
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"The TLS client certificate file '{path}' could not be read as a PEM certificate with its private key, or as a PFX " +
                $"(is -TlsCertificatePassword right?): {e.Message}", e, path);
        }
    }

    private static bool LooksLikePem(string path)
    {
        using var reader = new StreamReader(path);
        var buffer = new char[4096];
        var read = reader.ReadBlock(buffer, 0, buffer.Length);
        return new string(buffer, 0, read).Contains("-----BEGIN", StringComparison.Ordinal);
    }
}
