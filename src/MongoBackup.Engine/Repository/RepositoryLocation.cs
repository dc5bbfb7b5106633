namespace MongoBackup.Engine.Repository;

/// <summary>The kind of store a <see cref="RepositoryLocation"/> names: a local or mounted folder, an Azure Blob Storage container, an S3 bucket.</summary>
public enum RepositoryKind
{
    /// <summary>A local or mounted folder (a path or file:// URI).</summary>
    Folder,

    /// <summary>An Azure Blob Storage container (az://ACCOUNT/CONTAINER/PREFIX).</summary>
    AzureBlob,

    /// <summary>An S3 bucket, on AWS or an S3-compatible store (s3://BUCKET/PREFIX).</summary>
    S3,
}

/// <summary>
/// Where a repository is, parsed from what a user types for -Repository: a plain path or file:// URI (a folder),
/// az://ACCOUNT/CONTAINER/PREFIX (Azure Blob Storage) or s3://BUCKET/PREFIX (S3 and S3-compatible stores).
/// A location never holds a secret, so <see cref="ToString"/> is safe to show anywhere.
/// </summary>
public sealed record RepositoryLocation
{
    private RepositoryLocation(RepositoryKind kind, string? path, string? account, string? container, string prefix)
    {
        Kind = kind;
        Path = path;
        Account = account;
        Container = container;
        Prefix = prefix;
    }

    /// <summary>Which kind of store the location names.</summary>
    public RepositoryKind Kind { get; }

    /// <summary>The folder of a folder repository, as given (not yet resolved against a current directory).</summary>
    public string? Path { get; }

    /// <summary>The Azure storage account; null for other kinds.</summary>
    public string? Account { get; }

    /// <summary>The Azure container or the S3 bucket.</summary>
    public string? Container { get; }

    /// <summary>The blob/key prefix snapshots live under, without leading or trailing '/'; empty for the container's root.</summary>
    public string Prefix { get; }

    /// <summary>The location of a folder repository at <paramref name="path"/> (as given, not resolved).</summary>
    public static RepositoryLocation Folder(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return new RepositoryLocation(RepositoryKind.Folder, path, null, null, "");
    }

    /// <exception cref="MongoBackupException">The text is not a repository location (<see cref="ErrorIds.InvalidArgument"/>).</exception>
    public static RepositoryLocation Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw Invalid(text ?? "", "it is empty");
        var trimmed = text.Trim();
        var scheme = trimmed.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0) return Folder(trimmed);
        var name = trimmed[..scheme].ToLowerInvariant();
        return name switch
        {
            "file" => Folder(new Uri(trimmed).LocalPath),
            "az" => ParseAzure(trimmed, trimmed[(scheme + 3)..]),
            "s3" => ParseS3(trimmed, trimmed[(scheme + 3)..]),
            // One letter before ':' is a Windows drive, not a scheme; anything else is a scheme we do not know.
            _ => throw Invalid(Redact(trimmed), $"'{name}://' is not a repository kind: use a folder path, file://, az:// or s3://"),
        };
    }

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        RepositoryKind.AzureBlob => Join($"az://{Account}/{Container}", Prefix),
        RepositoryKind.S3 => Join($"s3://{Container}", Prefix),
        _ => Path!,
    };

    private static RepositoryLocation ParseAzure(string original, string rest)
    {
        RefuseQuery(original, rest, "pass a SAS token with -SasToken (RepositoryOptions.SasToken), not in the location");
        var parts = rest.Split('/', 3);
        if (parts.Length < 2 || parts[0].Length == 0 || parts[1].Length == 0)
            throw Invalid(original, "an Azure location is az://ACCOUNT/CONTAINER[/PREFIX]");
        return new RepositoryLocation(RepositoryKind.AzureBlob, null, parts[0], parts[1], TrimPrefix(parts.Length > 2 ? parts[2] : ""));
    }

    private static RepositoryLocation ParseS3(string original, string rest)
    {
        RefuseQuery(original, rest, "pass credentials with -AccessKey/-SecretKey (RepositoryOptions), not in the location");
        var parts = rest.Split('/', 2);
        if (parts[0].Length == 0)
            throw Invalid(original, "an S3 location is s3://BUCKET[/PREFIX]");
        return new RepositoryLocation(RepositoryKind.S3, null, null, parts[0], TrimPrefix(parts.Length > 1 ? parts[1] : ""));
    }

    private static void RefuseQuery(string original, string rest, string advice)
    {
        // A query string is where a SAS token or a signed URL's key would be: refuse it, and never echo it back.
        if (rest.Contains('?') || rest.Contains('@'))
            throw Invalid(Redact(original), $"it carries a query string or user info; {advice}");
    }

    private static string TrimPrefix(string prefix) => prefix.Trim('/');

    private static string Join(string root, string prefix) => prefix.Length == 0 ? root : root + "/" + prefix;

    /// <summary>The text without anything after '?' and without user info, for error messages.</summary>
    private static string Redact(string text)
    {
        var query = text.IndexOf('?');
        if (query >= 0) text = text[..query] + "?<redacted>";
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        var at = text.IndexOf('@');
        if (scheme >= 0 && at > scheme) text = text[..(scheme + 3)] + "<redacted>@" + text[(at + 1)..];
        return text;
    }

    private static MongoBackupException Invalid(string shown, string why) =>
        new(ErrorIds.InvalidArgument, $"The repository '{shown}' is not valid: {why}.", target: shown);
}
