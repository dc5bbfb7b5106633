using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// What the in-memory server leaves out because nothing this project runs uses it (distinct, the
/// aggregation pipeline beyond $match, $sort, $project, $sample, $group with $sum, a leading $collStats, and the stages of
/// pipeline-style updates: $set/$addFields, $unset, $replaceRoot/$replaceWith) fails as
/// MongoDB fails what it does not know, never with a quiet half-answer: CommandNotFound (59) for a command,
/// "Unrecognized pipeline stage name" (40324, src/mongo/db/pipeline/lite_parsed_document_source.cpp) for a stage,
/// "unknown group operator" (15952) for an accumulator and "Unrecognized expression" (168) for an expression operator.
/// A real mongod serves all of them, so these run against the in-memory server only.
/// </summary>
public class NotServedTests : ServerTestBase
{
    private const string Served = "a real mongod serves what the in-memory server refuses here";

    private IMongoCollection<BsonDocument> Items()
    {
        var items = Database("app").GetCollection<BsonDocument>("items");
        items.InsertMany([BsonDocument.Parse("{_id: 1, t: ['a', 'b'], n: 2}"), BsonDocument.Parse("{_id: 2, t: ['c'], n: 3}")]);
        return items;
    }

    [InMemoryTheory(Served)]
    [InlineData("distinct", "{distinct: 'items', key: 't'}")]
    public void Commands_not_served_fail_with_CommandNotFound_and_change_nothing(string name, string command)
    {
        var items = Items();
        var error = Assert.Throws<MongoCommandException>(() => items.Database.RunCommand<BsonDocument>(BsonDocument.Parse(command)));
        Assert.Equal((59, "CommandNotFound", $"no such command: '{name}'"), (error.Code, error.CodeName, error.ErrorMessage));
        Assert.Equal(BsonDocument.Parse("{_id: 1, t: ['a', 'b'], n: 2}"), items.Find(new BsonDocument("_id", 1)).Single());
    }

    [InMemoryFact(Served)]
    public void The_drivers_distinct_meets_CommandNotFound()
    {
        var items = Items();
        Assert.Equal(59, Assert.Throws<MongoCommandException>(() => items.Distinct<BsonValue>("t", new BsonDocument()).ToList()).Code);
    }

    [InMemoryTheory(Served)]
    [InlineData("[{$unwind: '$t'}]", 40324, "Unrecognized pipeline stage name: '$unwind'")]
    [InlineData("[{$match: {}}, {$limit: 1}]", 40324, "Unrecognized pipeline stage name: '$limit'")]
    [InlineData("[{$count: 'm'}]", 40324, "Unrecognized pipeline stage name: '$count'")]
    [InlineData("[{$lookup: {from: 'items', localField: '_id', foreignField: '_id', as: 'self'}}]", 40324, "Unrecognized pipeline stage name: '$lookup'")]
    [InlineData("[{$group: {_id: null, n: {$avg: '$n'}}}]", 15952, "unknown group operator '$avg'")]
    [InlineData("[{$project: {m: {$add: ['$n', 1]}}}]", 168, "Unrecognized expression '$add'")]
    public void Pipeline_stages_and_operators_not_served_fail_with_MongoDBs_error_for_an_unknown_one(string pipeline, int code, string message)
    {
        var items = Items();
        var stages = BsonDocument.Parse($"{{p: {pipeline}}}")["p"].AsBsonArray.Select(s => s.AsBsonDocument).ToArray();
        var error = Assert.Throws<MongoCommandException>(() => items.Aggregate<BsonDocument>(stages).ToList());
        Assert.Equal((code, message), (error.Code, error.ErrorMessage));
    }

    [InMemoryFact(Served)]
    public void Reading_the_pre_images_collection_fails_as_this_server_records_no_pre_images()
    {
        var preImages = Client.GetDatabase("config").GetCollection<BsonDocument>("system.preimages");
        var find = Assert.Throws<MongoCommandException>(() => preImages.Find(new BsonDocument()).ToList());
        Assert.Equal(59, find.Code);
        Assert.Contains("config.system.preimages", find.ErrorMessage);
        Assert.Equal(59, Assert.Throws<MongoCommandException>(() => preImages.Aggregate<BsonDocument>(new[] { new BsonDocument("$match", new BsonDocument()) }).ToList()).Code);
    }

    [InMemoryFact(Served)]
    public void A_pipeline_update_using_an_expression_operator_not_served_fails_as_unrecognized_and_changes_nothing()
    {
        var items = Items();
        var update = Builders<BsonDocument>.Update.Pipeline(new BsonDocumentStagePipelineDefinition<BsonDocument, BsonDocument>(
            [BsonDocument.Parse("{$set: {m: {$add: ['$n', 1]}}}")]));
        var error = Assert.Throws<MongoWriteException>(() => items.UpdateOne(new BsonDocument("_id", 1), update));
        Assert.Equal((168, "Unrecognized expression '$add'"), (error.WriteError.Code, error.WriteError.Message));
        Assert.Equal(BsonDocument.Parse("{_id: 1, t: ['a', 'b'], n: 2}"), items.Find(new BsonDocument("_id", 1)).Single());
    }

    [InMemoryFact(Served)]
    public void A_view_whose_pipeline_uses_a_stage_not_served_fails_when_read()
    {
        var items = Items();
        items.Database.CreateView<BsonDocument, BsonDocument>("tags", "items",
            new EmptyPipelineDefinition<BsonDocument>().AppendStage<BsonDocument, BsonDocument, BsonDocument>(BsonDocument.Parse("{$unwind: '$t'}")));
        var error = Assert.Throws<MongoCommandException>(() => items.Database.GetCollection<BsonDocument>("tags").Find(new BsonDocument()).ToList());
        Assert.Equal((40324, "Unrecognized pipeline stage name: '$unwind'"), (error.Code, error.ErrorMessage));
    }
}
