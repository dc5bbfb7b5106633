using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Support;
using MongoBackup.TestServer;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// Where a full backup's oplog copy starts, and the rollover check that guards it. Each test runs on its own in-memory
/// server: one needs an oplog small enough to roll over on demand, the other writes a config.transactions record,
/// which a real server keeps to itself.
/// </summary>
public sealed class OplogCopyStartTests : IDisposable
{
    private readonly MongoTestServer _server = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", OplogSizeMB = 1, Log = TextWriter.Null });
    private readonly TempFolder _folder = new();
    private ConnectionSettings Connection => new() { ConnectionString = _server.ConnectionString };

    public void Dispose()
    {
        _server.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task The_copy_starts_at_the_first_entry_of_the_oldest_transaction_still_open()
    {
        using var client = new MongoClient(_server.ConnectionString);
        var items = client.GetDatabase("app").GetCollection<BsonDocument>("items");
        using var session = await client.StartSessionAsync();
        // Stands in for the first entry of a large transaction (a partialTxn entry MongoDB writes before the commit).
        await items.InsertOneAsync(session, new BsonDocument("_id", "first of the transaction"));
        var transactionStart = OplogTimestamp.FromBsonTimestamp(session.OperationTime);
        foreach (var i in Enumerable.Range(0, 20)) await items.InsertOneAsync(session, new BsonDocument("_id", i)); // one entry each
        // The record MongoDB keeps for a transaction still open (session_txn_record.idl: state, startOpTime), as
        // mongodump's getOplogCopyStartTime reads it; committed ones and other sessions' finished ones are passed over.
        var transactions = client.GetDatabase("config").GetCollection<BsonDocument>("transactions");
        await transactions.InsertManyAsync(
        [
            TransactionRecord("committed", new OplogTimestamp(transactionStart.Seconds - 5, 1)),
            TransactionRecord("inProgress", transactionStart),
            TransactionRecord("prepared", new OplogTimestamp(transactionStart.Seconds, transactionStart.Increment + 3)),
        ]);
        var newestBefore = OplogTimestamp.FromBsonTimestamp(session.OperationTime);

        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = new FolderRepository(_folder.Path), Filter = new NamespaceFilter(databases: ["app"]),
        }, CancellationToken.None);

        Assert.Equal(transactionStart, manifest.OplogStart);
        Assert.True(transactionStart < newestBefore);
        // Every entry from the transaction's first on: its own, the 20 inserts, and the three records (one insert entry each on 7.0).
        Assert.True(manifest.OplogEntries >= 22, $"{manifest.OplogEntries} oplog entries saved");
    }

    /// <summary>
    /// The last write before the backup is already in what it lists and reads, and may be to any namespace of the
    /// replica set: it is not copied. Here a write to another database (which the target of a restore of this partial
    /// snapshot does not have: replaying it there was refused as NamespaceNotFound), or a rename just done (which the
    /// catalog guard took for one made during the backup, failing every backup until the next write).
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Without_an_open_transaction_the_copy_starts_after_the_newest_entry_before_the_listing(bool lastIsRename)
    {
        using var client = new MongoClient(_server.ConnectionString);
        using var session = await client.StartSessionAsync();
        var app = client.GetDatabase("app");
        await app.GetCollection<BsonDocument>("items").InsertOneAsync(session, new BsonDocument("_id", 1));
        await app.GetCollection<BsonDocument>("old").InsertOneAsync(session, new BsonDocument("_id", 1));
        Task otherWrite() => client.GetDatabase("other").GetCollection<BsonDocument>("orders").InsertOneAsync(session, new BsonDocument("_id", 1));
        Task rename() => client.GetDatabase("admin").RunCommandAsync<BsonDocument>(session, new BsonDocument { { "renameCollection", "app.old" }, { "to", "app.renamed" } });
        if (lastIsRename) { await otherWrite(); await rename(); } else { await rename(); await otherWrite(); }
        var newest = OplogTimestamp.FromBsonTimestamp(session.OperationTime);

        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = new FolderRepository(_folder.Path), Filter = new NamespaceFilter(databases: ["app"]),
        }, CancellationToken.None);

        Assert.Equal(newest, manifest.OplogStart);
        // Nothing was written during the backup but what a primary writes when idle for periodicNoopIntervalSecs, its
        // periodic no-ops: whatever of them came is all the copy holds, and the snapshot is consistent at the last.
        Assert.True(manifest.ConsistentAt!.Timestamp >= newest);
        Assert.Equal(PeriodicNoops.AssertOnlyNoopsBetween(client, newest, manifest.ConsistentAt.Timestamp), manifest.OplogEntries);
        Assert.Equal(["app.items", "app.renamed"], manifest.Namespaces.Select(n => $"{n.Database}.{n.Collection}").Order());
    }

    [Fact]
    public async Task An_oplog_that_rolls_past_the_start_while_the_backup_runs_fails_it_and_keeps_nothing()
    {
        using var client = new MongoClient(_server.ConnectionString);
        var events = client.GetDatabase("app").GetCollection<BsonDocument>("events");
        await events.InsertOneAsync(new BsonDocument("_id", -1));
        var repository = new FolderRepository(_folder.Path);
        var pad = new string('x', 10_000);
        var runner = new BackupRunner(new RecordingObserver())
        {
            // About 3 MB of writes through a 1 MB oplog once the start is noted: the start entry rolls out.
            CatalogListed = async ct =>
            {
                for (var i = 0; i < 300; i++) await events.InsertOneAsync(new BsonDocument { { "_id", i }, { "pad", pad } }, cancellationToken: ct);
            },
        };

        var error = await Assert.ThrowsAsync<MongoBackupException>(() => runner.RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: ["app"]),
        }, CancellationToken.None));

        Assert.Equal(ErrorIds.BackupFailed, error.ErrorId);
        Assert.Contains("rolled over during the backup", error.Message);
        Assert.Empty(await SnapshotCatalog.LoadCompleteAsync(repository, CancellationToken.None));
    }

    private static BsonDocument TransactionRecord(string state, OplogTimestamp start) => new()
    {
        { "_id", new BsonDocument("id", new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard)) },
        { "txnNum", 1L },
        { "state", state },
        { "startOpTime", new BsonDocument { { "ts", start.ToBsonTimestamp() }, { "t", 1L } } },
        { "lastWriteOpTime", new BsonDocument { { "ts", start.ToBsonTimestamp() }, { "t", 1L } } },
    };
}
