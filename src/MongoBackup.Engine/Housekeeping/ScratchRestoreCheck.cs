using System.Security.Cryptography;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>
/// Proves a snapshot restores: restores it into scratch databases (&lt;db&gt;__verify_&lt;random&gt;) on a server,
/// compares each collection's document count with the manifest (a time-series collection's buckets, which its file and
/// the manifest count; its measurements reported beside them), and drops the scratch databases afterwards,
/// whatever happened. The snapshot's own oplog is not replayed: the manifest counts what was dumped. A cluster snapshot
/// is restored the same way, its shards as one (<see cref="Cluster.ClusterSnapshotReader"/>), each namespace's count
/// compared with its parts' on every shard summed.
/// </summary>
public sealed class ScratchRestoreCheck(IEngineObserver observer)
{
    /// <summary>
    /// Restores <paramref name="manifest"/>'s snapshot into scratch databases on <paramref name="connection"/>'s server and
    /// adds each collection's expected and restored document counts (and any failure) to <paramref name="result"/>; the
    /// scratch databases are dropped afterwards in every case.
    /// </summary>
    public async Task RunAsync(ISnapshotRepository repository, SnapshotManifest manifest, ConnectionSettings connection,
        EncryptionKeySource? keys, SnapshotVerification result, CancellationToken ct)
    {
        var suffix = "__verify_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        var namespaces = ShardSnapshotViews.NamespacesOf(manifest);
        var scratch = ScratchDatabaseNames.For(namespaces, suffix);
        if (scratch.Count == 0)
        {
            // Nothing to restore; a restore without renames would write under the real names.
            observer.Verbose($"Snapshot {manifest.Id} holds no collection: there is nothing to restore as a test.");
            result.RestoreChecked = true;
            return;
        }
        var map = new NamespaceMap();
        foreach (var (db, target) in scratch) map.AddDatabaseRename(db, target);

        using var scratchServer = MongoConnection.Open(connection);
        var client = scratchServer.Client;
        // A mongos is refused (ShardedClusterNotSupported) before anything is written, as -WhatIf plans it (VerificationPlan):
        // a restore takes one now, but the test into scratch databases is not done through a mongos yet.
        await ServerTopology.DiscoverAsync(client, ct).ConfigureAwait(false);
        observer.Verbose($"Restoring snapshot {manifest.Id} into scratch databases {string.Join(", ", scratch.Values)} on {connection.DisplayName}.");
        try
        {
            var request = new RestoreRequest
            {
                Connection = connection,
                Snapshot = new RepositorySnapshot(repository, manifest.Id),
                Map = map,
                NoOplogReplay = true,
                Encryption = keys,
                // The files were just read and checked one by one.
                VerifyBeforeRestore = false,
                IsScratchCheck = true,
            };
            var (outcome, _) = await new RestoreRunner(observer).RunAsync(request, scratchServer, [], null, ct).ConfigureAwait(false);
            foreach (var failed in outcome.Namespaces.Where(n => !n.Succeeded))
                result.Problems.Add($"Restoring {failed.SourceNamespace} failed: {failed.Error ?? $"{failed.Failures} documents were refused"}.");
            // A cluster's per-shard counts include a migration's orphans, which the restore leaves out.
            var orphans = outcome.Namespaces.ToDictionary(n => n.SourceNamespace, n => n.OrphansLeftOut, StringComparer.Ordinal);
            await CompareCountsAsync(client, namespaces, orphans, scratch, result, ct).ConfigureAwait(false);
            result.RestoreChecked = true;
        }
        finally
        {
            await DropAsync(client, scratch.Values, connection).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Each collection's count in the scratch databases against the manifest's, like with like: an ordinary collection's
    /// documents; a time-series collection's buckets (the manifest counts its file, which holds its buckets, so its
    /// buckets collection is counted), its measurements reported beside them.
    /// </summary>
    internal async Task CompareCountsAsync(IMongoClient client, IReadOnlyList<ManifestNamespace> namespaces, Dictionary<string, long> orphans,
        Dictionary<string, string> scratch, SnapshotVerification result, CancellationToken ct)
    {
        foreach (var ns in namespaces.Where(n => n.Type is CollectionMetadata.CollectionType or CollectionMetadata.TimeseriesType))
        {
            if (RestorePlanner.IsAuthCollection(ns.Database, ns.Collection))
            {
                // Users and roles (-IncludeUsersAndRoles) are restored as users, never as collections, and a test must not
                // create real users on the server; their files' documents, sizes and checksums were checked against the
                // manifest before the restore.
                observer.Verbose($"{ns.FullName} holds users, roles or the auth schema: checked by its file ({ns.Documents:N0} documents), not restored.");
                continue;
            }
            if (ModuleCollections.IsModuleOwned(ns.Collection))
            {
                // A snapshot taken before backups left the module's own records out: a restore skips them.
                observer.Verbose($"{ns.FullName} holds the records of a restore into {ns.Database} on the source: checked by its file, not restored.");
                continue;
            }
            var kind = CollectionKinds.FromTypeName(ns.Type);
            var collection = client.GetDatabase(scratch[ns.Database]).GetCollection<BsonDocument>(kind.DataCollection(ns.Collection));
            var restored = await collection.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty, cancellationToken: ct).ConfigureAwait(false);
            var buckets = kind == CollectionKind.Timeseries;
            var measurements = buckets ? await MeasurementsAsync(client, scratch[ns.Database], ns, ct).ConfigureAwait(false) : null;
            var leftOut = orphans.GetValueOrDefault(ns.FullName);
            var count = new RestoredCount($"{ns.Database}.{ns.Collection}", ns.Documents - leftOut, restored)
                { OrphansLeftOut = leftOut, Buckets = buckets, Measurements = measurements };
            result.RestoredCounts.Add(count);
            if (!count.Matches)
                result.Problems.Add($"{count.Namespace} restored {restored:N0} {(buckets ? "buckets" : "documents")}; the manifest records {ns.Documents:N0}" +
                    (leftOut > 0 ? $", of which {leftOut:N0} were a migration's orphans left out." : "."));
        }
    }

    /// <summary>A time-series collection's measurements, reported beside its buckets; unknown (null, said in verbose) when the server does not answer.</summary>
    private async Task<long?> MeasurementsAsync(IMongoClient client, string database, ManifestNamespace ns, CancellationToken ct)
    {
        try { return await TimeseriesMeasurements.CountAsync(client, database, ns.Collection, ct).ConfigureAwait(false); }
        catch (MongoException e)
        {
            observer.Verbose($"{ns.FullName}: the measurements of its restored buckets could not be counted: {e.Message}");
            return null;
        }
    }

    private async Task DropAsync(IMongoClient client, IEnumerable<string> databases, ConnectionSettings connection)
    {
        foreach (var database in databases)
        {
            // Not cancellable: scratch databases must not outlive a stopped test.
            try { await client.DropDatabaseAsync(database, CancellationToken.None).ConfigureAwait(false); }
            catch (MongoException e)
            {
                observer.Warning($"The scratch database {database} on {connection.DisplayName} could not be dropped: {e.Message}. Drop it by hand.");
            }
        }
    }
}
