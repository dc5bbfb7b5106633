using System.Text.RegularExpressions;

namespace MongoBackup.Engine.Connection;

/// <summary>
/// Hides the secrets of a connection string wherever it is shown, before anything parses it and whatever it looks
/// like: the password of "user:password@" under any scheme (mongodb://, a mistyped mongodbx://, or none at all), up to
/// the last '@' of the authority (an unescaped '@' in a password must not leave its tail visible), and the values of
/// options that carry secrets (password=, tlsCertificateKeyFilePassword=, authMechanismProperties=, ...).
/// </summary>
public static partial class ConnectionStringRedactor
{
    /// <summary>What stands in for a password in every connection string shown.</summary>
    public const string Mask = "*****";

    /// <summary>The connection string with every secret replaced by <see cref="Mask"/>; the user name and hosts stay.</summary>
    public static string Redact(string connectionString)
    {
        if (string.IsNullOrEmpty(connectionString)) return connectionString;
        var redacted = connectionString;
        if (PasswordSpan(connectionString) is var (start, length))
            redacted = string.Concat(connectionString.AsSpan(0, start), Mask, connectionString.AsSpan(start + length));
        return SecretOption().Replace(redacted, m => m.Groups["key"].Value + Mask);
    }

    /// <summary>
    /// Redacts a message that may quote connection strings (a driver's exception, say): every word holding an '@' is
    /// redacted as a connection string, and every secret of <paramref name="connectionString"/> is removed wherever it
    /// appears, raw or URL-decoded.
    /// </summary>
    public static string RedactMessage(string message, string? connectionString = null)
    {
        if (string.IsNullOrEmpty(message)) return message;
        var result = Word().Replace(message, m => m.Value.Contains('@') || m.Value.Contains('=') ? Redact(m.Value) : m.Value);
        foreach (var secret in connectionString is null ? [] : SecretsOf(connectionString))
            result = result.Replace(secret, Mask, StringComparison.Ordinal);
        return result;
    }

    /// <summary>The secrets a connection string carries (its password, raw and decoded, and secret option values).</summary>
    public static IReadOnlyList<string> SecretsOf(string connectionString)
    {
        var secrets = new List<string>();
        if (PasswordSpan(connectionString) is var (start, length) && length > 0)
        {
            var raw = connectionString.Substring(start, length);
            secrets.Add(raw);
            try { secrets.Add(Uri.UnescapeDataString(raw)); } catch (UriFormatException) { /* not escaped text */ }
        }
        foreach (Match option in SecretOption().Matches(connectionString))
            if (option.Groups["value"].Length > 0) secrets.Add(option.Groups["value"].Value);
        // Longest first, so a secret that contains another is removed whole; too short a "secret" would mask ordinary words.
        return secrets.Where(s => s.Length >= 3).Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length).ToList();
    }

    /// <summary>
    /// What secrets a connection string carries, by name and never by value: "password" for the password of its user
    /// information, and the name of each option whose value is a secret (tlsCertificateKeyFilePassword, ...). Empty when none.
    /// </summary>
    public static IReadOnlyList<string> SecretNamesOf(string connectionString)
    {
        if (string.IsNullOrEmpty(connectionString)) return [];
        var names = new List<string>();
        if (PasswordSpan(connectionString) is (_, > 0)) names.Add("password");
        foreach (Match option in SecretOption().Matches(connectionString))
            if (option.Groups["value"].Length > 0) names.Add(option.Groups["key"].Value.TrimEnd('='));
        return names.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>Where the password of the user information sits (start, length), or null when there is none.</summary>
    private static (int Start, int Length)? PasswordSpan(string text)
    {
        var scheme = Scheme().Match(text);
        var start = scheme.Success ? scheme.Length : 0;
        var at = UserInfoEnd(text, start);
        if (at < 0) return null;
        var colon = text.IndexOf(':', start, at - start);
        return colon < 0 ? null : (colon + 1, at - colon - 1);
    }

    /// <summary>
    /// The '@' that ends the user information: the last one before the query ('?') when there is one there, else the
    /// last one at all (a password may hold an unescaped '?', '/' or '@'; masking too much beats showing a secret).
    /// </summary>
    private static int UserInfoEnd(string text, int start)
    {
        var query = text.IndexOf('?', start);
        if (query > start)
        {
            var beforeQuery = text.LastIndexOf('@', query - 1, query - start);
            if (beforeQuery >= start) return beforeQuery;
        }
        var last = text.LastIndexOf('@');
        return last >= start ? last : -1;
    }

    // Any URI scheme, including mistyped ones: the password must be hidden before anything decides the string is invalid.
    [GeneratedRegex(@"^\s*[A-Za-z][A-Za-z0-9+.\-]*://")]
    private static partial Regex Scheme();

    // Options whose values are secrets: anything named like a password, secret or token, and authMechanismProperties
    // (it carries AWS_SESSION_TOKEN and the like).
    [GeneratedRegex(@"(?<key>(?<![A-Za-z0-9_])[A-Za-z0-9_]*(?:password|pwd|secret|token|authMechanismProperties)[A-Za-z0-9_]*=)(?<value>[^&;\s'""]*)", RegexOptions.IgnoreCase)]
    private static partial Regex SecretOption();

    // A run of characters without spaces or quotes: how a connection string sits inside a message.
    [GeneratedRegex(@"[^\s'""`]+")]
    private static partial Regex Word();
}
