using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.Engine.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Oplog;

/// <summary>
/// Finding operations in the oplog a repository holds (finding 6 of the new user's report: the moment of a drop, found
/// without the server): a drop among slices, whose moment just before restores everything but it; operations inside a
/// transaction; a chain of a full snapshot's own oplog and slices read once each, in order; encrypted snapshots; filters.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class OplogSearchTests(MongoServerFixture server) : IDisposable
{
    private readonly RepositoryScenario _scenario = new(server);

    public void Dispose() => _scenario.Dispose();

    [Fact]
    public async Task Finds_the_drop_among_slices_and_the_moment_just_before_it_restores_every_document_the_collection_held()
    {
        var database = TestDatabases.NewName("finddrop");
        var items = server.Client.GetDatabase(database).GetCollection<BsonDocument>("items");
        await items.InsertOneAsync(new BsonDocument("_id", "seed"));
        await _scenario.BackUpAsync(database);
        await items.InsertManyAsync([new BsonDocument("_id", "a"), new BsonDocument("_id", "b")]);
        var first = await _scenario.SliceAsync();
        await items.InsertOneAsync(new BsonDocument("_id", "c"));
        await server.Client.GetDatabase(database).DropCollectionAsync("items");
        await server.Client.GetDatabase(database).GetCollection<BsonDocument>("items").InsertOneAsync(new BsonDocument("_id", "after the drop"));
        var second = await _scenario.SliceAsync();

        var drops = await FindAsync(new OplogSearchFilter([$"{database}.items"], ["Drop"]));

        var drop = Assert.Single(drops);
        Assert.Equal(("Drop", $"{database}.items", second.Id), (drop.Operation, drop.Namespace, drop.SnapshotId));
        Assert.Contains("\"drop\" : \"items\"", drop.Summary, StringComparison.Ordinal);
        Assert.NotNull(drop.WallTime);
        Assert.True(first.OplogEnd!.Value < drop.Timestamp && drop.Timestamp <= second.OplogEnd!.Value);
        var target = TestDatabases.NewName("finddrop_r");
        var outcome = await _scenario.RestoreToAsync(drop.JustBefore, database, target);
        Assert.True(outcome.Succeeded, outcome.OplogError);
        var restored = await server.Client.GetDatabase(target).GetCollection<BsonDocument>("items").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        Assert.Equal(["a", "b", "c", "seed"], restored.Select(d => d["_id"].AsString).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Finds_the_operations_inside_a_transaction_each_with_the_transactions_timestamp()
    {
        var database = TestDatabases.NewName("findtxn");
        var items = server.Client.GetDatabase(database).GetCollection<BsonDocument>("items");
        await items.InsertOneAsync(new BsonDocument("_id", "seed"));
        await _scenario.BackUpAsync(database);
        using (var session = await server.Client.StartSessionAsync())
        {
            session.StartTransaction();
            await items.InsertOneAsync(session, new BsonDocument("_id", "t1"));
            await items.InsertOneAsync(session, new BsonDocument("_id", "t2"));
            await items.DeleteOneAsync(session, new BsonDocument("_id", "seed"));
            await session.CommitTransactionAsync();
        }
        await _scenario.SliceAsync();

        var found = await FindAsync(new OplogSearchFilter([$"{database}.items"], ["Insert", "Delete"]));

        Assert.Equal(["Insert _id: \"t1\"", "Insert _id: \"t2\"", "Delete _id: \"seed\""], found.Select(f => $"{f.Operation} {f.Summary}"));
        Assert.All(found, f => Assert.True(f.InTransaction));
        Assert.Single(found.Select(f => f.Timestamp).Distinct());
        // Just before the transaction's entry: none of it is restored.
        var target = TestDatabases.NewName("findtxn_r");
        Assert.True((await _scenario.RestoreToAsync(found[0].JustBefore, database, target)).Succeeded);
        var restored = await server.Client.GetDatabase(target).GetCollection<BsonDocument>("items").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        Assert.Equal(["seed"], restored.Select(d => d["_id"].AsString));
    }

    [Fact]
    public async Task Reads_a_full_snapshots_own_oplog_and_the_slices_after_it_once_each_in_timestamp_order()
    {
        var database = TestDatabases.NewName("findchain");
        var items = server.Client.GetDatabase(database).GetCollection<BsonDocument>("items");
        await items.InsertOneAsync(new BsonDocument("_id", 0));
        // Written while the backup runs (after its catalog is listed): held by the full snapshot's own oplog.
        var full = await _scenario.BackUpAsync(database, catalogListed: ct => items.InsertOneAsync(new BsonDocument("_id", 1), cancellationToken: ct));
        await items.InsertOneAsync(new BsonDocument("_id", 2));
        var first = await _scenario.SliceAsync();
        // A second slice overlapping the first is not possible through the runner; a third entry in a slice of its own.
        await items.InsertOneAsync(new BsonDocument("_id", 3));
        var second = await _scenario.SliceAsync();

        var inserts = await FindAsync(new OplogSearchFilter([$"{database}.*"], ["Insert"]));

        Assert.Equal([1, 2, 3], inserts.Select(f => int.Parse(f.Summary["_id: ".Length..], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal([full.Id, first.Id, second.Id], inserts.Select(f => f.SnapshotId));
        Assert.True(inserts.Zip(inserts.Skip(1)).All(p => p.First.Timestamp < p.Second.Timestamp));
    }

    [Fact]
    public async Task Searches_encrypted_snapshots_with_their_key_and_refuses_without_it()
    {
        var database = TestDatabases.NewName("findenc");
        var db = server.Client.GetDatabase(database);
        await db.GetCollection<BsonDocument>("items").InsertOneAsync(new BsonDocument("_id", "seed"));
        var keys = EncryptionKeySource.FromPassphrase(SecureText.Of("a passphrase for the oplog search"));
        var repository = _scenario.Repository;
        await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = _scenario.Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]), Encryption = keys,
        }, CancellationToken.None);
        await db.DropCollectionAsync("items");
        var slice = await new OplogSliceRunner(new RecordingObserver()).RunAsync(
            new OplogSliceRequest { Connection = _scenario.Connection, Repository = repository, Encryption = keys }, CancellationToken.None);
        Assert.NotNull(slice!.Encryption);

        var refusal = await Assert.ThrowsAsync<MongoBackupException>(() => FindAsync(new OplogSearchFilter([$"{database}.items"], ["Drop"])));
        Assert.Equal(ErrorIds.EncryptionKeyRequired, refusal.ErrorId);

        var drop = Assert.Single(await FindAsync(new OplogSearchFilter([$"{database}.items"], ["Drop"]), keys));
        Assert.Equal(slice.Id, drop.SnapshotId);
    }

    [Fact]
    public async Task Filters_by_time_operation_names_and_the_namespaces_a_rename_or_a_dropDatabase_touches()
    {
        var database = TestDatabases.NewName("findfilter");
        var db = server.Client.GetDatabase(database);
        await db.GetCollection<BsonDocument>("a").InsertOneAsync(new BsonDocument("_id", "seed"));
        await _scenario.BackUpAsync(database);
        await db.GetCollection<BsonDocument>("a").InsertOneAsync(new BsonDocument("_id", 1));
        await db.RenameCollectionAsync("a", "b");
        await db.GetCollection<BsonDocument>("b").InsertOneAsync(new BsonDocument("_id", 2));
        await server.Client.DropDatabaseAsync(database);
        await _scenario.SliceAsync();

        var all = await FindAsync(new OplogSearchFilter([$"{database}.*"]));
        var rename = Assert.Single(all, f => f.Operation == "RenameCollection");
        Assert.Equal(($"{database}.a", $"{database}.b"), (rename.Namespace, rename.RenamedTo));
        // The rename is found by its target too, and the dropDatabase by a collection's namespace in it.
        Assert.Contains(await FindAsync(new OplogSearchFilter([$"{database}.b"], ["RenameCollection"])), f => f.Timestamp == rename.Timestamp);
        var dropDatabase = Assert.Single(await FindAsync(new OplogSearchFilter([$"{database}.customers"], ["DropDatabase"])));
        Assert.Equal(database, dropDatabase.Namespace);
        // Command matches every command; wildcards and any case name operations.
        var commands = await FindAsync(new OplogSearchFilter([$"{database}.*"], ["command"]));
        Assert.Contains(commands, f => f.Operation == "RenameCollection");
        Assert.All(commands, f => Assert.DoesNotContain(f.Operation, new[] { "Insert", "Update", "Delete", "Noop" }));
        Assert.Contains(await FindAsync(new OplogSearchFilter([$"{database}.*"], ["drop*"])), f => f.Operation == "DropDatabase");

        // -After and -Before: by oplog timestamp (exclusive, inclusive) and by wall time to the millisecond.
        var inserts = all.Where(f => f.Operation == "Insert").ToList();
        Assert.Equal(2, inserts.Count);
        var between = await FindAsync(new OplogSearchFilter([$"{database}.*"], after: OplogLimit.AtClusterTime(inserts[0].Timestamp), before: OplogLimit.AtClusterTime(inserts[1].Timestamp)));
        Assert.Equal(all.Where(f => f.Timestamp > inserts[0].Timestamp && f.Timestamp <= inserts[1].Timestamp).Select(f => f.Timestamp), between.Select(f => f.Timestamp));
        Assert.Equal(rename.Timestamp, between[0].Timestamp);
        // A wall time includes its whole millisecond, which the next insert may share on a fast server.
        var wall = inserts[0].WallTime!.Value;
        var byWall = await FindAsync(new OplogSearchFilter([$"{database}.*"], ["Insert"], before: OplogLimit.AtWallTime(wall)));
        Assert.Equal(inserts.Where(f => f.WallTime <= wall).Select(f => f.Timestamp), byWall.Select(f => f.Timestamp));
        var afterWall = await FindAsync(new OplogSearchFilter([$"{database}.*"], ["Insert"], after: OplogLimit.AtWallTime(wall)));
        Assert.Equal(inserts.Where(f => f.WallTime > wall).Select(f => f.Timestamp), afterWall.Select(f => f.Timestamp));

        var typo = Assert.Throws<MongoBackupException>(() => new OplogSearchFilter(operations: ["Dorp"]));
        Assert.Equal(ErrorIds.InvalidArgument, typo.ErrorId);
        Assert.Contains("-Operation 'Dorp' names no oplog operation", typo.Message, StringComparison.Ordinal);
    }

    private async Task<List<FoundOplogEntry>> FindAsync(OplogSearchFilter filter, EncryptionKeySource? keys = null)
    {
        var repository = _scenario.Repository;
        var complete = await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None);
        var found = new List<FoundOplogEntry>();
        await foreach (var entry in OplogSearch.FindAsync(repository, OplogSearch.SnapshotsOf(complete, null, repository.Location), keys, filter, new RecordingObserver(), CancellationToken.None))
            found.Add(entry);
        return found;
    }
}
