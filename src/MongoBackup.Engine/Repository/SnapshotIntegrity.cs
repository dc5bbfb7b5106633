using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Security;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// Checks every stored file of a snapshot (size, SHA-256, and for an encrypted one every chunk's authentication)
/// before a restore writes anything, so that nothing is restored half-way from a damaged file: a restore fails the
/// namespaces whose files are damaged before writing any of them (<see cref="FindDamagedAsync"/>); an oplog slice, one
/// stream for every namespace, is refused whole (<see cref="VerifyAsync"/>).
/// </summary>
public static class SnapshotIntegrity
{
    /// <summary>
    /// Checks every stored file (or those <paramref name="which"/> picks) as <see cref="VerifyAsync"/> does, but
    /// reports each damaged one (by manifest path) instead of stopping at the first, so a restore can fail just the
    /// namespaces whose files they are.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, CorruptDumpException>> FindDamagedAsync(
        ISnapshotRepository repository, SnapshotManifest manifest, DataKey? dataKey, CancellationToken ct, Func<ManifestFile, bool>? which = null)
    {
        var damaged = new Dictionary<string, CorruptDumpException>(StringComparer.Ordinal);
        foreach (var file in manifest.Files.Where(which ?? (_ => true)))
        {
            try
            {
                await using var stored = await SnapshotFileReader.OpenAsync(repository, manifest, file, dataKey, ct);
                await stored.VerifyToEndAsync(ct);
            }
            catch (CorruptDumpException e)
            {
                damaged[file.Path] = e; // a missing file too (SnapshotFileReader names it)
            }
        }
        return damaged;
    }

    /// <exception cref="CorruptDumpException">The first damaged file, named.</exception>
    public static async Task VerifyAsync(ISnapshotRepository repository, SnapshotManifest manifest, DataKey? dataKey, CancellationToken ct)
    {
        foreach (var file in manifest.Files)
        {
            await using var stored = await SnapshotFileReader.OpenAsync(repository, manifest, file, dataKey, ct);
            await stored.VerifyToEndAsync(ct);
        }
    }
}
