using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// Retryable inserts from several connections at once, as a restore sends them: in a document sequence (the driver's
/// insertMany) and in the command body (a restore's raw insert commands), batches above and below the size the server
/// keeps in place, documents either side of the size its oplog entries keep by reference. Every oplog entry must read
/// back whole, each insert it logs must be the document sent and stored, byte for byte, and stay so once the collections
/// are dropped (the oplog outlives them).
/// </summary>
public class ConcurrentRetryableInsertTests : ServerTestBase
{
    private const int Collections = 4, WritersPerCollection = 2, BatchesPerWriter = 6;

    [InMemoryTheory("reads the whole oplog of a fresh server and drops what it wrote")]
    [InlineData("7.0")]
    [InlineData("8.0")]
    public async Task Parallel_retryable_inserts_are_logged_as_sent_and_stored_and_survive_a_drop(string release)
    {
        var version = MongoDbVersion.Named(release)!;
        var server = StartServer(version: version);
        var client = Connect(server);
        var db = client.GetDatabase("stress");
        for (var c = 0; c < Collections; c++) db.CreateCollection($"c{c}");
        var sent = new System.Collections.Concurrent.ConcurrentDictionary<(string Ns, BsonValue Id), byte[]>();
        var clients = Enumerable.Range(0, Collections * WritersPerCollection).Select(_ => Connect(server)).ToList(); // Connect is not thread-safe

        await Task.WhenAll(clients.Select((writerClient, writer) => Task.Run(async () =>
        {
            var name = $"c{writer % Collections}";
            var database = writerClient.GetDatabase("stress");
            var random = new Random(writer);
            var lsid = new BsonDocument("id", new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard));
            for (var batch = 0; batch < BatchesPerWriter; batch++)
            {
                // 5 documents (a body the server copies), 80 or 300 (kept in place); pads from 20 bytes to 3 KB.
                var documents = Enumerable.Range(0, (batch % 3) switch { 0 => 5, 1 => 80, _ => 300 })
                    .Select(i => new BsonDocument { { "_id", $"w{writer}-b{batch}-{i}" }, { "pad", new string('x', random.Next(20, 3000)) } })
                    .ToList();
                foreach (var document in documents) sent[($"stress.{name}", document["_id"])] = document.ToBson();
                if (batch % 2 == 0)
                    await database.GetCollection<BsonDocument>(name).InsertManyAsync(documents);
                else
                    await database.RunCommandAsync<BsonDocument>(new BsonDocument
                    {
                        { "insert", name }, { "documents", new BsonArray(documents) }, { "lsid", lsid }, { "txnNumber", (long)batch },
                    });
            }
        })));

        var logged = Oplog(client, new BsonDocument("$or", new BsonArray { new BsonDocument("ns", new BsonRegularExpression("^stress\\.")),
            new BsonDocument("o.applyOps.ns", new BsonRegularExpression("^stress\\.")) }));
        if (version.GroupsVectoredInserts)
            Assert.Contains(logged, e => e.Contains("multiOpType") && e["o"]["applyOps"].AsBsonArray.Count == 64); // grouped as MongoDB 8.0 groups them
        else
            Assert.DoesNotContain(logged, e => e.Contains("multiOpType")); // 7.0: an entry per document
        // Each command's entries chain from the null optime, each one's prevOpTime the entry before it of the same command,
        // however the commands' entries interleave.
        foreach (var command in logged.Where(e => e.Contains("lsid")).GroupBy(e => (e["lsid"]["id"], e["txnNumber"])))
        {
            var prevOpTime = new BsonDocument { { "ts", new BsonTimestamp(0, 0) }, { "t", -1L } };
            foreach (var entry in command)
            {
                Assert.Equal(prevOpTime, entry["prevOpTime"]);
                prevOpTime = new BsonDocument { { "ts", entry["ts"] }, { "t", entry["t"] } };
            }
        }
        var uuids = db.ListCollections().ToList().ToDictionary(c => "stress." + c["name"].AsString, c => c["info"]["uuid"]);
        var inserts = Inserts(logged);
        Assert.Equal(sent.Count, inserts.Count);
        foreach (var insert in inserts)
        {
            var ns = insert["ns"].AsString;
            Assert.Equal(uuids[ns], insert["ui"]);
            Assert.Equal(insert["o"]["_id"], insert["o2"]["_id"]);
            Assert.True(sent[(ns, insert["o"]["_id"])].AsSpan().SequenceEqual(insert["o"].AsBsonDocument.ToBson()), $"the logged insert of {insert["o"]["_id"]} differs from the document sent");
        }
        for (var c = 0; c < Collections; c++)
        {
            // Stored in the order logged, byte for byte.
            var stored = db.GetCollection<RawBsonDocument>($"c{c}").Find(new BsonDocument()).ToList();
            AssertSameBytes(inserts.Where(i => i["ns"] == $"stress.c{c}").Select(i => i["o"].AsBsonDocument).ToList(), stored, $"c{c}");
        }

        client.DropDatabase("stress");
        var timestamps = logged.Select(e => e["ts"]).ToHashSet();
        var afterDrop = Oplog(client).Where(e => timestamps.Contains(e["ts"])).ToList();
        AssertSameBytes(logged, afterDrop, "the oplog after the drop");
    }

    private static void AssertSameBytes(IReadOnlyList<BsonDocument> expected, IReadOnlyList<BsonDocument> actual, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
            Assert.True(expected[i].ToBson().AsSpan().SequenceEqual(actual[i].ToBson()), $"{what}: document {i} differs");
    }
}
