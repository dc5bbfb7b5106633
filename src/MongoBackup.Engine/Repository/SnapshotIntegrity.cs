using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Security;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// Checks a snapshot before a restore writes anything, so nothing is restored half-way from a damaged or altered
/// snapshot: its manifest must hold together as a whole (<see cref="ManifestChecks"/>), every stored file must have
/// the size and SHA-256 it records (and, encrypted, every chunk must authenticate), and its oplog must be the range it
/// records. A restore fails just the namespaces whose files are damaged (<see cref="FindDamagedAsync"/>); an oplog
/// slice, one stream for every namespace, is refused whole (<see cref="VerifyAsync"/>).
/// </summary>
public static class SnapshotIntegrity
{
    /// <summary>Refuses a manifest that does not hold together as a whole, naming every such problem (CorruptFile).</summary>
    public static void RequireConsistent(SnapshotManifest manifest) => Refuse(manifest, ManifestChecks.Check(manifest).Whole);

    /// <summary>
    /// Checks every stored file (or those <paramref name="which"/> picks) as <see cref="VerifyAsync"/> does, but
    /// reports each damaged one (by manifest path) instead of stopping at the first, so a restore can fail just the
    /// namespaces whose files they are.
    /// </summary>
    /// <exception cref="MongoBackupException">CorruptFile: the oplog file is intact but not the range the manifest records
    /// (its range, count or consistency point was changed), so the manifest as a whole is not to be believed.</exception>
    public static async Task<IReadOnlyDictionary<string, CorruptDumpException>> FindDamagedAsync(
        ISnapshotRepository repository, SnapshotManifest manifest, DataKey? dataKey, CancellationToken ct, Func<ManifestFile, bool>? which = null)
    {
        var damaged = new Dictionary<string, CorruptDumpException>(StringComparer.Ordinal);
        foreach (var file in manifest.Files.Where(which ?? (_ => true)))
        {
            try
            {
                await CheckFileAsync(repository, manifest, file, dataKey, ct);
            }
            catch (CorruptDumpException e)
            {
                damaged[file.Path] = e; // a missing file too (SnapshotFileReader names it)
            }
        }
        return damaged;
    }

    /// <summary>The manifest's consistency, then every file, then the oplog's entries against its recorded range.</summary>
    /// <exception cref="CorruptDumpException">The first damaged file, named.</exception>
    /// <exception cref="MongoBackupException">CorruptFile: the manifest does not hold together, or its oplog range does not match the file.</exception>
    public static async Task VerifyAsync(ISnapshotRepository repository, SnapshotManifest manifest, DataKey? dataKey, CancellationToken ct)
    {
        Refuse(manifest, ManifestChecks.Problems(manifest));
        foreach (var file in manifest.Files) await CheckFileAsync(repository, manifest, file, dataKey, ct);
    }

    private static async Task CheckFileAsync(ISnapshotRepository repository, SnapshotManifest manifest, ManifestFile file, DataKey? dataKey, CancellationToken ct)
    {
        await using var stored = await SnapshotFileReader.OpenAsync(repository, manifest, file, dataKey, ct);
        if (file.Kind != ManifestFileKind.Oplog)
        {
            await stored.VerifyToEndAsync(ct);
            return;
        }
        var check = new OplogFileCheck(manifest, stored.DisplayName);
        using var reader = new BsonDocumentReader(stored.Content, stored.DisplayName);
        while (await reader.ReadNextAsync(ct) is { } entry) check.Observe(entry);
        await stored.VerifyToEndAsync(ct);
        check.ThrowIfWrong(); // only once the file is known to be the one the manifest records
    }

    private static void Refuse(SnapshotManifest manifest, IReadOnlyCollection<string> problems)
    {
        if (problems.Count > 0)
            throw new MongoBackupException(ErrorIds.CorruptFile,
                $"Snapshot {manifest.Id} is not restored: {string.Join(" ", problems)}", target: $"{manifest.Id}/{SnapshotManifest.FileName}");
    }
}
