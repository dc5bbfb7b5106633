using MongoBackup.Engine.Repository;

namespace MongoBackup;

/// <summary>What Set-MongoRepository shows: a repository's rules for the snapshots written into it.</summary>
public sealed class MongoRepositorySettings
{
    public string Repository { get; init; } = "";
    /// <summary>Every snapshot written here must be encrypted.</summary>
    public bool RequireEncryption { get; init; }
    /// <summary>The fingerprint of the one key snapshots here are encrypted with; null allows any key.</summary>
    public string? KeyFingerprint { get; init; }
    /// <summary>Passphrase or KeyFile, for a pinned key; null when none is pinned.</summary>
    public string? KeyKind { get; init; }

    public override string ToString() => Repository;

    public static MongoRepositorySettings From(RepositorySettings settings, string repository) => new()
    {
        Repository = repository,
        RequireEncryption = settings.RequireEncryption,
        KeyFingerprint = settings.KeyId,
        KeyKind = settings.KeyId is null ? null : settings.KdfSalt is null ? "KeyFile" : "Passphrase",
    };
}
