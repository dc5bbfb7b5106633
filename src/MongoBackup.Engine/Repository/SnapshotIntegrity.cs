using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Security;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// Checks a snapshot before a restore writes anything, so a damaged or altered snapshot is refused whole rather than
/// restored half-way: its manifest must hold together (<see cref="ManifestChecks"/>), every stored file must have the
/// size and SHA-256 it records (and, encrypted, every chunk must authenticate), and its oplog must be the range it records.
/// </summary>
public static class SnapshotIntegrity
{
    /// <summary>Refuses a manifest that does not hold together, naming every problem (CorruptFile).</summary>
    public static void RequireConsistent(SnapshotManifest manifest)
    {
        var problems = ManifestChecks.Problems(manifest);
        if (problems.Count > 0)
            throw new MongoBackupException(ErrorIds.CorruptFile,
                $"Snapshot {manifest.Id} is not restored: {string.Join(" ", problems)}", target: $"{manifest.Id}/{SnapshotManifest.FileName}");
    }

    /// <summary>The manifest's consistency, then every file, then the oplog's entries against its recorded range.</summary>
    public static async Task VerifyAsync(ISnapshotRepository repository, SnapshotManifest manifest, DataKey? dataKey, CancellationToken ct)
    {
        RequireConsistent(manifest);
        foreach (var file in manifest.Files)
        {
            await using var stored = await SnapshotFileReader.OpenAsync(repository, manifest, file, dataKey, ct);
            if (file.Kind == ManifestFileKind.Oplog)
            {
                var check = new OplogFileCheck(manifest, stored.DisplayName);
                using var reader = new BsonDocumentReader(stored.Content, stored.DisplayName);
                while (await reader.ReadNextAsync(ct) is { } entry) check.Observe(entry);
                await stored.VerifyToEndAsync(ct);
                check.ThrowIfWrong();
                continue;
            }
            await stored.VerifyToEndAsync(ct);
        }
    }
}
