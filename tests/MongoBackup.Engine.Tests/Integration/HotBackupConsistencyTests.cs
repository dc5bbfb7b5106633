using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// A backup taken while the application keeps writing must restore to exactly the state at its ConsistentAt:
/// every write up to that cluster time, none after it.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class HotBackupConsistencyTests(MongoServerFixture server)
{
    [Fact]
    public async Task Writes_during_the_backup_land_in_its_oplog_and_the_restore_equals_the_state_at_ConsistentAt()
    {
        var database = TestDatabases.NewName("hot");
        var collection = server.Client.GetDatabase(database).GetCollection<BsonDocument>("orders");
        await collection.InsertManyAsync(Enumerable.Range(0, 5_000).Select(i => new BsonDocument { { "_id", i }, { "qty", 0 }, { "pad", new string('x', 200) } }));
        var history = new WriteHistory();

        using var stopWriting = new CancellationTokenSource();
        var writer = Task.Run(() => WriteContinuouslyAsync(collection, history, stopWriting.Token));
        await history.WaitForWritesAsync(50);

        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = new ConnectionSettings { ConnectionString = server.ConnectionString },
            Repository = repository, Filter = new NamespaceFilter(databases: [database]), ParallelCollections = 1,
        }, CancellationToken.None);
        await history.WaitForWritesAsync(history.Count + 50); // keep writing past the end of the backup
        stopWriting.Cancel();
        await writer;

        Assert.NotNull(manifest.ConsistentAt);
        var consistentAt = manifest.ConsistentAt!.Timestamp;
        Assert.Contains(history.Writes, w => w.At > consistentAt); // the test really wrote past the backup

        var target = database + "_restored";
        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = new ConnectionSettings { ConnectionString = server.ConnectionString },
            SourcePath = repository.LocalPath(manifest.Id, "")!,
            Map = new NamespaceMap().AddDatabaseRename(database, target),
        }, CancellationToken.None);
        Assert.True(outcome.Succeeded, outcome.OplogError);
        Assert.True(outcome.OplogEntriesApplied > 0);
        // The manifest counts what oplog.bson holds: at least every entry the restore replayed from it.
        Assert.True(manifest.OplogEntries >= outcome.OplogEntriesApplied, $"manifest says {manifest.OplogEntries} oplog entries, {outcome.OplogEntriesApplied} were replayed");

        var expected = history.StateAt(consistentAt, initialCount: 5_000);
        var restored = await server.Client.GetDatabase(target).GetCollection<BsonDocument>("orders")
            .Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        var actual = restored.ToDictionary(d => d["_id"].AsInt32, d => d["qty"].AsInt32);
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.OrderBy(p => p.Key), actual.OrderBy(p => p.Key));
    }

    private static async Task WriteContinuouslyAsync(IMongoCollection<BsonDocument> collection, WriteHistory history, CancellationToken ct)
    {
        using var session = await collection.Database.Client.StartSessionAsync();
        var random = new Random(7);
        var next = 5_000;
        while (!ct.IsCancellationRequested)
        {
            var pick = random.Next(3);
            var id = random.Next(next);
            if (pick == 0)
            {
                await collection.InsertOneAsync(session, new BsonDocument { { "_id", next }, { "qty", 1 } });
                history.Add(new Write(OplogTimestamp.FromBsonTimestamp(session.OperationTime), WriteKind.Insert, next++, 1));
            }
            else if (pick == 1)
            {
                var result = await collection.UpdateOneAsync(session, new BsonDocument("_id", id), new BsonDocument("$inc", new BsonDocument("qty", 1)));
                if (result.ModifiedCount == 1) history.Add(new Write(OplogTimestamp.FromBsonTimestamp(session.OperationTime), WriteKind.Increment, id, 1));
            }
            else
            {
                var result = await collection.DeleteOneAsync(session, new BsonDocument("_id", id));
                if (result.DeletedCount == 1) history.Add(new Write(OplogTimestamp.FromBsonTimestamp(session.OperationTime), WriteKind.Delete, id, 0));
            }
        }
    }
}
