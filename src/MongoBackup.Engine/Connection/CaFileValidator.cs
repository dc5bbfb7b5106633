using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace MongoBackup.Engine.Connection;

/// <summary>Validates a server certificate against a CA file (PEM or DER), as mongod's --tlsCAFile users expect.</summary>
internal static class CaFileValidator
{
    public static RemoteCertificateValidationCallback Create(string caFile)
    {
        if (!File.Exists(caFile))
            throw new MongoBackupException(ErrorIds.InvalidArgument, $"The TLS CA file '{caFile}' does not exist.");
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(caFile);
        return (_, certificate, _, errors) =>
        {
            if (certificate is null) return false;
            if (errors == SslPolicyErrors.None) return true;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            var nameOk = (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0;
            return nameOk && chain.Build(new X509Certificate2(certificate));
        };
    }
}
