using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// convertToCapped as mongod 7.0 makes and logs it (src/mongo/db/catalog/capped_utils.cpp): a temporary collection
/// "tmpXXXXX.convertToCapped.NAME" created capped with temp: true, each document inserted into it with fromMigrate:
/// true, then renamed over NAME with dropTarget (the old collection's UUID) and stayTemp false. The collection is then
/// capped at the size (rounded up to 256s), holds its documents, keeps only its _id index and is temp no more. Runs
/// against MONGOBACKUP_TEST_URI when set.
/// </summary>
public sealed class ConvertToCappedTests : ServerTestBase
{
    [Fact]
    public void ConvertToCapped_logs_a_temporary_capped_copy_its_inserts_from_migrate_and_a_rename_over_the_original()
    {
        var db = Database("capconv");
        var database = db.DatabaseNamespace.DatabaseName;
        var items = db.GetCollection<BsonDocument>("items");
        items.InsertMany(Enumerable.Range(1, 3).Select(i => new BsonDocument { { "_id", i }, { "n", i } }));
        items.Indexes.CreateOne(new CreateIndexModel<BsonDocument>(new BsonDocument("n", 1)));
        var oldUuid = db.ListCollections().ToList().Single(c => c["name"] == "items")["info"]["uuid"];

        db.RunCommand<BsonDocument>(BsonDocument.Parse("{convertToCapped: 'items', size: 10000}"));

        var entries = OplogOf(database).SkipWhile(e => !(e["o"].AsBsonDocument.TryGetValue("create", out var c) && c.AsString.EndsWith(".convertToCapped.items"))).ToList();
        var create = entries[0]["o"].AsBsonDocument;
        var tmp = create["create"].AsString;
        Assert.Matches("^tmp[0-9A-Za-z]{5}\\.convertToCapped\\.items$", tmp);
        Assert.Equal([("capped", BsonType.Boolean), ("size", BsonType.Int32), ("temp", BsonType.Boolean)],
            create.Where(e => e.Name is not ("create" or "idIndex")).Select(e => (e.Name, e.Value.BsonType)));
        Assert.Equal((10240, true), (create["size"].AsInt32, create["temp"].AsBoolean));
        var inserts = entries.Skip(1).Take(3).ToList();
        Assert.All(inserts, e => Assert.Equal(("i", $"{database}.{tmp}", true), (e["op"].AsString, e["ns"].AsString, e["fromMigrate"].AsBoolean)));
        Assert.Equal([1, 2, 3], inserts.Select(e => e["o"]["_id"].AsInt32));
        var rename = entries[4];
        Assert.Equal(("c", $"{database}.$cmd"), (rename["op"].AsString, rename["ns"].AsString));
        Assert.Equal(new BsonDocument
        {
            { "renameCollection", $"{database}.{tmp}" }, { "to", $"{database}.items" }, { "stayTemp", false }, { "dropTarget", oldUuid },
        }, rename["o"]);
        Assert.Equal(3, rename["o2"]["numRecords"].ToInt32());

        var listed = db.ListCollections().ToList().Single(c => c["name"] == "items");
        Assert.Equal(new BsonDocument { { "capped", true }, { "size", 10240 } }, listed["options"]);
        Assert.Equal([1, 2, 3], items.Find(FilterDefinition<BsonDocument>.Empty).ToList().Select(d => d["_id"].AsInt32));
        Assert.Equal(["_id_"], items.Indexes.List().ToList().Select(i => i["name"].AsString));
        Assert.DoesNotContain(db.ListCollectionNames().ToList(), n => n.StartsWith("tmp"));
    }

    /// <summary>The entries replayed by applyOps, as a restore replays them, give the same capped collection with its documents.</summary>
    [Fact]
    public void The_logged_conversion_replayed_by_applyOps_gives_the_capped_collection_with_its_documents()
    {
        var db = Database("capconv");
        var items = db.GetCollection<BsonDocument>("items");
        items.InsertMany(Enumerable.Range(1, 3).Select(i => new BsonDocument("_id", i)));
        var logged = OplogOf(db.DatabaseNamespace.DatabaseName);
        db.RunCommand<BsonDocument>(BsonDocument.Parse("{convertToCapped: 'items', size: 4096}"));
        var conversion = OplogOf(db.DatabaseNamespace.DatabaseName).Skip(logged.Count).ToList();
        var copy = Database("capconv");
        var target = copy.DatabaseNamespace.DatabaseName;
        copy.GetCollection<BsonDocument>("items").InsertMany(Enumerable.Range(1, 3).Select(i => new BsonDocument("_id", i)));

        Target.Admin.RunCommand<BsonDocument>(new BsonDocument("applyOps", new BsonArray(conversion.Select(e => Retargeted(e, db.DatabaseNamespace.DatabaseName, target)))));

        Assert.Equal(new BsonDocument { { "capped", true }, { "size", 4096 } }, copy.ListCollections().ToList().Single(c => c["name"] == "items")["options"]);
        Assert.Equal([1, 2, 3], copy.GetCollection<BsonDocument>("items").Find(FilterDefinition<BsonDocument>.Empty).ToList().Select(d => d["_id"].AsInt32));
    }

    /// <summary>An entry's op, ns, o and o2 with database <paramref name="from"/> replaced by <paramref name="to"/>; a rename's dropTarget as a flag.</summary>
    private static BsonDocument Retargeted(BsonDocument entry, string from, string to)
    {
        string Re(string ns) => ns.StartsWith(from + ".") ? to + ns[from.Length..] : ns;
        var o = entry["o"].AsBsonDocument.DeepClone().AsBsonDocument;
        if (o.Contains("renameCollection"))
        {
            o["renameCollection"] = Re(o["renameCollection"].AsString);
            o["to"] = Re(o["to"].AsString);
            o["dropTarget"] = true;
        }
        return new BsonDocument { { "op", entry["op"] }, { "ns", Re(entry["ns"].AsString) }, { "o", o } };
    }
}
