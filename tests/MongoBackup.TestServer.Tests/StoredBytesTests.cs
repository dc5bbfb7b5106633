using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// Documents come back byte for byte as they were inserted, and their oplog entries carry those same bytes, whether
/// they arrive in a large insert batch, one by one, or through applyOps; the entries name every kind of _id. Runs against
/// MONGOBACKUP_TEST_URI when set, except with a small oplog.
/// </summary>
public class StoredBytesTests : ServerTestBase
{
    private static readonly BsonValue[] Ids =
    {
        1, 2L, 3.5, "text-id", ObjectId.Parse("65a1b2c3d4e5f60718293a4b"), new BsonDocument { { "a", 1 }, { "b", "x" } },
        new BsonBinaryData(new byte[] { 1, 2, 3 }), new BsonDateTime(1_700_000_000_000), new BsonTimestamp(5, 6),
        new BsonDecimal128(Decimal128.Parse("1.25")), true, BsonNull.Value, BsonMinKey.Value, BsonMaxKey.Value,
        new BsonJavaScript("function() {}"), // a type the fast oplog path does not size: it takes the general path
    };

    /// <summary>Field orders and sizes a re-serialization could change: a small and a large body, out-of-order names.</summary>
    private static BsonDocument DocumentWith(BsonValue id, int index) => new()
    {
        { "_id", id }, { "z", index }, { "a", new string('p', index % 2 == 0 ? 10 : 2000) }, { "nested", new BsonDocument { { "y", 1.0 }, { "b", 2L } } },
    };

    private static byte[] BytesOf(BsonDocument document) => document.ToBson();

    private static Dictionary<string, byte[]> StoredBytes(IMongoDatabase db, string collection) =>
        db.GetCollection<RawBsonDocument>(collection).Find(new BsonDocument()).ToList()
            .ToDictionary(d => d["z"].ToString()!, d => RawBytes(d));

    private static byte[] RawBytes(RawBsonDocument document)
    {
        var bytes = new byte[document.Slice.Length];
        document.Slice.GetBytes(0, bytes, 0, bytes.Length);
        return bytes;
    }

    private void AssertInsertEntries(IMongoDatabase db, string collection, IReadOnlyList<BsonDocument> documents)
    {
        // Plain inserts (applyOps), a retryable write's single inserts, and the operations of its grouped ones.
        string[][] forms =
        [
            ["op", "ns", "ui", "o", "o2", "ts", "t", "v", "wall"],
            ["lsid", "txnNumber", "op", "ns", "ui", "o", "o2", "stmtId", "ts", "t", "v", "wall", "prevOpTime"],
            ["op", "ns", "ui", "o", "o2", "stmtId"],
        ];
        var entries = Inserts(OplogOf(db.DatabaseNamespace.DatabaseName), db.DatabaseNamespace.DatabaseName + "." + collection);
        Assert.Equal(documents.Count, entries.Count);
        for (var i = 0; i < documents.Count; i++)
        {
            Assert.Contains(forms, form => form.SequenceEqual(entries[i].Names));
            Assert.Equal(BytesOf(documents[i]), BytesOf(entries[i]["o"].AsBsonDocument));
            Assert.Equal(new BsonDocument("_id", documents[i]["_id"]), entries[i]["o2"]);
            Assert.Equal(BsonBinarySubType.UuidStandard, entries[i]["ui"].AsBsonBinaryData.SubType);
        }
    }

    [Fact]
    public void A_large_insert_batch_is_stored_and_logged_byte_exact_for_every_id_type()
    {
        var db = Database("bytes");
        var documents = Ids.Select(DocumentWith).ToList();
        // Padding documents make the batch far larger than one slab segment's worth, as a restore's batches are.
        documents.AddRange(Enumerable.Range(Ids.Length, 200).Select(i => DocumentWith(i, i)));
        db.GetCollection<BsonDocument>("batch").InsertMany(documents);

        var stored = StoredBytes(db, "batch");
        foreach (var document in documents) Assert.Equal(BytesOf(document), stored[document["z"].ToString()!]);
        AssertInsertEntries(db, "batch", documents);
    }

    [Fact]
    public void Single_inserts_are_stored_and_logged_byte_exact()
    {
        var db = Database("bytes");
        var collection = db.GetCollection<BsonDocument>("single");
        var documents = Ids.Select(DocumentWith).ToList();
        foreach (var document in documents) collection.InsertOne(document);

        var stored = StoredBytes(db, "single");
        foreach (var document in documents) Assert.Equal(BytesOf(document), stored[document["z"].ToString()!]);
        AssertInsertEntries(db, "single", documents);
    }

    [Fact]
    public void An_insert_command_holding_its_documents_in_its_body_is_stored_and_logged_byte_exact()
    {
        var db = Database("bytes");
        db.CreateCollection("body");
        var documents = Ids.Select(DocumentWith).ToList();
        // The command's documented form, as runCommand sends it: the documents are an array in the body, not a sequence.
        var reply = db.RunCommand<BsonDocument>(new BsonDocument
        {
            { "insert", "body" }, { "ordered", false }, { "documents", new BsonArray(documents.Append(new BsonDocument { { "_id", 1 }, { "z", "again" } })) },
        });

        Assert.Equal(documents.Count, reply["n"].ToInt32());
        Assert.Equal(documents.Count, Assert.Single(reply["writeErrors"].AsBsonArray)["index"].ToInt32()); // the duplicate _id
        var stored = StoredBytes(db, "body");
        foreach (var document in documents) Assert.Equal(BytesOf(document), stored[document["z"].ToString()!]);
        AssertInsertEntries(db, "body", documents);
    }

    [Fact]
    public void Documents_inserted_through_applyOps_are_stored_and_logged_byte_exact()
    {
        var db = Database("bytes");
        db.CreateCollection("replayed");
        var documents = Enumerable.Range(0, 120).Select(i => DocumentWith(i, i)).ToList();
        var ns = db.DatabaseNamespace.DatabaseName + ".replayed";
        var entries = new BsonArray(documents.Select(d => new BsonDocument { { "op", "i" }, { "ns", ns }, { "o", d } }));
        var reply = Target.Admin.RunCommand<BsonDocument>(new BsonDocument("applyOps", entries));

        Assert.Equal(documents.Count, reply["applied"].AsInt32);
        var stored = StoredBytes(db, "replayed");
        foreach (var document in documents) Assert.Equal(BytesOf(document), stored[document["z"].ToString()!]);
        AssertInsertEntries(db, "replayed", documents);
    }

    [Fact]
    public void Updated_and_deleted_documents_leave_the_others_intact()
    {
        var db = Database("bytes");
        var collection = db.GetCollection<BsonDocument>("churn");
        var documents = Enumerable.Range(0, 300).Select(i => DocumentWith(i, i)).ToList();
        collection.InsertMany(documents);
        for (var i = 0; i < 300; i += 3) collection.DeleteOne(new BsonDocument("_id", i));
        for (var i = 1; i < 300; i += 3) collection.UpdateOne(new BsonDocument("_id", i), Builders<BsonDocument>.Update.Set("a", "changed"));

        var stored = StoredBytes(db, "churn");
        Assert.Equal(200, stored.Count);
        for (var i = 1; i < 300; i += 3)
        {
            var expected = DocumentWith(i, i);
            expected["a"] = "changed";
            Assert.Equal(BytesOf(expected), stored[i.ToString()]);
        }
        for (var i = 2; i < 300; i += 3) Assert.Equal(BytesOf(documents[i]), stored[i.ToString()]);
    }

    /// <summary>
    /// MongoDB puts _id first (generating an ObjectId when there is none) and copies every other element as it came
    /// (src/mongo/db/ops/insert.cpp, fixDocumentForInsert: b.append(e)), so an array keeps even keys that are not its
    /// indexes, as a damaged dump may hold them.
    /// </summary>
    [Fact]
    public void A_document_whose_id_is_not_first_is_stored_with_it_first_and_its_other_elements_byte_exact()
    {
        var db = Database("bytes");
        var collection = db.GetCollection<RawBsonDocument>("reordered");
        // An array whose second key is "3", not "1", as a bit flip leaves it.
        var tags = new BsonDocument { { "0", "t0" }, { "3", "t1" } };
        var late = ArrayKeyed(new BsonDocument { { "z", "late" }, { "tags", tags }, { "_id", 7 } }, "tags");
        var none = ArrayKeyed(new BsonDocument { { "z", "none" }, { "tags", tags } }, "tags");
        collection.InsertOne(new RawBsonDocument(late));
        collection.InsertOne(new RawBsonDocument(none));

        var stored = StoredBytes(db, "reordered");
        Assert.Equal(ArrayKeyed(new BsonDocument { { "_id", 7 }, { "z", "late" }, { "tags", tags } }, "tags"), stored["late"]);
        var generated = new RawBsonDocument(stored["none"])["_id"];
        Assert.Equal(BsonType.ObjectId, generated.BsonType);
        Assert.Equal(ArrayKeyed(new BsonDocument { { "_id", generated }, { "z", "none" }, { "tags", tags } }, "tags"), stored["none"]);
    }

    /// <summary>The BSON of <paramref name="document"/> with its sub-document <paramref name="field"/> typed as an array, keys and all.</summary>
    private static byte[] ArrayKeyed(BsonDocument document, string field)
    {
        var bytes = document.ToBson();
        var name = System.Text.Encoding.UTF8.GetBytes(field + "\0");
        var at = bytes.AsSpan().IndexOf(name) - 1;
        Assert.Equal((byte)BsonType.Document, bytes[at]);
        bytes[at] = (byte)BsonType.Array;
        return bytes;
    }

    [InMemoryFact("a 1 MB oplog (--oplogSizeMB 1)")]
    public void A_small_capped_oplog_keeps_its_newest_entries_readable()
    {
        var client = Connect(StartServer(oplogSizeMB: 1));
        var collection = client.GetDatabase("bytes").GetCollection<BsonDocument>("rolling");
        // About 3 MB of inserts through a 1 MB oplog: its oldest slab segments are dropped as it rolls.
        for (var batch = 0; batch < 30; batch++)
            collection.InsertMany(Enumerable.Range(batch * 100, 100).Select(i => DocumentWith(i, i)));

        var entries = Inserts(Oplog(client), "bytes.rolling");
        Assert.InRange(entries.Count, 100, 2999);
        Assert.Equal(2999, entries[^1]["o"]["_id"].ToInt32());
        foreach (var entry in entries)
            Assert.Equal(BytesOf(DocumentWith(entry["o"]["_id"], entry["o"]["_id"].ToInt32())), BytesOf(entry["o"].AsBsonDocument));
    }
}
