using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Export;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.TestServer;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// A repository that lived through the change of the default compression from gzip to zstd: a gzip full snapshot,
/// slices of every compression after it, then a zstd full and its slice. Compression is chosen per snapshot (its
/// manifest says which), so restores across the chain, verification, export and retention must read each snapshot
/// as its own manifest says, never assume the chain's base decides for all. Its own in-memory server, so the oplog
/// holds only this test's writes.
/// </summary>
public sealed class MixedCompressionChainTests : IDisposable
{
    private readonly MongoTestServer _server = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", Log = TextWriter.Null });
    private readonly TempFolder _folder = new();
    private ConnectionSettings Connection => new() { ConnectionString = _server.ConnectionString };
    private FolderRepository Repository => new(_folder.Path);

    public void Dispose()
    {
        _server.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task A_gzip_snapshot_and_slices_of_every_compression_restore_verify_export_and_retire_as_one_chain()
    {
        using var client = new MongoClient(_server.ConnectionString);
        var items = client.GetDatabase("app").GetCollection<BsonDocument>("items");
        await InsertAsync(items, 0, 9);
        var gzipFull = await BackUpAsync(Compression.Gzip);
        await InsertAsync(items, 10, 19);
        await items.UpdateManyAsync(Builders<BsonDocument>.Filter.Lt("_id", 5), Builders<BsonDocument>.Update.Set("touched", 1));
        var zstdSlice = await SliceAsync(null); // the default
        var afterZstdSlice = await StateAsync(items);
        await items.DeleteManyAsync(Builders<BsonDocument>.Filter.In("_id", new[] { 2, 12 }));
        await InsertAsync(items, 20, 29);
        var gzipSlice = await SliceAsync(Compression.Gzip);
        await InsertAsync(items, 30, 34);
        var plainSlice = await SliceAsync(Compression.None);
        var afterPlainSlice = await StateAsync(items);
        var zstdFull = await BackUpAsync(null);
        await items.UpdateOneAsync(Builders<BsonDocument>.Filter.Eq("_id", 30), Builders<BsonDocument>.Update.Set("touched", 2));
        var lastSlice = await SliceAsync(null);
        var atEnd = await StateAsync(items);

        Assert.Equal([Compression.Gzip, Compression.Zstd, Compression.Gzip, Compression.None, Compression.Zstd, Compression.Zstd],
            new[] { gzipFull, zstdSlice, gzipSlice, plainSlice, zstdFull, lastSlice }.Select(m => m.Compression));
        Assert.Contains(zstdSlice.Files, f => f.Path.EndsWith("oplog.bson.zst", StringComparison.Ordinal));

        // From the gzip snapshot, into its zstd slice, and on across the gzip and uncompressed slices.
        Assert.Equal(afterZstdSlice, await RestoredAtAsync(client, zstdSlice.OplogEnd!.Value, "app_a"));
        Assert.Equal(afterPlainSlice, await RestoredAtAsync(client, plainSlice.OplogEnd!.Value, "app_b"));
        Assert.Equal(atEnd, await RestoredAtAsync(client, lastSlice.OplogEnd!.Value, "app_c"));

        foreach (var manifest in await SnapshotCatalog.LoadCompleteAsync(Repository, CancellationToken.None))
        {
            var verification = await new SnapshotVerifier(new RecordingObserver()).VerifyAsync(Repository, manifest.Id, null, null, CancellationToken.None);
            Assert.True(verification.Passed, $"{manifest.Id} ({manifest.Compression}): {string.Join("; ", verification.Problems)}");
        }

        foreach (var full in new[] { gzipFull, zstdFull })
        {
            var exported = await new SnapshotExporter(new RecordingObserver()).RunAsync(new ExportRequest
            {
                Repository = Repository, SnapshotId = full.Id, Destination = Path.Combine(_folder.Path, $"export-{full.Compression}"), Gzip = true,
            }, CancellationToken.None);
            Assert.Equal(full.Namespaces.Sum(n => n.Documents), exported.Documents);
            Assert.True(File.Exists(Path.Combine(exported.Destination, "app", "items.bson.gz")), exported.Destination);
        }

        // Keeping the newest full retires the gzip one and the slices only its window needed, whatever their compression.
        var plan = await RetentionApplier.PlanAsync(Repository, new RetentionRules { KeepLast = 1 }, CancellationToken.None);
        Assert.Equal(new[] { gzipFull.Id, zstdSlice.Id, gzipSlice.Id, plainSlice.Id }.Order(StringComparer.Ordinal),
            plan.Removals.Select(r => r.SnapshotId).Order(StringComparer.Ordinal));
        await new RetentionApplier(new RecordingObserver()).ApplyAsync(Repository, plan.Removals.Select(r => r.SnapshotId).ToList(), CancellationToken.None);
        Assert.Equal(atEnd, await RestoredAtAsync(client, lastSlice.OplogEnd!.Value, "app_d"));
    }

    private async Task<SnapshotManifest> BackUpAsync(Compression? compression)
    {
        var request = new BackupRequest { Connection = Connection, Repository = Repository, Filter = new NamespaceFilter(databases: ["app"]) };
        return await new BackupRunner(new RecordingObserver()).RunAsync(compression is { } c ? request with { Compression = c } : request, CancellationToken.None);
    }

    private async Task<SnapshotManifest> SliceAsync(Compression? compression)
    {
        var request = new OplogSliceRequest { Connection = Connection, Repository = Repository };
        return await new OplogSliceRunner(new RecordingObserver()).RunAsync(compression is { } c ? request with { Compression = c } : request, CancellationToken.None)
            ?? throw new InvalidOperationException("the oplog had nothing new for a slice");
    }

    private async Task<List<string>> RestoredAtAsync(MongoClient client, OplogTimestamp at, string into)
    {
        var outcome = await new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(new PointInTimeRestoreRequest
        {
            Repository = Repository, Limit = OplogLimit.AtClusterTime(at),
            Restore = new RestoreRequest { Connection = Connection, Map = new NamespaceMap().AddDatabaseRename("app", into) },
        }, CancellationToken.None);
        Assert.True(outcome.Restore.Succeeded, outcome.Restore.OplogError);
        return await StateAsync(client.GetDatabase(into).GetCollection<BsonDocument>("items"));
    }

    /// <summary>The collection's documents as Extended JSON in _id order.</summary>
    private static async Task<List<string>> StateAsync(IMongoCollection<BsonDocument> items) =>
        (await items.Find(FilterDefinition<BsonDocument>.Empty).Sort(Builders<BsonDocument>.Sort.Ascending("_id")).ToListAsync()).Select(d => d.ToJson()).ToList();

    private static Task InsertAsync(IMongoCollection<BsonDocument> items, int from, int to) =>
        items.InsertManyAsync(Enumerable.Range(from, to - from + 1).Select(i => new BsonDocument { { "_id", i }, { "name", $"item {i}" } }));
}
