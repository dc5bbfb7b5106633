using System.Text.Json;
using System.Text.Json.Serialization;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// A repository's own rules, kept beside its snapshots in <see cref="FileName"/> (a file in a folder repository, an
/// object at the prefix's root in Azure Blob and S3; listing never takes it for a snapshot): whether every snapshot
/// written into it must be encrypted, and under which key. Set with Set-MongoRepository; enforced wherever a snapshot
/// is written or copied into the repository, so one repository never ends up half in the clear or under two keys.
/// </summary>
public sealed record RepositorySettings
{
    /// <summary>The settings file (folder) or object (blob store) at the repository's root: camelCase JSON of this record.</summary>
    public const string FileName = ".mongobackup-settings.json";

    /// <summary>Every snapshot written here is encrypted; a backup without a key is refused.</summary>
    public bool RequireEncryption { get; init; }

    /// <summary>The fingerprint of the one key snapshots here are encrypted with; null allows any key.</summary>
    public string? KeyId { get; init; }

    /// <summary>For a passphrase key: the PBKDF2 salt (base64) and iterations every backup here derives its key with.</summary>
    public string? KdfSalt { get; init; }
    /// <summary>The PBKDF2-SHA256 iteration count for <see cref="KdfSalt"/>; 0 when no passphrase salt is set.</summary>
    public int KdfIterations { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = RepositoryJsonContext.Default,
    };

    /// <summary>Indented camelCase JSON, nulls left out: the content of <see cref="FileName"/>.</summary>
    public string Serialize() => JsonSerializer.Serialize(this, Json);

    /// <exception cref="MongoBackupException">CorruptFile, naming <paramref name="name"/>, when the text is not settings.</exception>
    public static RepositorySettings Deserialize(string json, string name)
    {
        try
        {
            return JsonSerializer.Deserialize<RepositorySettings>(json, Json)
                ?? throw new MongoBackupException(ErrorIds.CorruptFile, $"The repository settings '{name}' are empty.", target: name);
        }
        catch (JsonException e)
        {
            throw new MongoBackupException(ErrorIds.CorruptFile, $"The repository settings '{name}' are not valid: {e.Message}", e, name);
        }
    }

    /// <summary>
    /// Why a snapshot encrypted under the key <paramref name="keyId"/> (null: not encrypted) may not be written into the
    /// repository at <paramref name="repository"/>; null when it may. The advice is for the command that meets it: one
    /// that writes a new snapshot (<see cref="SnapshotArrival.Written"/>) can be given a key, a copy
    /// (<see cref="SnapshotArrival.Copied"/>) carries the snapshot's bytes and key as they are and cannot.
    /// </summary>
    public MongoBackupException? Refusal(string? keyId, string repository, string what, SnapshotArrival arrival = SnapshotArrival.Written)
    {
        if (keyId is null)
            return RequireEncryption
                ? new MongoBackupException(ErrorIds.EncryptionKeyRequired,
                    $"{repository} requires encryption{(KeyId is null ? "" : $" under key {KeyId}")} (its settings, Set-MongoRepository): {what} would not be encrypted. " +
                    (arrival == SnapshotArrival.Copied
                        ? $"A copy cannot encrypt a snapshot: back up the source again into {repository}, giving the backup that repository's key, or copy to a repository that does not require encryption."
                        : "Give -EncryptionKey or -EncryptionKeyFile."),
                    target: repository)
                : null;
        return KeyId is { } required && !string.Equals(keyId, required, StringComparison.OrdinalIgnoreCase)
            ? new MongoBackupException(ErrorIds.WrongEncryptionKey,
                $"{repository} takes snapshots encrypted under key {required} (its settings, Set-MongoRepository); {what} would be under key {keyId}. " +
                (arrival == SnapshotArrival.Copied
                    ? $"A copy keeps a snapshot's key: bring it under key {required} first (Update-MongoSnapshotKey in its own repository), copy it to a repository that takes key {keyId}, or change {repository}'s settings."
                    : "Use that repository's key, or change its settings."),
                target: repository)
            : null;
    }
}

/// <summary>How a snapshot comes into a repository, which decides what a refusal by its settings advises.</summary>
public enum SnapshotArrival
{
    /// <summary>Written by a backup, slice or policy run, which takes an encryption key.</summary>
    Written,

    /// <summary>Copied from another repository as it is (Copy-MongoSnapshot): its encryption cannot change on the way.</summary>
    Copied,
}

/// <summary>A repository that keeps <see cref="RepositorySettings"/> (folder, Azure Blob and S3 repositories).</summary>
public interface IRepositorySettingsStore
{
    /// <summary>The settings, or null when none were ever set.</summary>
    Task<RepositorySettings?> ReadSettingsAsync(CancellationToken ct);

    /// <summary>Writes the settings whole (a folder: temp file and rename; a blob store: a conditional write).</summary>
    /// <exception cref="MongoBackupException">RepositoryNotWritable when they cannot be written or were changed by someone else meanwhile.</exception>
    Task WriteSettingsAsync(RepositorySettings settings, CancellationToken ct);
}

/// <summary>Reads any repository's settings: none for a repository kind that keeps none (a -WhatIf plan).</summary>
public static class RepositorySettingsStore
{
    /// <summary>The repository's settings, or null when it keeps none or none were set.</summary>
    /// <exception cref="MongoBackupException">CorruptFile when the settings file is damaged; the store's translated failures.</exception>
    public static Task<RepositorySettings?> ReadAsync(ISnapshotRepository repository, CancellationToken ct) =>
        repository is IRepositorySettingsStore store ? store.ReadSettingsAsync(ct) : Task.FromResult<RepositorySettings?>(null);
}
