using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// Retryable writes (lsid and txnNumber outside a transaction, what the .NET driver sends on a replica set by default)
/// are logged in the forms of the release the server answers as. MongoDB 8.0's, compared with its captures: a
/// multi-document insert as applyOps entries "applied separately" (multiOpType 1) grouped 64 documents or 256 KiB at a
/// time (vectored_insert.bson), a single write with its session, stmtId and prevOpTime (bypassDocumentValidation.bson).
/// MongoDB 7.0's (the test server's default): a multi-document insert as one such single write per document, chained by
/// prevOpTime (7.0 has no featureFlagReplicateVectoredInsertsTransactionally; see <see cref="MongoDbVersion"/>).
/// Writes without a session keep the plain form.
/// </summary>
public class RetryableWriteFormTests
{
    private static readonly string[] Varying = ["lsid.id", "lsid.uid", "txnNumber", "ts", "t", "wall", "o.applyOps.[].ns", "o.applyOps.[].ui",
        "o.applyOps.[].o", "o.applyOps.[].o2", "ns", "ui", "o", "o2", "prevOpTime.ts", "prevOpTime.t", "v"];

    private static (MongoTarget Target, IMongoCollection<BsonDocument> Items) Open(bool retryWrites = true, MongoDbVersion? version = null)
    {
        var target = version is null ? MongoTarget.Open() : MongoTarget.Open(version);
        var client = target.NewClient(settings => settings.RetryWrites = retryWrites);
        var items = client.GetDatabase(target.NewDatabaseName("retry")).GetCollection<BsonDocument>("items");
        items.Database.CreateCollection("items");
        return (target, items);
    }

    private static List<BsonDocument> Written(MongoTarget target, IMongoCollection<BsonDocument> items) =>
        target.OplogSince(new BsonDocument("$or", new BsonArray
        {
            new BsonDocument("ns", items.CollectionNamespace.FullName),
            new BsonDocument("o.applyOps.ns", items.CollectionNamespace.FullName),
        }));

    [Fact]
    public void A_multi_document_insert_is_one_applyOps_applied_separately_as_in_the_8_0_capture()
    {
        var (target, items) = Open(version: MongoDbVersion.V8_0);
        using (target)
        {
            items.InsertMany([new BsonDocument { { "_id", 100 }, { "a", 1 } }, new BsonDocument { { "_id", 200 }, { "a", 2 } }]);

            var entry = Assert.Single(Written(target, items));
            EntryForm.AssertSame(Captures.Oplog("vectored_insert").Single(), entry, Varying);
            Assert.Equal([0, 1], entry["o"]["applyOps"].AsBsonArray.Select(o => o["stmtId"].AsInt32));
            Assert.Equal([100, 200], entry["o"]["applyOps"].AsBsonArray.Select(o => o["o"]["_id"].AsInt32));
        }
    }

    [Fact]
    public void A_single_insert_carries_its_session_statement_and_prevOpTime_as_in_the_8_0_capture()
    {
        var (target, items) = Open();
        using (target)
        {
            items.InsertOne(new BsonDocument { { "_id", ObjectId.GenerateNewId() }, { "testField", "valid" } });

            var entry = Assert.Single(Written(target, items));
            var captured = Captures.Oplog("bypassDocumentValidation").First(e => e["op"] == "i" && e.Contains("lsid"));
            EntryForm.AssertSame(captured, entry, Varying);
        }
    }

    /// <summary>
    /// 150 documents go in groups of 64 (internalInsertMaxBatchSize): three applyOps entries of 64, 64 and 22, the
    /// statements numbered through, each entry's prevOpTime the one before it; documents of 100 KB close a group once
    /// it reaches 256 KiB (three to a group); a group of one is a single insert entry.
    /// </summary>
    [Fact]
    public void Inserts_are_grouped_64_documents_or_256_KiB_at_a_time_and_chained()
    {
        var (target, items) = Open(version: MongoDbVersion.V8_0);
        using (target)
        {
            items.InsertMany(Enumerable.Range(0, 150).Select(i => new BsonDocument("_id", i)));
            var small = Written(target, items);
            var start = target.LastOplogTimestamp();
            var pad = new string('x', 100 * 1024);
            items.InsertMany(Enumerable.Range(1000, 4).Select(i => new BsonDocument { { "_id", i }, { "pad", pad } }));
            var large = Written(target, items).Where(e => e["ts"].AsBsonTimestamp > start).ToList();

            Assert.Equal([64, 64, 22], small.Select(e => e["o"]["applyOps"].AsBsonArray.Count));
            Assert.Equal(Enumerable.Range(0, 150), small.SelectMany(e => e["o"]["applyOps"].AsBsonArray).Select(o => o["stmtId"].AsInt32));
            // Each entry holds its own documents, in order.
            Assert.Equal(Enumerable.Range(0, 150), small.SelectMany(e => e["o"]["applyOps"].AsBsonArray).Select(o => o["o"]["_id"].AsInt32));
            Assert.Equal(new BsonTimestamp(0, 0), small[0]["prevOpTime"]["ts"].AsBsonTimestamp);
            Assert.Equal(small[0]["ts"], small[1]["prevOpTime"]["ts"]);
            Assert.Equal(small[1]["ts"], small[2]["prevOpTime"]["ts"]);
            Assert.All(small, e => Assert.Equal(small[0]["txnNumber"], e["txnNumber"]));
            Assert.Equal(["c", "i"], large.Select(e => e["op"].AsString));
            Assert.Equal(3, large[0]["o"]["applyOps"].AsBsonArray.Count);
            Assert.Equal(3, large[1]["stmtId"].AsInt32);
        }
    }

    /// <summary>A group in which one insert failed is logged one insert at a time, as MongoDB inserts it again one by one.</summary>
    [Fact]
    public void A_group_with_a_failed_insert_is_logged_one_insert_at_a_time()
    {
        var (target, items) = Open(version: MongoDbVersion.V8_0);
        using (target)
        {
            items.InsertOne(new BsonDocument("_id", 2));
            var start = target.LastOplogTimestamp();
            Assert.Throws<MongoBulkWriteException<BsonDocument>>(() =>
                items.InsertMany(Enumerable.Range(1, 3).Select(i => new BsonDocument("_id", i)), new InsertManyOptions { IsOrdered = false }));

            var written = Written(target, items).Where(e => e["ts"].AsBsonTimestamp > start).ToList();
            Assert.Equal(["i", "i"], written.Select(e => e["op"].AsString));
            Assert.Equal([0, 2], written.Select(e => e["stmtId"].AsInt32));
        }
    }

    /// <summary>
    /// MongoDB 7.0 logs a retryable insertMany one insert entry per document, each a single write of the command's session:
    /// its own stmtId, the command's txnNumber, prevOpTime the entry before it (the first one's the null optime), and the
    /// single insert's form of the 8.0 capture (bypassDocumentValidation.bson), which 7.0 shares.
    /// </summary>
    [Fact]
    public void On_7_0_a_multi_document_insert_is_one_insert_entry_per_document_chained_by_prevOpTime()
    {
        var (target, items) = Open(version: MongoDbVersion.V7_0);
        using (target)
        {
            items.InsertMany(Enumerable.Range(0, 70).Select(i => new BsonDocument("_id", i)));

            var written = Written(target, items);
            Assert.Equal(70, written.Count);
            Assert.All(written, e => Assert.Equal("i", e["op"].AsString));
            Assert.All(written, e => Assert.False(e.Contains("multiOpType")));
            Assert.Equal(Enumerable.Range(0, 70), written.Select(e => e["o"]["_id"].AsInt32));
            Assert.Equal(Enumerable.Range(0, 70), written.Select(e => e["stmtId"].AsInt32));
            Assert.All(written, e => Assert.Equal(written[0]["lsid"], e["lsid"]));
            Assert.All(written, e => Assert.Equal(written[0]["txnNumber"], e["txnNumber"]));
            Assert.Equal(new BsonTimestamp(0, 0), written[0]["prevOpTime"]["ts"].AsBsonTimestamp);
            Assert.All(written.Zip(written.Skip(1)), p => Assert.Equal(p.First["ts"], p.Second["prevOpTime"]["ts"]));
            var captured = Captures.Oplog("bypassDocumentValidation").First(e => e["op"] == "i" && e.Contains("lsid"));
            Assert.All(written, e => EntryForm.AssertSame(captured, e, [.. Varying, "stmtId"])); // stmtIds checked above
        }
    }

    /// <summary>
    /// On 7.0 each document's entry of a retryable insertMany is, byte for byte, {lsid, txnNumber, op: "i", ns, ui, o: the
    /// document sent, o2: {_id}, stmtId, ts, t, v: 2, wall, prevOpTime} (the field order of the 8.0 capture's single
    /// write, bypassDocumentValidation.bson; DurableReplOperation's fields, oplog_entry.idl): for _ids of every kind
    /// (one, JavaScript code, that the server writes by its general path), small and large documents, a statement that
    /// fails (no entry, its stmtId skipped) and two commands, each chained from the null optime by prevOpTime.
    /// </summary>
    [Fact]
    public void On_7_0_each_inserted_document_is_logged_byte_for_byte_in_the_single_write_form()
    {
        var (target, items) = Open(version: MongoDbVersion.V7_0);
        using (target)
        {
            items.InsertOne(new BsonDocument("_id", "taken"));
            var start = target.LastOplogTimestamp();
            BsonValue[] ids = [1, 2L, 2.5, "text", "taken", ObjectId.Parse("65a1b2c3d4e5f60718293a4b"), new BsonDocument("k", "v"),
                new BsonBinaryData(new byte[] { 1, 2, 3 }), new BsonDecimal128(Decimal128.Parse("9.5")), new BsonJavaScript("code"), BsonNull.Value, true];
            var first = ids.Select((id, i) => new BsonDocument { { "_id", id }, { "pad", new string('p', i % 2 == 0 ? 10 : 2000) } }).ToList();
            var second = Enumerable.Range(100, 3).Select(i => new BsonDocument { { "_id", i }, { "pad", new string('q', 300) } }).ToList();
            Assert.Throws<MongoBulkWriteException<BsonDocument>>(() => items.InsertMany(first, new InsertManyOptions { IsOrdered = false }));
            items.InsertMany(second);

            var written = Written(target, items).Where(e => e["ts"].AsBsonTimestamp > start).ToList();
            var expected = first.Select((d, i) => (Document: d, StatementId: i)).Where(s => s.Document["_id"] != "taken")
                .Concat(second.Select((d, i) => (Document: d, StatementId: i))).ToList();
            Assert.Equal(expected.Count, written.Count);
            for (var i = 0; i < written.Count; i++)
            {
                var entry = written[i];
                var firstOfCommand = i == 0 || entry["txnNumber"] != written[i - 1]["txnNumber"];
                var prevOpTime = firstOfCommand
                    ? new BsonDocument { { "ts", new BsonTimestamp(0, 0) }, { "t", -1L } }
                    : new BsonDocument { { "ts", written[i - 1]["ts"] }, { "t", written[i - 1]["t"] } };
                var form = new BsonDocument
                {
                    { "lsid", entry["lsid"] }, { "txnNumber", entry["txnNumber"] }, { "op", "i" }, { "ns", items.CollectionNamespace.FullName },
                    { "ui", entry["ui"] }, { "o", expected[i].Document }, { "o2", new BsonDocument("_id", expected[i].Document["_id"]) },
                    { "stmtId", expected[i].StatementId }, { "ts", entry["ts"] }, { "t", entry["t"] }, { "v", 2L }, { "wall", entry["wall"] },
                    { "prevOpTime", prevOpTime },
                };
                Assert.True(form.ToBson().AsSpan().SequenceEqual(entry.ToBson()), $"entry {i}: {entry.ToJson()}\nexpected {form.ToJson()}");
            }
            Assert.Equal(2, written.Select(e => e["txnNumber"]).Distinct().Count());
        }
    }

    [Fact]
    public void Updates_and_deletes_carry_their_session_and_statement()
    {
        var (target, items) = Open();
        using (target)
        {
            items.InsertOne(new BsonDocument { { "_id", 1 }, { "a", 1 } });
            var start = target.LastOplogTimestamp();
            items.UpdateOne(new BsonDocument("_id", 1), new BsonDocument("$set", new BsonDocument("a", 2)));
            items.DeleteOne(new BsonDocument("_id", 1));

            var written = Written(target, items).Where(e => e["ts"].AsBsonTimestamp > start).ToList();
            Assert.Equal(["u", "d"], written.Select(e => e["op"].AsString));
            Assert.All(written, e => Assert.Equal(["lsid", "txnNumber", "op", "ns", "ui", "o"], e.Names.Take(6)));
            Assert.All(written, e => Assert.Equal(0, e["stmtId"].AsInt32));
            Assert.All(written, e => Assert.Equal("prevOpTime", e.Names.Last()));
        }
    }

    [Fact]
    public void Writes_without_a_session_keep_the_plain_form()
    {
        var (target, items) = Open(retryWrites: false);
        using (target)
        {
            items.InsertMany([new BsonDocument("_id", 1), new BsonDocument("_id", 2)]);

            var written = Written(target, items);
            Assert.Equal(["i", "i"], written.Select(e => e["op"].AsString));
            Assert.All(written, e => Assert.False(e.Contains("lsid") || e.Contains("stmtId")));
        }
    }

    [Fact]
    public void A_retryable_multi_update_is_refused_as_MongoDB_refuses_it()
    {
        var (target, items) = Open();
        using (target)
        {
            var command = new BsonDocument
            {
                { "update", "items" }, { "updates", new BsonArray { new BsonDocument { { "q", new BsonDocument() }, { "u", new BsonDocument("$set", new BsonDocument("a", 1)) }, { "multi", true } } } },
                { "lsid", new BsonDocument("id", new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard)) }, { "txnNumber", 1L },
            };
            var reply = items.Database.RunCommand<BsonDocument>(command);
            Assert.Equal(72, reply["writeErrors"][0]["code"].AsInt32);
            Assert.Equal("Cannot use (or request) retryable writes with multi=true", reply["writeErrors"][0]["errmsg"].AsString);
        }
    }
}
