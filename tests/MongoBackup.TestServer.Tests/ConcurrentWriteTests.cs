using System.Diagnostics;
using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// Inserts into existing collections run side by side (the data lock held shared): nothing may be lost, the oplog must
/// stay one gap-free, strictly increasing sequence that matches what each collection holds, unique keys must hold,
/// and tailing readers must see the entries in order. Duplicate keys inserted side by side run against MONGOBACKUP_TEST_URI
/// when set; the others check the in-memory server's own write path.
/// </summary>
public class ConcurrentWriteTests : ServerTestBase
{
    private const int Writers = 8, BatchesPerWriter = 20, BatchSize = 25;

    private const string GapFree = "checks the in-memory server's concurrent write path, whose oplog timestamps have no gaps (a real one's interleave other writers' entries)";

    [InMemoryFact(GapFree)]
    public async Task Concurrent_inserts_into_two_collections_keep_every_document_and_a_gap_free_increasing_oplog()
    {
        var server = StartServer();
        var client = Connect(server);
        var db = client.GetDatabase("load");
        db.CreateCollection("left");
        db.CreateCollection("right");
        var start = LastOplogTimestamp(client);

        await RunWritersAsync(server, (writer, collection) => Batches(writer).Select(batch =>
            (Func<Task>)(() => collection.InsertManyAsync(batch, new InsertManyOptions { IsOrdered = false }))));

        const int perCollection = Writers / 2 * BatchesPerWriter * BatchSize;
        var logged = Oplog(client, new BsonDocument("ts", new BsonDocument("$gt", start)));
        AssertGapFreeAndIncreasing(logged.Select(e => e["ts"].AsBsonTimestamp).ToList());
        var entries = Inserts(logged);
        // Besides the inserts, a pause of the writers as long as periodicNoopIntervalSecs brings the primary's periodic no-ops.
        Assert.Equal(logged.Where(e => e["op"] != "n").Sum(e => e["op"] == "i" ? 1 : e["o"]["applyOps"].AsBsonArray.Count), entries.Count);
        Assert.Equal(2 * perCollection, entries.Count);
        foreach (var name in new[] { "left", "right" })
        {
            var stored = db.GetCollection<BsonDocument>(name).Find(new BsonDocument()).ToList();
            Assert.Equal(perCollection, stored.Count);
            Assert.Equal(perCollection, stored.Select(d => d["_id"]).Distinct().Count());
            // The oplog describes each collection's inserts in the order the collection stored them, byte for byte.
            var inserted = entries.Where(e => e["ns"] == "load." + name).Select(e => e["o"].AsBsonDocument).ToList();
            Assert.Equal(stored.Select(d => d.ToBson()), inserted.Select(d => d.ToBson()));
        }
    }

    [Fact]
    public async Task Duplicate_ids_inserted_concurrently_are_stored_once_and_rejected_for_every_other_writer()
    {
        var db = Database("load");
        var name = db.DatabaseNamespace.DatabaseName;
        db.CreateCollection("shared");
        var collection = db.GetCollection<BsonDocument>("shared");
        const int ids = 200;
        var duplicateErrors = 0;
        var clients = Enumerable.Range(0, Writers).Select(_ => Target.NewClient()).ToList(); // NewClient is not thread-safe
        var writers = Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
        {
            var mine = clients[writer].GetDatabase(name).GetCollection<BsonDocument>("shared");
            // Every writer tries every id, in its own order, one batch at a time.
            var order = Enumerable.Range(0, ids).OrderBy(i => (i * 7919 + writer * 104729) % ids).ToList();
            foreach (var chunk in order.Chunk(20))
            {
                try
                {
                    await mine.InsertManyAsync(chunk.Select(i => new BsonDocument { { "_id", i }, { "by", writer } }),
                        new InsertManyOptions { IsOrdered = false });
                }
                catch (MongoBulkWriteException<BsonDocument> e)
                {
                    Assert.All(e.WriteErrors, error => Assert.Equal(ServerErrorCategory.DuplicateKey, error.Category));
                    Interlocked.Add(ref duplicateErrors, e.WriteErrors.Count);
                }
            }
        })).ToList();
        await Task.WhenAll(writers);

        Assert.Equal(ids, collection.CountDocuments(new BsonDocument()));
        Assert.Equal((Writers - 1) * ids, duplicateErrors);
        var entries = Inserts(OplogOf(name), name + ".shared");
        Assert.Equal(Enumerable.Range(0, ids), entries.Select(e => e["o"]["_id"].AsInt32).OrderBy(i => i));
        foreach (var document in collection.Find(new BsonDocument()).ToList())
            Assert.Contains(entries, e => e["o"].AsBsonDocument.Equals(document)); // the stored copy is the logged one
    }

    /// <summary>
    /// A write's reply carries its own optime as operationTime (the client's last op, computeOperationTime in
    /// service_entry_point_common.cpp), not the newest entry another client wrote meanwhile: tests and tools that
    /// record when a write happened from its reply rely on it.
    /// </summary>
    [Fact]
    public async Task A_writes_operation_time_is_its_own_oplog_entry_while_others_write_side_by_side()
    {
        var db = Database("optime");
        var name = db.DatabaseNamespace.DatabaseName;
        const int writers = 8, perWriter = 250;
        for (var writer = 0; writer < writers; writer++) db.CreateCollection($"docs{writer}"); // one each: inserts run side by side
        var clients = Enumerable.Range(0, writers).Select(_ => Target.NewClient()).ToList(); // NewClient is not thread-safe
        var recorded = new System.Collections.Concurrent.ConcurrentDictionary<string, BsonTimestamp>();
        await Task.WhenAll(clients.Select((client, writer) => Task.Run(async () =>
        {
            var collection = client.GetDatabase(name).GetCollection<BsonDocument>($"docs{writer}");
            using var session = await client.StartSessionAsync();
            for (var i = 0; i < perWriter; i++)
            {
                var id = $"w{writer}-{i}";
                await collection.InsertOneAsync(session, new BsonDocument { { "_id", id }, { "pad", new string('x', 100) } });
                recorded[id] = session.OperationTime;
            }
        })));

        var logged = Inserts(OplogOf(name)).ToDictionary(e => e["o"]["_id"].AsString, e => e["ts"].AsBsonTimestamp);
        Assert.Equal(writers * perWriter, logged.Count);
        var wrong = recorded.Where(r => logged[r.Key] != r.Value).Select(r => $"{r.Key}: replied {r.Value}, logged {logged[r.Key]}").ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} writes replied another write's time, e.g. {string.Join("; ", wrong.Take(3))}");
    }

    [InMemoryFact(GapFree)]
    public async Task Tailable_oplog_cursor_sees_concurrent_inserts_in_timestamp_order()
    {
        var server = StartServer();
        var client = Connect(server);
        var db = client.GetDatabase("load");
        db.CreateCollection("left");
        db.CreateCollection("right");
        var oplog = client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs");
        var options = new FindOptions<BsonDocument> { CursorType = CursorType.TailableAwait, MaxAwaitTime = TimeSpan.FromMilliseconds(200), BatchSize = 50 };
        using var cursor = await oplog.FindAsync(new BsonDocument("ts", new BsonDocument("$gt", LastOplogTimestamp(client))), options);

        var writing = RunWritersAsync(server, (writer, collection) => Batches(writer).Select(batch =>
            (Func<Task>)(() => collection.InsertManyAsync(batch))));
        const int expected = Writers * BatchesPerWriter * BatchSize;
        var received = new List<BsonDocument>();
        var clock = Stopwatch.StartNew();
        while (Inserts(received).Count < expected && clock.Elapsed < TimeSpan.FromSeconds(60) && await cursor.MoveNextAsync())
            received.AddRange(cursor.Current);
        await writing;

        var inserts = Inserts(received);
        Assert.Equal(expected, inserts.Count);
        AssertGapFreeAndIncreasing(received.Select(e => e["ts"].AsBsonTimestamp).ToList());
        Assert.Equal(expected, inserts.Select(e => (e["ns"].AsString, e["o"]["_id"].AsString)).Distinct().Count());
    }

    /// <summary>Writers on their own clients (so their own connections); even writers use "left", odd ones "right".</summary>
    private async Task RunWritersAsync(MongoTestServer server, Func<int, IMongoCollection<BsonDocument>, IEnumerable<Func<Task>>> work)
    {
        var clients = Enumerable.Range(0, Writers).Select(_ => Connect(server)).ToList(); // Connect is not thread-safe
        var writers = Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
        {
            var collection = clients[writer].GetDatabase("load").GetCollection<BsonDocument>(writer % 2 == 0 ? "left" : "right");
            foreach (var step in work(writer, collection)) await step();
        })).ToList();
        await Task.WhenAll(writers);
    }

    private static IEnumerable<List<BsonDocument>> Batches(int writer) =>
        Enumerable.Range(0, BatchesPerWriter).Select(batch => Enumerable.Range(0, BatchSize)
            .Select(i => new BsonDocument { { "_id", $"w{writer}-b{batch}-{i}" }, { "writer", writer }, { "pad", new string('x', 200) } })
            .ToList());

    private static BsonTimestamp LastOplogTimestamp(MongoClient client) =>
        client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs").Find(new BsonDocument())
            .Sort(new BsonDocument("$natural", -1)).Limit(1).Single()["ts"].AsBsonTimestamp;

    /// <summary>Each ts is the next increment in its second, or the first increment of a later second.</summary>
    private static void AssertGapFreeAndIncreasing(List<BsonTimestamp> timestamps)
    {
        for (var i = 1; i < timestamps.Count; i++)
        {
            var (previous, current) = (timestamps[i - 1], timestamps[i]);
            var next = current.Timestamp == previous.Timestamp
                ? current.Increment == previous.Increment + 1
                : current.Timestamp > previous.Timestamp && current.Increment == 1;
            Assert.True(next, $"entry {i}: {current} does not directly follow {previous}");
        }
    }
}
