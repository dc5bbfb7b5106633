using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>
/// What Test-MongoSnapshot would do with one snapshot, found without reading its files or writing anything (for
/// -WhatIf): its manifest, whether its documents would be parsed (an encrypted one only with its key), and the
/// scratch server asked what it is, as the test's restore asks.
/// </summary>
/// <param name="Manifest">The snapshot's manifest (its files, sizes and namespaces).</param>
/// <param name="Parses">False for an encrypted snapshot without its key: only sizes and SHA-256 would be checked, and no scratch restore made.</param>
public sealed record VerificationPlan(SnapshotManifest Manifest, bool Parses)
{
    /// <summary>The plan of testing <paramref name="snapshotId"/>, restoring it into <paramref name="restoreInto"/> when given.</summary>
    /// <exception cref="MongoBackupException">SnapshotNotFound; the scratch server's refusals as the test meets them (unreachable, a mongos).</exception>
    public static async Task<VerificationPlan> BuildAsync(ISnapshotRepository repository, string snapshotId, ConnectionSettings? restoreInto,
        EncryptionKeySource? keys, CancellationToken ct)
    {
        var manifest = await SnapshotCatalog.FindAsync(repository, snapshotId, ct).ConfigureAwait(false);
        var parses = manifest.Encryption is null || keys is not null;
        if (restoreInto is not null && parses)
        {
            using var scratch = MongoConnection.Open(restoreInto);
            await ServerTopology.DiscoverAsync(scratch.Client, ct).ConfigureAwait(false);
        }
        return new VerificationPlan(manifest, parses);
    }
}
