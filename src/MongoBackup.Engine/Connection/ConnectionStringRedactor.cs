using System.Text.RegularExpressions;

namespace MongoBackup.Engine.Connection;

/// <summary>Hides the password of a mongodb:// or mongodb+srv:// URI, wherever a connection string is shown.</summary>
public static partial class ConnectionStringRedactor
{
    public const string Mask = "*****";

    public static string Redact(string connectionString)
    {
        if (string.IsNullOrEmpty(connectionString)) return connectionString;
        var withoutUserInfoPassword = UserInfoPassword().Replace(connectionString, m => m.Groups["pre"].Value + Mask + "@");
        return PasswordOption().Replace(withoutUserInfoPassword, m => m.Groups["key"].Value + Mask);
    }

    /// <summary>Removes every occurrence of the secrets in <paramref name="text"/> (for driver messages that quote them).</summary>
    public static string Scrub(string text, params string?[] secrets)
    {
        var result = text;
        foreach (var secret in secrets)
            if (!string.IsNullOrEmpty(secret)) result = result.Replace(secret, Mask, StringComparison.Ordinal);
        return result;
    }

    // mongodb://user:secret@host -> the secret; the user name stays so people can see who connects. Any scheme, or none
    // (user:secret@host:port), since a mistyped string is shown in the error that refuses it.
    [GeneratedRegex(@"(?<pre>(?:^|[A-Za-z][A-Za-z0-9+.-]*://)[^:/@\s]*:)[^@/\s]*@", RegexOptions.IgnoreCase)]
    private static partial Regex UserInfoPassword();

    // Options that can carry secrets, e.g. authMechanismProperties=AWS_SESSION_TOKEN:..., tlsCertificateKeyFilePassword=...
    [GeneratedRegex(@"(?<key>(?:tlsCertificateKeyFilePassword|sslClientCertificateKeyPassword|authMechanismProperties|password)=)[^&]*", RegexOptions.IgnoreCase)]
    private static partial Regex PasswordOption();
}
