using MongoBackup.Engine.Security;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// Checks every stored file of a snapshot (size, SHA-256, and for an encrypted one every chunk's authentication)
/// before a restore writes anything, so a damaged snapshot is refused whole rather than restored half-way.
/// </summary>
public static class SnapshotIntegrity
{
    public static async Task VerifyAsync(ISnapshotRepository repository, SnapshotManifest manifest, DataKey? dataKey, CancellationToken ct)
    {
        foreach (var file in manifest.Files)
        {
            await using var stored = await SnapshotFileReader.OpenAsync(repository, manifest, file, dataKey, ct);
            await stored.VerifyToEndAsync(ct);
        }
    }
}
