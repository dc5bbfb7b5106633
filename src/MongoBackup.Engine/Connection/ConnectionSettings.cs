using System.Security;

namespace MongoBackup.Engine.Connection;

/// <summary>
/// Where and how to connect. The password travels as a SecureString (from a PSCredential) and is never
/// part of anything shown to users: <see cref="DisplayName"/> is the redacted connection string.
/// </summary>
public sealed record ConnectionSettings
{
    /// <summary>
    /// The connection string as given (mongodb:// or mongodb+srv://, or a host:port list); never shown unredacted.
    /// </summary>
    public required string ConnectionString { get; init; }
    /// <summary>
    /// The user to authenticate as (from -Credential); null uses what the connection string says, if anything.
    /// </summary>
    public string? UserName { get; init; }
    /// <summary>The password of <see cref="UserName"/>, kept as a SecureString and never written anywhere.</summary>
    public SecureString? Password { get; init; }
    /// <summary>Authentication database for <see cref="UserName"/>; admin unless said otherwise.</summary>
    public string AuthenticationDatabase { get; init; } = "admin";
    /// <summary>
    /// A PEM file of certificate authorities that the server's certificate must chain to (instead of the system store).
    /// </summary>
    public string? TlsCaFile { get; init; }
    /// <summary>
    /// Accept a server certificate that fails validation (tests, self-signed labs): the connection is then not authenticated.
    /// </summary>
    public bool TlsAllowInvalidCertificates { get; init; }
    /// <summary>
    /// A client certificate (PEM with its key, or PFX) presented to the server; without a user name or a credential in
    /// the connection string it also authenticates, as MONGODB-X509.
    /// </summary>
    public string? TlsCertificateFile { get; init; }
    /// <summary>Password of the PFX or of the encrypted PEM key.</summary>
    public SecureString? TlsCertificatePassword { get; init; }
    /// <summary>primary (default), primaryPreferred, secondary, secondaryPreferred or nearest.</summary>
    public string ReadPreference { get; init; } = "primary";
    /// <summary>How long to wait for a server to answer (connecting and selecting one); null leaves the URI's or the default 10-15 s.</summary>
    public TimeSpan? ConnectTimeout { get; init; }

    /// <summary>
    /// The connection string with any password replaced by <see cref="ConnectionStringRedactor.Mask"/>: what messages and manifests show.
    /// </summary>
    public string DisplayName => ConnectionStringRedactor.Redact(ConnectionString);
}
