using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// Updates with the positional "$" operator and pipeline-style updates, what the oplog records of them, and that
/// replaying those entries through applyOps rebuilds the same documents. Runs against MONGOBACKUP_TEST_URI when set.
/// The oplog forms: an operator update is logged as a "$v: 2" delta naming the changed paths
/// (src/mongo/db/update/v2_log_builder.cpp); a pipeline update as that delta when it is smaller than the new document,
/// else as the whole new document (src/mongo/db/update/pipeline_executor.cpp, applyUpdate).
/// </summary>
public class PositionalAndPipelineUpdateTests : ServerTestBase
{
    private static readonly BsonDocument Order = BsonDocument.Parse(
        "{_id: 1, customer: 'Ada Lovelace, Analytical Engines Ltd', items: [" +
        "{sku: 'apple', qty: 1, note: 'first crate of the season'}, {sku: 'pear', qty: 2, note: 'ripe, handle with care'}]}");

    private (IMongoDatabase Db, IMongoCollection<BsonDocument> Orders) Seeded()
    {
        var db = Database("upd");
        var orders = db.GetCollection<BsonDocument>("orders");
        orders.InsertOne(Order.DeepClone().AsBsonDocument);
        return (db, orders);
    }

    private BsonDocument LoggedUpdate(IMongoDatabase db) =>
        OplogOf(db.DatabaseNamespace.DatabaseName, new BsonDocument("op", "u")).Last()["o"].AsBsonDocument;

    [Fact]
    public void Positional_set_changes_the_array_element_the_query_matched_and_logs_a_delta_of_that_element()
    {
        var (db, orders) = Seeded();
        var result = orders.UpdateOne(BsonDocument.Parse("{_id: 1, 'items.sku': 'pear'}"), BsonDocument.Parse("{$set: {'items.$.qty': 5}}"));

        Assert.Equal(1, result.ModifiedCount);
        var items = orders.Find(new BsonDocument()).Single()["items"].AsBsonArray;
        Assert.Equal([1, 5], items.Select(i => i["qty"].AsInt32));
        Assert.Equal(BsonDocument.Parse("{$v: 2, diff: {sitems: {a: true, s1: {u: {qty: 5}}}}}"), LoggedUpdate(db));
    }

    [Fact]
    public void Positional_operator_takes_the_element_elemMatch_matched_and_each_document_its_own()
    {
        var (db, orders) = Seeded();
        orders.InsertOne(BsonDocument.Parse("{_id: 2, items: [{sku: 'fig', qty: 7}, {sku: 'plum', qty: 7}, {sku: 'apple', qty: 1}]}"));

        orders.UpdateMany(BsonDocument.Parse("{items: {$elemMatch: {sku: 'apple', qty: {$lt: 3}}}}"), BsonDocument.Parse("{$inc: {'items.$.qty': 10}}"));
        orders.UpdateOne(BsonDocument.Parse("{_id: 2, 'items.qty': 7}"), BsonDocument.Parse("{$set: {'items.$.sku': 'date'}}"));

        var all = orders.Find(new BsonDocument()).SortBy(d => d["_id"]).ToList();
        Assert.Equal([11, 2], all[0]["items"].AsBsonArray.Select(i => i["qty"].AsInt32));
        Assert.Equal([7, 7, 11], all[1]["items"].AsBsonArray.Select(i => i["qty"].AsInt32));
        Assert.Equal(["date", "plum", "apple"], all[1]["items"].AsBsonArray.Select(i => i["sku"].AsString));
    }

    [Fact]
    public void Positional_operator_on_an_array_of_values_replaces_the_matched_value()
    {
        var db = Database("upd");
        var tags = db.GetCollection<BsonDocument>("tags");
        tags.InsertOne(BsonDocument.Parse("{_id: 1, tags: ['red', 'green', 'blue']}"));
        tags.UpdateOne(BsonDocument.Parse("{tags: 'green'}"), BsonDocument.Parse("{$set: {'tags.$': 'lime'}}"));
        Assert.Equal(BsonDocument.Parse("{_id: 1, tags: ['red', 'lime', 'blue']}"), tags.Find(new BsonDocument()).Single());
    }

    [Theory]
    // The query matched no array element (here it names no array at all): src/mongo/db/update/update_object_node.cpp.
    [InlineData("{_id: 1}", "{$set: {'items.$.qty': 5}}", 2, "The positional operator did not find the match needed from the query.")]
    [InlineData("{'items.sku': 'pear'}", "{$set: {'items.$.a.$': 5}}", 2, "Too many positional (i.e. '$') elements found in path 'items.$.a.$'")]
    public void Positional_operator_without_a_match_or_twice_in_a_path_fails_as_MongoDB_fails(string filter, string update, int code, string message)
    {
        var (_, orders) = Seeded();
        var error = Assert.Throws<MongoWriteException>(() => orders.UpdateOne(BsonDocument.Parse(filter), BsonDocument.Parse(update)));
        Assert.Equal((code, message), (error.WriteError.Code, error.WriteError.Message));
        Assert.Equal(Order, orders.Find(new BsonDocument()).Single());
    }

    [Fact]
    public void Upserting_with_the_positional_operator_fails_as_there_is_no_matched_element()
    {
        var (_, orders) = Seeded();
        var error = Assert.Throws<MongoWriteException>(() => orders.UpdateOne(BsonDocument.Parse("{_id: 9, 'items.sku': 'kiwi'}"),
            BsonDocument.Parse("{$set: {'items.$.qty': 5}}"), new UpdateOptions { IsUpsert = true }));
        Assert.Equal(2, error.WriteError.Code);
        Assert.Equal(1, orders.CountDocuments(new BsonDocument()));
    }

    [Fact]
    public void Pipeline_update_sets_and_unsets_fields_and_logs_the_small_change_as_a_delta()
    {
        var (db, orders) = Seeded();
        var pipeline = new BsonDocumentStagePipelineDefinition<BsonDocument, BsonDocument>(
        [
            BsonDocument.Parse("{$set: {status: 'shipped', first: '$items.sku', 'address.city': 'London'}}"),
            BsonDocument.Parse("{$unset: 'customer'}"),
        ]);
        orders.UpdateOne(new BsonDocument("_id", 1), Builders<BsonDocument>.Update.Pipeline(pipeline));

        var expected = BsonDocument.Parse("{_id: 1, items: " + Order["items"].ToJson() + ", status: 'shipped', first: ['apple', 'pear'], address: {city: 'London'}}");
        Assert.Equal(expected, orders.Find(new BsonDocument()).Single());
        Assert.Equal(BsonDocument.Parse("{$v: 2, diff: {d: {customer: false}, i: {status: 'shipped', first: ['apple', 'pear'], address: {city: 'London'}}}}"),
            LoggedUpdate(db));
    }

    [Fact]
    public void Pipeline_update_that_rewrites_the_document_is_logged_as_the_whole_new_document()
    {
        var (db, orders) = Seeded();
        var pipeline = new BsonDocumentStagePipelineDefinition<BsonDocument, BsonDocument>(
            [BsonDocument.Parse("{$replaceWith: {lines: '$items.qty'}}")]);
        orders.UpdateOne(new BsonDocument("_id", 1), Builders<BsonDocument>.Update.Pipeline(pipeline));

        var expected = BsonDocument.Parse("{_id: 1, lines: [1, 2]}");
        Assert.Equal(expected, orders.Find(new BsonDocument()).Single());
        Assert.Equal(expected, LoggedUpdate(db));
    }

    [Theory]
    [InlineData("[{$replaceWith: '$customer'}]", 40228, "'replacement document' must evaluate to an object, but resulting value was:")]
    [InlineData("[{$match: {}}]", 72, "$match is not allowed to be used within an update")]
    public void Pipeline_updates_fail_as_MongoDB_fails_and_change_nothing(string pipeline, int code, string messageStart)
    {
        var (_, orders) = Seeded();
        var stages = BsonDocument.Parse($"{{p: {pipeline}}}")["p"].AsBsonArray.Select(s => s.AsBsonDocument).ToList();
        var error = Assert.ThrowsAny<MongoException>(() => orders.UpdateOne(new BsonDocument("_id", 1),
            Builders<BsonDocument>.Update.Pipeline(new BsonDocumentStagePipelineDefinition<BsonDocument, BsonDocument>(stages))));
        var (actualCode, message) = error switch
        {
            MongoWriteException write => (write.WriteError.Code, write.WriteError.Message),
            MongoCommandException command => (command.Code, command.ErrorMessage),
            _ => throw error,
        };
        Assert.Equal(code, actualCode);
        Assert.StartsWith(messageStart, message);
        Assert.Equal(Order, orders.Find(new BsonDocument()).Single());
    }

    /// <summary>
    /// What restore's oplog replay does with these entries: applyOps of the logged inserts and updates, into a collection
    /// of another database (ns renamed, "ui" dropped as the collection there has its own), gives the same documents.
    /// </summary>
    [Fact]
    public void Replaying_the_logged_positional_and_pipeline_updates_through_applyOps_gives_the_same_documents()
    {
        var (db, orders) = Seeded();
        orders.InsertOne(BsonDocument.Parse("{_id: 2, items: [{sku: 'fig', qty: 7}, {sku: 'plum', qty: 3}], customer: 'Charles Babbage'}"));
        orders.UpdateOne(BsonDocument.Parse("{'items.sku': 'pear'}"), BsonDocument.Parse("{$set: {'items.$.qty': 5}, $unset: {'items.$.note': 1}}"));
        orders.UpdateOne(BsonDocument.Parse("{_id: 2, 'items.qty': {$lt: 5}}"), BsonDocument.Parse("{$push: {'items.$.history': 'recounted'}}"));
        orders.UpdateMany(new BsonDocument(), Builders<BsonDocument>.Update.Pipeline(new BsonDocumentStagePipelineDefinition<BsonDocument, BsonDocument>(
            [BsonDocument.Parse("{$set: {buyer: '$customer', count: '$items.qty'}}"), BsonDocument.Parse("{$unset: ['customer']}")])));
        orders.UpdateOne(new BsonDocument("_id", 2), Builders<BsonDocument>.Update.Pipeline(new BsonDocumentStagePipelineDefinition<BsonDocument, BsonDocument>(
            [BsonDocument.Parse("{$replaceRoot: {newRoot: {buyer: '$buyer'}}}")])));

        var source = db.DatabaseNamespace.DatabaseName;
        var logged = OplogOf(source).Where(e => e["op"] == "i" || e["op"] == "u").ToList();
        Assert.Equal(5, logged.Count(e => e["op"] == "u"));
        Assert.Contains(logged, e => e["op"] == "u" && !e["o"].AsBsonDocument.Contains("$v")); // the $replaceRoot: a replacement

        var replay = Database("replay");
        replay.CreateCollection("orders");
        var target = replay.DatabaseNamespace.DatabaseName + ".orders";
        var reply = ApplyLoggedTo(target, logged);
        Assert.Equal(1.0, reply["ok"].ToDouble());

        var expected = orders.Find(new BsonDocument()).SortBy(d => d["_id"]).ToList();
        Assert.Equal(BsonDocument.Parse("{_id: 2, buyer: 'Charles Babbage'}"), expected[1]);
        Assert.Equal(expected, replay.GetCollection<BsonDocument>("orders").Find(new BsonDocument()).SortBy(d => d["_id"]).ToList());
    }
}
