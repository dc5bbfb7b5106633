using MongoBackup.TestServer.Query;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Tests;

/// <summary>The pipeline stages the server serves ($match, $sort, $project, $sample, $group with $sum) and its refusal of the rest.</summary>
public class QueryAggregationTests
{
    private static BsonArray Array(string json) => BsonDocument.Parse($"{{v: {json}}}")["v"].AsBsonArray;

    private static List<BsonDocument> Docs(string json) => Array(json).Select(v => v.AsBsonDocument).ToList();

    private static string Run(string pipeline, string input) =>
        new BsonArray(AggregationPipeline.Parse(Array(pipeline)).Run(Docs(input))).ToJson();

    private static string Json(string array) => Array(array).ToJson();

    private const string People = "[{_id: 1, name: 'ann', age: 30, city: 'Oslo'}, {_id: 2, name: 'bob', age: 25, city: 'Rome'}, {_id: 3, name: 'cid', age: 35, city: 'Oslo'}, {_id: 4, name: 'dee', city: 'Rome', age: 25.0}]";

    [Fact]
    public void Match_sort_and_project()
    {
        Assert.Equal(Json("[{_id: 3, name: 'cid'}, {_id: 1, name: 'ann'}]"),
            Run("[{$match: {city: 'Oslo'}}, {$sort: {age: -1}}, {$project: {name: 1}}]", People));
        Assert.Equal("[2,4,1,3]", new BsonArray(AggregationPipeline.Parse(Array("[{$sort: {age: 1, _id: 1}}]")).Run(Docs(People)).Select(d => d["_id"])).ToJson().Replace(" ", ""));
    }

    [Fact]
    public void Group_sums_numbers_per_id_ignoring_everything_else()
    {
        // The driver's CountDocuments: {$group: {_id: 1, n: {$sum: 1}}}.
        Assert.Equal(Json("[{_id: 1, n: 4}]"), Run("[{$group: {_id: 1, n: {$sum: 1}}}]", People));
        Assert.Equal(Json("[{_id: 'Oslo', total: 65}, {_id: 'Rome', total: 50.0}]"), Run("[{$group: {_id: '$city', total: {$sum: '$age'}}}]", People));
        Assert.Equal(Json("[{_id: null, n: 0}]"), Run("[{$group: {_id: null, n: {$sum: '$name'}}}]", People));
        Assert.Equal(Json("[{_id: null, n: 0}]"), Run("[{$group: {_id: null, n: {$sum: '$a'}}}]", "[{a: [1, 2]}]"));
        Assert.Equal(Json("[{_id: null, n: NumberLong('4294967294')}]"), Run("[{$group: {_id: null, n: {$sum: '$a'}}}]", "[{a: 2147483647}, {a: 2147483647}]"));
    }

    [Fact]
    public void Group_ids_can_be_null_or_compound_and_equal_numbers_share_a_group()
    {
        Assert.Equal(Json("[{_id: null, n: 4}]"), Run("[{$group: {_id: null, n: {$sum: 1}}}]", People));
        Assert.Equal(Json("[{_id: 25, n: 2}]"), Run("[{$match: {city: 'Rome'}}, {$group: {_id: '$age', n: {$sum: 1}}}]", People));
        Assert.Equal(Json("[{_id: {c: 'Oslo'}, n: 2}]"), Run("[{$match: {city: 'Oslo'}}, {$group: {_id: {c: '$city'}, n: {$sum: 1}}}]", People));
    }

    [Fact]
    public void Sample_returns_distinct_documents_from_the_input()
    {
        var input = Enumerable.Range(0, 100).Select(i => new BsonDocument("_id", i)).ToList();
        var sample = AggregationPipeline.Parse(Array("[{$sample: {size: 10}}]")).Run(input).ToList();
        Assert.Equal(10, sample.Count);
        Assert.Equal(10, sample.Select(d => d["_id"].AsInt32).Distinct().Count());
        Assert.Equal(5, AggregationPipeline.Parse(Array("[{$sample: {size: 50}}]")).Run(input.Take(5)).Count());
    }

    /// <summary>Stages, accumulators and operators left out are refused through the driver in <see cref="NotServedTests"/>.</summary>
    [Theory]
    [InlineData("[{$collStats: {}}]", 40324, "Unrecognized pipeline stage name: '$collStats'")] // only a leading one, answered by aggregate
    [InlineData("[{$match: {$expr: {$gt: ['$a', 1]}}}]", 2, "unknown top level operator: $expr. If you have a field name that starts with a '$' symbol, consider using $getField or $setField.")]
    [InlineData("[{$group: {n: {$sum: 1}}}]", 15955, "a group specification must include an _id")]
    [InlineData("[{$match: {}, $sort: {a: 1}}]", 40323, "A pipeline stage specification object must contain exactly one field.")]
    public void What_is_not_served_or_malformed_fails_when_parsed_with_MongoDBs_code(string pipeline, int code, string message)
    {
        var failure = Assert.Throws<CommandFailure>(() => AggregationPipeline.Parse(Array(pipeline)));
        Assert.Equal((code, message), (failure.Code, failure.Message));
    }

    [Fact]
    public void Running_does_not_change_the_input()
    {
        var input = Docs("[{_id: 1, t: [1, 2], u: 3}]");
        AggregationPipeline.Parse(Array("[{$project: {t: 1}}, {$group: {_id: '$t', n: {$sum: '$u'}}}]")).Run(input).ToList();
        Assert.Equal(Json("[{_id: 1, t: [1, 2], u: 3}]"), new BsonArray(input).ToJson());
    }
}
