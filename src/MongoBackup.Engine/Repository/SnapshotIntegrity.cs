using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Security;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// Checks every stored file of a snapshot (size, SHA-256, and for an encrypted one every chunk's authentication)
/// before a restore writes anything, so a damaged snapshot is refused whole rather than restored half-way.
/// </summary>
public static class SnapshotIntegrity
{
    /// <summary>
    /// Checks every stored file as <see cref="VerifyAsync"/> does, but reports each damaged one (by manifest path)
    /// instead of stopping at the first, so a restore can fail just the namespaces whose files they are.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, CorruptDumpException>> FindDamagedAsync(
        ISnapshotRepository repository, SnapshotManifest manifest, DataKey? dataKey, CancellationToken ct)
    {
        var damaged = new Dictionary<string, CorruptDumpException>(StringComparer.Ordinal);
        foreach (var file in manifest.Files)
        {
            try
            {
                await using var stored = await SnapshotFileReader.OpenAsync(repository, manifest, file, dataKey, ct);
                await stored.VerifyToEndAsync(ct);
            }
            catch (CorruptDumpException e)
            {
                damaged[file.Path] = e;
            }
            catch (FileNotFoundException e)
            {
                damaged[file.Path] = new CorruptDumpException($"{manifest.Id}/{file.Path}", 0, $"the file is missing from {repository.Location}", e);
            }
        }
        return damaged;
    }

    public static async Task VerifyAsync(ISnapshotRepository repository, SnapshotManifest manifest, DataKey? dataKey, CancellationToken ct)
    {
        foreach (var file in manifest.Files)
        {
            await using var stored = await SnapshotFileReader.OpenAsync(repository, manifest, file, dataKey, ct);
            await stored.VerifyToEndAsync(ct);
        }
    }
}
