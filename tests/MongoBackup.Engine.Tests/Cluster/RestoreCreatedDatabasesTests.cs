using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.TestServer;
using MongoBackup.TestServer.Sharding;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// The databases a restore of a replica set's snapshot creates through a mongos: those its replayed oplog creates go on
/// the primary shard of the others, as the restore's own do, so a rename between them in the same replay is applied; and
/// one it created and left holding nothing is not left behind in the cluster's config.databases. Each test has a replica
/// set of its own, so a whole-server backup holds only what the test wrote.
/// </summary>
public sealed class RestoreCreatedDatabasesTests : IDisposable
{
    private readonly MongoTestServer _server = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", Log = TextWriter.Null });
    private readonly MongoClient _client;
    private readonly TempFolder _folder = new();
    private readonly FolderRepository _repository;
    private readonly ShardedCluster _cluster = ShardedCluster.Start(new ShardedClusterOptions { Shards = 2, Members = new TestServerOptions { Log = TextWriter.Null } });
    private readonly MongoClient _mongos;

    public RestoreCreatedDatabasesTests()
    {
        _client = new MongoClient(_server.ConnectionString);
        _repository = new FolderRepository(_folder.Path);
        _mongos = new MongoClient(_cluster.ConnectionString);
    }

    public void Dispose()
    {
        _mongos.Dispose();
        _cluster.Dispose();
        _client.Dispose();
        _folder.Dispose();
        _server.Dispose();
    }

    private ConnectionSettings Source => new() { ConnectionString = _server.ConnectionString };
    private ConnectionSettings Target => new() { ConnectionString = _cluster.ConnectionString };

    /// <summary>
    /// The snapshot holds shop.orders and shop.customers; in the window the application writes the first document of a
    /// new database, history (its first write creates it), then moves shop.orders to history.orders2023: renamed across
    /// databases at the source (which a replica set logs as a copy into history and a rename within it), or renamed within
    /// shop and mapped there by the restore (one renameCollection across databases, replayed as such through the mongos).
    /// Left to the cluster, history would go to the least-loaded shard, not shop's, and mongos would refuse the mapped
    /// rename ("must be on same shard").
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_database_the_replayed_oplog_creates_goes_on_the_restores_primary_shard_so_a_later_rename_into_it_is_applied(bool mapped)
    {
        await _client.GetDatabase("shop").GetCollection<BsonDocument>("orders").InsertManyAsync(
            Enumerable.Range(1, 4).Select(i => new BsonDocument { { "_id", i }, { "total", i * 10 } }));
        await _client.GetDatabase("shop").GetCollection<BsonDocument>("customers").InsertOneAsync(new BsonDocument("_id", 1));
        await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Source, Repository = _repository, Compression = Compression.None,
        }, CancellationToken.None);
        await _client.GetDatabase("history").GetCollection<BsonDocument>("notes").InsertOneAsync(new BsonDocument { { "_id", 1 }, { "text", "archive opened" } });
        await _client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument { { "renameCollection", "shop.orders" }, { "to", (mapped ? "shop" : "history") + ".orders2023" } });
        var slice = await new OplogSliceRunner(new RecordingObserver()).RunAsync(new OplogSliceRequest { Connection = Source, Repository = _repository }, CancellationToken.None);

        var observer = new RecordingObserver();
        var outcome = await new PointInTimeRestoreRunner(observer).RunAsync(new PointInTimeRestoreRequest
        {
            Repository = _repository, Limit = OplogLimit.AtClusterTime(slice!.OplogEnd!.Value),
            Restore = new RestoreRequest { Connection = Target, Map = mapped ? new NamespaceMap().Add("shop.orders2023", "history.orders2023") : NamespaceMap.Identity },
        }, CancellationToken.None);

        Assert.True(outcome.Restore.Succeeded, outcome.Restore.OplogError ?? string.Join("; ", outcome.Restore.Namespaces.Select(n => n.Error)));
        var orders = await _mongos.GetDatabase("history").GetCollection<BsonDocument>("orders2023").Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync();
        Assert.Equal([10, 20, 30, 40], orders.Select(d => d["total"].AsInt32));
        Assert.Equal("archive opened", (await _mongos.GetDatabase("history").GetCollection<BsonDocument>("notes").Find(FilterDefinition<BsonDocument>.Empty).SingleAsync())["text"].AsString);
        Assert.Equal(["customers"], await (await _mongos.GetDatabase("shop").ListCollectionNamesAsync()).ToListAsync());
        var primaries = await PrimariesAsync();
        Assert.Equal(primaries["shop"], primaries["history"]);
        Assert.Contains(observer.Verboses, v => v.Contains("history: created by the replayed oplog on the primary shard " + primaries["shop"]));
    }

    /// <summary>
    /// The restore creates both target databases before any namespace is prepared; the only collection of one of them is
    /// damaged and refused (checked first, never created). That database, which the restore created and which holds
    /// nothing, is not left in config.databases; the other is restored.
    /// </summary>
    [Fact]
    public async Task A_database_the_restore_created_and_left_empty_is_dropped_and_the_others_stay()
    {
        var manifest = await BackUpWithDamagedReportsAsync();

        var observer = new RecordingObserver();
        var outcome = await RestoreCheckedFirstAsync(manifest, observer);

        var failure = Assert.Single(observer.Failures);
        Assert.Equal("reports.daily", failure.Namespace);
        Assert.Equal(ErrorIds.CorruptFile, failure.Error.ErrorId);
        Assert.Equal(3, await _mongos.GetDatabase("shop").GetCollection<BsonDocument>("orders").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        var primaries = await PrimariesAsync();
        Assert.True(primaries.ContainsKey("shop"));
        Assert.False(primaries.ContainsKey("reports"), "the empty database the restore created is left in config.databases");
        Assert.DoesNotContain("reports", await (await _mongos.ListDatabaseNamesAsync()).ToListAsync());
        Assert.Contains(observer.Verboses, v => v.Contains("reports: created by this restore and left holding nothing; dropped"));
        Assert.False(outcome.Succeeded);
    }

    /// <summary>A database the cluster had before the restore stays, empty or not: only what the restore created is taken back.</summary>
    [Fact]
    public async Task An_empty_database_the_cluster_had_before_the_restore_is_left_alone()
    {
        var manifest = await BackUpWithDamagedReportsAsync();
        await _mongos.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument { { "enableSharding", "reports" }, { "primaryShard", ShardedCluster.ShardName(1) } });

        var outcome = await RestoreCheckedFirstAsync(manifest, new RecordingObserver());

        Assert.False(outcome.Succeeded);
        var primaries = await PrimariesAsync();
        Assert.Equal(ShardedCluster.ShardName(1), primaries["reports"]);
        Assert.Equal(ShardedCluster.ShardName(1), primaries["shop"]);
    }

    /// <summary>
    /// Stopped (Ctrl+C) once it has created both target databases (enableSharding) and before any collection: neither is
    /// left empty in config.databases, and the stop's message names them; the same restore with -Resume then restores all.
    /// </summary>
    [Fact]
    public async Task A_restore_stopped_after_creating_its_databases_drops_those_holding_nothing_says_so_and_resumes()
    {
        await _client.GetDatabase("shop").GetCollection<BsonDocument>("orders").InsertManyAsync(Enumerable.Range(1, 3).Select(i => new BsonDocument("_id", i)));
        await _client.GetDatabase("reports").GetCollection<BsonDocument>("daily").InsertManyAsync(Enumerable.Range(1, 5).Select(i => new BsonDocument("_id", i)));
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Source, Repository = _repository, Compression = Compression.None, Filter = new NamespaceFilter(databases: ["shop", "reports"]),
        }, CancellationToken.None);
        var request = new RestoreRequest { Connection = Target, Snapshot = new RepositorySnapshot(_repository, manifest.Id) };
        using var stop = new CancellationTokenSource();
        // The databases are created in their names' order: the stop comes once the last, shop, is.
        var observer = new RecordingObserver { OnVerbose = m => { if (m.StartsWith("shop: created", StringComparison.Ordinal)) stop.Cancel(); } };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new RestoreRunner(observer).RunAsync(request, stop.Token));

        Assert.Contains(observer.Verboses, v => v.StartsWith("reports: created", StringComparison.Ordinal));
        var primaries = await PrimariesAsync();
        Assert.False(primaries.ContainsKey("shop"), "an empty database the stopped restore created is left in config.databases");
        Assert.False(primaries.ContainsKey("reports"), "an empty database the stopped restore created is left in config.databases");
        var said = Assert.Single(observer.Warnings, w => w.StartsWith("Stopped:", StringComparison.Ordinal));
        Assert.Contains("Created by this restore and holding nothing yet, so dropped (a -Resume creates them again): reports, shop.", said);

        var resumed = await new RestoreRunner(new RecordingObserver()).RunAsync(request with { Resume = true }, CancellationToken.None);

        Assert.True(resumed.Succeeded, string.Join("; ", resumed.Namespaces.Select(n => n.Error)));
        Assert.Equal(3, await _mongos.GetDatabase("shop").GetCollection<BsonDocument>("orders").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.Equal(5, await _mongos.GetDatabase("reports").GetCollection<BsonDocument>("daily").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        var after = await PrimariesAsync();
        Assert.Equal(after["shop"], after["reports"]);
    }

    /// <summary>shop.orders (3 documents) and reports.daily backed up, then reports.daily's file cut in half.</summary>
    private async Task<SnapshotManifest> BackUpWithDamagedReportsAsync()
    {
        await _client.GetDatabase("shop").GetCollection<BsonDocument>("orders").InsertManyAsync(Enumerable.Range(1, 3).Select(i => new BsonDocument("_id", i)));
        await _client.GetDatabase("reports").GetCollection<BsonDocument>("daily").InsertManyAsync(
            Enumerable.Range(1, 50).Select(i => new BsonDocument { { "_id", i }, { "text", new string('r', 200) } }));
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Source, Repository = _repository, Compression = Compression.None, Filter = new NamespaceFilter(databases: ["shop", "reports"]),
        }, CancellationToken.None);
        var file = _repository.LocalPath(manifest.Id, "reports/daily.bson")!;
        var bytes = await File.ReadAllBytesAsync(file);
        await File.WriteAllBytesAsync(file, bytes[..(bytes.Length / 2)]);
        return manifest;
    }

    private Task<RestoreOutcome> RestoreCheckedFirstAsync(SnapshotManifest manifest, RecordingObserver observer) =>
        new RestoreRunner(observer).RunAsync(new RestoreRequest
        {
            Connection = Target, Snapshot = new RepositorySnapshot(_repository, manifest.Id), VerifyBeforeRestore = true,
        }, CancellationToken.None);

    private async Task<Dictionary<string, string>> PrimariesAsync() =>
        (await _mongos.GetDatabase("config").GetCollection<BsonDocument>("databases").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync())
        .ToDictionary(d => d["_id"].AsString, d => d["primary"].AsString);
}
