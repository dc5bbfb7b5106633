using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// Views are created, changed and dropped as inserts, updates and deletes in &lt;db&gt;.system.views, as MongoDB logs them
/// (jstests/replsets/view_catalog_oplog_entries.js), and replaying those entries brings the view back. Runs against
/// MONGOBACKUP_TEST_URI when set.
/// </summary>
public class ViewTests
{
    [Fact]
    public void A_view_s_life_is_logged_as_writes_to_system_views_and_no_command_names_the_view()
    {
        using var target = MongoTarget.Open();
        var database = target.NewDatabaseName("views");
        var db = target.Client.GetDatabase(database);
        db.GetCollection<BsonDocument>("orders").InsertOne(new BsonDocument { { "_id", 1 }, { "qty", 5 } });
        db.CreateView<BsonDocument, BsonDocument>("big", "orders", new EmptyPipelineDefinition<BsonDocument>().Match(BsonDocument.Parse("{qty: {$gt: 1}}")));
        db.RunCommand<BsonDocument>(BsonDocument.Parse("{collMod: 'big', viewOn: 'orders', pipeline: [{$project: {qty: 1}}]}"));
        db.DropCollection("big");

        var entries = target.OplogSince(new BsonDocument("ns", new BsonRegularExpression("^" + database + "\\.")));
        var views = entries.Where(e => e["ns"] == database + ".system.views").ToList();
        Assert.Equal(["i", "u", "d"], views.Select(e => e["op"].AsString));
        var id = database + ".big";
        Assert.Equal(new BsonDocument { { "_id", id }, { "viewOn", "orders" }, { "pipeline", BsonArray.Create(new[] { BsonDocument.Parse("{$match: {qty: {$gt: 1}}}") }) } }, views[0]["o"]);
        Assert.Equal(new BsonDocument { { "_id", id }, { "viewOn", "orders" }, { "pipeline", BsonArray.Create(new[] { BsonDocument.Parse("{$project: {qty: 1}}") }) } }, views[1]["o"]);
        Assert.Equal(new BsonDocument("_id", id), views[1]["o2"]);
        Assert.Equal(new BsonDocument("_id", id), views[2]["o"]);
        Assert.All(views, e => Assert.Equal(views[0]["ui"], e["ui"])); // all on system.views, one UUID
        var commands = entries.Where(e => e["op"] == "c").Select(e => e["o"].AsBsonDocument).ToList();
        Assert.Contains(commands, o => o.GetValue("create", "") == "system.views");
        Assert.DoesNotContain(commands, o => o[0] == "big");
    }

    [Fact]
    public void Replaying_the_system_views_entries_brings_the_view_back_changes_and_drops_it()
    {
        using var target = MongoTarget.Open();
        var shop = target.NewDatabaseName("shop");
        var sourceDb = target.Client.GetDatabase(shop);
        sourceDb.GetCollection<BsonDocument>("orders").InsertMany([BsonDocument.Parse("{_id: 1, qty: 5}"), BsonDocument.Parse("{_id: 2, qty: 1}")]);
        sourceDb.CreateView<BsonDocument, BsonDocument>("big", "orders", new EmptyPipelineDefinition<BsonDocument>().Match(BsonDocument.Parse("{qty: {$gt: 1}}")));
        sourceDb.RunCommand<BsonDocument>(BsonDocument.Parse("{collMod: 'big', viewOn: 'orders', pipeline: [{$match: {qty: {$lt: 3}}}]}"));
        var within = new BsonRegularExpression("^" + shop + "\\."); // its inserts may be grouped in an applyOps entry
        var oplog = target.OplogSince(new BsonDocument("$or", new BsonArray { new BsonDocument("ns", within), new BsonDocument("o.applyOps.ns", within) }));

        var database = target.NewDatabaseName("replayed");
        var replay = new MongorestoreReplay(target.Client);
        BsonDocument Moved(BsonDocument e) => BsonDocument.Parse(e.ToJson().Replace("\"" + shop + ".", "\"" + database + "."));
        var db = target.Client.GetDatabase(database);
        List<int> ThroughTheView() => db.GetCollection<BsonDocument>("big").Find(new BsonDocument()).ToList().Select(d => d["_id"].AsInt32).ToList();

        var creation = oplog.TakeWhile(e => !(e["ns"] == shop + ".system.views" && e["op"] == "u")).ToList();
        replay.Apply(creation.Select(Moved));
        var listed = db.ListCollections(new ListCollectionsOptions { Filter = new BsonDocument("name", "big") }).Single();
        Assert.Equal("view", listed["type"].AsString);
        Assert.Equal([1], ThroughTheView());

        replay.Apply(oplog.Skip(creation.Count).Select(Moved));
        Assert.Equal([2], ThroughTheView());

        replay.Apply(Moved(new BsonDocument { { "op", "d" }, { "ns", shop + ".system.views" }, { "o", new BsonDocument("_id", shop + ".big") } }));
        Assert.DoesNotContain("big", db.ListCollectionNames().ToList());
    }
}
