using System.Text.Json;
using System.Text.Json.Serialization;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// The outcome of a snapshot's last verification (Test-MongoSnapshot), kept with the snapshot as the mark
/// <see cref="MarkName"/> beside its manifest, so an audit can ask when each snapshot was last verified and whether it
/// passed. A mark, not a manifest field: recording a test never rewrites manifest.json, so an encrypted snapshot's seal
/// and every file's binding stay as the backup wrote them, and a repository whose manifests the tester could not open
/// (no key) can still be recorded. It goes with the snapshot when it is removed; a copy does not carry it (the copy
/// itself has not been verified). Not authenticated: it says what a test found, it proves nothing by itself.
/// </summary>
/// <param name="SnapshotId">The snapshot tested (a record beside another snapshot's manifest, copied there by hand, is not read as its).</param>
/// <param name="VerifiedAt">When the test finished, UTC.</param>
/// <param name="Passed">Whether nothing wrong was found.</param>
/// <param name="Mode">What kind of test: <see cref="HashesMode"/>, <see cref="FilesMode"/> or <see cref="RestoreMode"/>.</param>
/// <param name="Checked">What was checked, in words.</param>
/// <param name="Problems">How many problems were found.</param>
/// <param name="FirstProblem">The first problem, naming its file or namespace; null when it passed.</param>
/// <param name="Documents">User documents parsed from the data files (0 when only hashes were checked).</param>
/// <param name="ConfirmedAt">When a later test that checked less passed and left this (stronger, passing) record in place, UTC;
/// null when none did. So an audit asking which snapshots passed no test since a date (-NotVerifiedSince) counts that test.</param>
public sealed record VerificationRecord(
    [property: JsonPropertyName("snapshotId")] string SnapshotId,
    [property: JsonPropertyName("verifiedAt")] DateTimeOffset VerifiedAt,
    [property: JsonPropertyName("passed")] bool Passed,
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("checked")] string Checked,
    [property: JsonPropertyName("problems")] int Problems,
    [property: JsonPropertyName("firstProblem")] string? FirstProblem,
    [property: JsonPropertyName("documents")] long Documents,
    [property: JsonPropertyName("confirmedAt"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? ConfirmedAt = null)
{
    /// <summary>The mark's name in its snapshot (on a blob store, the object PREFIX/&lt;id&gt;/.mongobackup-verified).</summary>
    public const string MarkName = ".mongobackup-verified";

    /// <summary>An encrypted snapshot tested without its key: sizes and SHA-256 only.</summary>
    public const string HashesMode = "Hashes";
    /// <summary>Every file read: size, SHA-256, decompression, decryption and every document's BSON, and the manifest's checks.</summary>
    public const string FilesMode = "Files";
    /// <summary>The files' checks and a restore into scratch databases whose counts matched the manifest's.</summary>
    public const string RestoreMode = "Restore";

    /// <summary>
    /// How much a mode proves, for keeping the strongest record (Hashes 1, Files 2, Restore 3; 0 for a mode this version
    /// does not know, which any test replaces).
    /// </summary>
    public static int Strength(string mode) => mode switch
    {
        HashesMode => 1,
        FilesMode => 2,
        RestoreMode => 3,
        _ => 0,
    };

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, TypeInfoResolver = RepositoryJsonContext.Default };

    /// <summary>The <see cref="Status"/> of a test that found nothing wrong.</summary>
    public const string PassedStatus = "Passed";
    /// <summary>The <see cref="Status"/> of a test that found a problem.</summary>
    public const string FailedStatus = "Failed";

    /// <summary>When a test last passed: this record's own test, or a weaker one that passed after it (<see cref="ConfirmedAt"/>); null when it failed.</summary>
    [JsonIgnore]
    public DateTimeOffset? LastPassedAt => !Passed ? null : ConfirmedAt is { } confirmed && confirmed > VerifiedAt ? confirmed : VerifiedAt;

    /// <summary><see cref="PassedStatus"/> or <see cref="FailedStatus"/>, as Get-MongoSnapshot's VerificationStatus says it.</summary>
    [JsonIgnore]
    public string Status => Passed ? PassedStatus : FailedStatus;

    /// <summary>Indented JSON, the mark's content.</summary>
    public string Serialize() => JsonSerializer.Serialize(this, Options);

    /// <summary>The record, or null when the text is not one (a damaged record reads as no verification, never as a pass).</summary>
    public static VerificationRecord? TryParse(string text)
    {
        try
        {
            var record = JsonSerializer.Deserialize<VerificationRecord>(text, Options);
            return record is { SnapshotId.Length: > 0, Mode.Length: > 0 } ? record : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The last verification recorded for <paramref name="snapshotId"/> (one read of its mark), or null when none was, the
    /// repository keeps no marks, or the record is damaged or names another snapshot.
    /// </summary>
    /// <exception cref="MongoBackupException">The store's translated failures.</exception>
    public static async Task<VerificationRecord?> ReadAsync(ISnapshotRepository repository, string snapshotId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(repository);
        if (repository.Marks is not { } marks) return null;
        var text = await marks.ReadMarkAsync(snapshotId, MarkName, ct).ConfigureAwait(false);
        return text is not null && TryParse(text) is { } record && record.SnapshotId == snapshotId ? record : null;
    }

    /// <summary>
    /// Records this outcome with its snapshot, replacing the one before (the verifier keeps a stronger passing record from
    /// being replaced by a weaker test that passed, see <see cref="Strength"/>). False when it could not be (a repository that keeps
    /// no marks, read-only media, access refused, the snapshot gone), said through <paramref name="warning"/>: a test that
    /// ran is not failed by a record it could not leave.
    /// </summary>
    public async Task<bool> WriteAsync(ISnapshotRepository repository, Action<string> warning, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(warning);
        if (repository.Marks is not { } marks)
        {
            warning($"The outcome of testing snapshot {SnapshotId} is not recorded: {repository.Location} keeps no records beside its snapshots.");
            return false;
        }
        try
        {
            if (await marks.WriteMarkAsync(SnapshotId, MarkName, Serialize(), ct).ConfigureAwait(false)) return true;
            warning($"The outcome of testing snapshot {SnapshotId} is not recorded: the snapshot was removed from {repository.Location} meanwhile.");
            return false;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException ||
                                  e is MongoBackupException { ErrorId: ErrorIds.RepositoryAccessDenied or ErrorIds.RepositoryNotWritable })
        {
            warning($"The outcome of testing snapshot {SnapshotId} is not recorded in {repository.Location} ({e.Message}); Get-MongoSnapshot will not show this test.");
            return false;
        }
    }
}
