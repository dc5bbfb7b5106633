using MongoBackup.TestServer.Query;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Tests;

public class QueryAggregationTests
{
    private static BsonArray Array(string json) => BsonDocument.Parse($"{{v: {json}}}")["v"].AsBsonArray;

    private static List<BsonDocument> Docs(string json) => Array(json).Select(v => v.AsBsonDocument).ToList();

    private static string Run(string pipeline, string input) =>
        new BsonArray(AggregationPipeline.Parse(Array(pipeline)).Run(Docs(input))).ToJson();

    private static string Json(string array) => Array(array).ToJson();

    private const string People = "[{_id: 1, name: 'ann', age: 30, city: 'Oslo'}, {_id: 2, name: 'bob', age: 25, city: 'Rome'}, {_id: 3, name: 'cid', age: 35, city: 'Oslo'}, {_id: 4, name: 'dee', city: 'Rome', age: 25.0}]";

    [Fact]
    public void Match_sort_skip_limit()
    {
        Assert.Equal(Json("[{_id: 3, name: 'cid', age: 35, city: 'Oslo'}]"),
            Run("[{$match: {city: 'Oslo'}}, {$sort: {age: -1}}, {$limit: 1}]", People));
        Assert.Equal("[2,4,1]", new BsonArray(AggregationPipeline.Parse(Array("[{$sort: {age: 1, _id: 1}}, {$limit: 3}]")).Run(Docs(People)).Select(d => d["_id"])).ToJson().Replace(" ", ""));
        Assert.Equal(Json("[{_id: 3, name: 'cid', age: 35, city: 'Oslo'}, {_id: 4, name: 'dee', city: 'Rome', age: 25.0}]"), Run("[{$skip: 2}]", People));
    }

    [Fact]
    public void Project_addFields_set_and_unset()
    {
        Assert.Equal(Json("[{_id: 1, name: 'ann', next: 31}]"), Run("[{$match: {_id: 1}}, {$project: {name: 1, next: {$add: ['$age', 1]}}}]", People));
        Assert.Equal(Json("[{_id: 1, name: 'ann', age: 30, city: 'OSLO', tag: 'x'}]"), Run("[{$match: {_id: 1}}, {$addFields: {city: {$toUpper: '$city'}, tag: 'x'}}]", People));
        Assert.Equal(Json("[{_id: 1, name: 'ann', age: 30, city: 'Oslo', n: {a: 2}}]"), Run("[{$match: {_id: 1}}, {$set: {'n.a': 2}}]", People));
        Assert.Equal(Json("[{_id: 1, name: 'ann'}]"), Run("[{$match: {_id: 1}}, {$unset: ['age', 'city']}]", People));
        Assert.Equal(Json("[{_id: 1, age: 30}]"), Run("[{$match: {_id: 1}}, {$set: {name: '$$REMOVE', city: '$$REMOVE'}}]", People));
    }

    [Fact]
    public void Group_with_every_accumulator()
    {
        var result = Run("[{$group: {_id: '$city', n: {$sum: 1}, total: {$sum: '$age'}, avg: {$avg: '$age'}, min: {$min: '$age'}, max: {$max: '$name'}, first: {$first: '$name'}, last: {$last: '$name'}, names: {$push: '$name'}, ages: {$addToSet: '$age'}, c: {$count: {}}}}]", People);
        Assert.Equal(Json("[{_id: 'Oslo', n: 2, total: 65, avg: 32.5, min: 30, max: 'cid', first: 'ann', last: 'cid', names: ['ann', 'cid'], ages: [30, 35], c: 2}, {_id: 'Rome', n: 2, total: 50.0, avg: 25.0, min: 25, max: 'dee', first: 'bob', last: 'dee', names: ['bob', 'dee'], ages: [25], c: 2}]"), result);
    }

    [Fact]
    public void Group_ids_can_be_null_or_compound_and_equal_numbers_share_a_group()
    {
        Assert.Equal(Json("[{_id: null, n: 4}]"), Run("[{$group: {_id: null, n: {$sum: 1}}}]", People));
        Assert.Equal(Json("[{_id: 25, n: 2}]"), Run("[{$match: {city: 'Rome'}}, {$group: {_id: '$age', n: {$sum: 1}}}]", People));
        Assert.Equal(Json("[{_id: {c: 'Oslo', old: true}, n: 2}]"), Run("[{$match: {city: 'Oslo'}}, {$group: {_id: {c: '$city', old: {$gte: ['$age', 30]}}, n: {$sum: 1}}}]", People));
    }

    [Fact]
    public void Count_and_sortByCount()
    {
        Assert.Equal(Json("[{total: 4}]"), Run("[{$count: 'total'}]", People));
        Assert.Equal(Json("[]"), Run("[{$match: {city: 'Paris'}}, {$count: 'total'}]", People));
        Assert.Equal(Json("[{_id: 25, count: 2}, {_id: 30, count: 1}, {_id: 35, count: 1}]"), Run("[{$sortByCount: '$age'}]", People));
    }

    [Fact]
    public void Unwind_with_and_without_options()
    {
        const string input = "[{_id: 1, t: ['a', 'b']}, {_id: 2, t: []}, {_id: 3}, {_id: 4, t: 'solo'}]";
        Assert.Equal(Json("[{_id: 1, t: 'a'}, {_id: 1, t: 'b'}, {_id: 4, t: 'solo'}]"), Run("[{$unwind: '$t'}]", input));
        Assert.Equal(Json("[{_id: 1, t: 'a', i: NumberLong(0)}, {_id: 1, t: 'b', i: NumberLong(1)}, {_id: 2, i: null}, {_id: 3, i: null}, {_id: 4, t: 'solo', i: null}]"),
            Run("[{$unwind: {path: '$t', includeArrayIndex: 'i', preserveNullAndEmptyArrays: true}}]", input));
    }

    [Fact]
    public void Unwind_of_a_nested_path_keeps_documents_without_the_parent_when_preserving()
    {
        const string input = "[{_id: 1, a: {t: [1, 2]}}, {_id: 2}, {_id: 3, a: {t: null}}]";
        Assert.Equal(Json("[{_id: 1, a: {t: 1}}, {_id: 1, a: {t: 2}}, {_id: 2}, {_id: 3, a: {t: null}}]"),
            Run("[{$unwind: {path: '$a.t', preserveNullAndEmptyArrays: true}}]", input));
    }

    [Fact]
    public void ReplaceRoot_and_replaceWith()
    {
        const string input = "[{_id: 1, inner: {x: 1}}]";
        Assert.Equal(Json("[{x: 1}]"), Run("[{$replaceRoot: {newRoot: '$inner'}}]", input));
        Assert.Equal(Json("[{x: 1}]"), Run("[{$replaceWith: '$inner'}]", input));
        var e = Assert.Throws<CommandFailure>(() => Run("[{$replaceWith: '$missing'}]", input));
        Assert.Equal(40228, e.Code);
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

    [Fact]
    public void BucketAuto_finds_split_points_with_equal_counts()
    {
        var input = Enumerable.Range(0, 100).Select(i => new BsonDocument("_id", i)).Reverse().ToList();
        var buckets = AggregationPipeline.Parse(Array("[{$bucketAuto: {groupBy: '$_id', buckets: 4}}]")).Run(input).ToList();
        Assert.Equal(Json("[{_id: {min: 0, max: 25}, count: 25}, {_id: {min: 25, max: 50}, count: 25}, {_id: {min: 50, max: 75}, count: 25}, {_id: {min: 75, max: 99}, count: 25}]"),
            new BsonArray(buckets).ToJson());
    }

    [Fact]
    public void BucketAuto_keeps_equal_values_in_one_bucket()
    {
        var input = new[] { 1, 1, 1, 1, 2, 3 }.Select((v, i) => new BsonDocument { { "_id", i }, { "k", v } }).ToList();
        var buckets = AggregationPipeline.Parse(Array("[{$bucketAuto: {groupBy: '$k', buckets: 3}}]")).Run(input).ToList();
        Assert.Equal(Json("[{_id: {min: 1, max: 2}, count: 4}, {_id: {min: 2, max: 3}, count: 2}]"), new BsonArray(buckets).ToJson());
    }

    [Fact]
    public void BucketAuto_puts_the_remainder_into_the_last_bucket_and_supports_output()
    {
        var input = Enumerable.Range(0, 10).Select(i => new BsonDocument { { "_id", i }, { "w", i * 2 } }).ToList();
        var buckets = AggregationPipeline.Parse(Array("[{$bucketAuto: {groupBy: '$_id', buckets: 3, output: {n: {$sum: 1}, top: {$max: '$w'}}}}]")).Run(input).ToList();
        Assert.Equal(Json("[{_id: {min: 0, max: 3}, n: 3, top: 4}, {_id: {min: 3, max: 6}, n: 3, top: 10}, {_id: {min: 6, max: 9}, n: 4, top: 18}]"),
            new BsonArray(buckets).ToJson());
        var many = AggregationPipeline.Parse(Array("[{$bucketAuto: {groupBy: '$_id', buckets: 50}}]")).Run(input).ToList();
        Assert.Equal(10, many.Count);
        Assert.Empty(AggregationPipeline.Parse(Array("[{$bucketAuto: {groupBy: '$_id', buckets: 2}}]")).Run([]));
    }

    [Theory]
    [InlineData("{$add: [1, 2.5]}", "3.5")]
    [InlineData("{$subtract: ['$a', 1]}", "9")]
    [InlineData("{$multiply: ['$a', '$a']}", "100")]
    [InlineData("{$divide: ['$a', 4]}", "2.5")]
    [InlineData("{$mod: ['$a', 3]}", "1")]
    [InlineData("{$abs: -4}", "4")]
    [InlineData("{$cmp: ['$a', 11]}", "-1")]
    [InlineData("{$eq: ['$a', 10.0]}", "true")]
    [InlineData("{$ne: ['$s', 'x']}", "true")]
    [InlineData("{$cond: [{$gt: ['$a', 5]}, 'big', 'small']}", "'big'")]
    [InlineData("{$cond: {if: false, then: 1, else: 2}}", "2")]
    [InlineData("{$ifNull: ['$missing', 'default']}", "'default'")]
    [InlineData("{$concat: ['$s', '-', 'z']}", "'hello-z'")]
    [InlineData("{$literal: '$a'}", "'$a'")]
    [InlineData("{$size: '$arr'}", "3")]
    [InlineData("{$arrayElemAt: ['$arr', -1]}", "3")]
    [InlineData("{$in: [2, '$arr']}", "true")]
    [InlineData("{$sum: '$arr'}", "6")]
    [InlineData("{$max: '$arr'}", "3")]
    [InlineData("'$nested.list.v'", "[1, 2]")]
    [InlineData("{$map: {input: '$arr', as: 'x', in: {$multiply: ['$$x', 10]}}}", "[10, 20, 30]")]
    [InlineData("{$filter: {input: '$arr', cond: {$gte: ['$$this', 2]}}}", "[2, 3]")]
    [InlineData("{$let: {vars: {d: 2}, in: {$add: ['$a', '$$d']}}}", "12")]
    [InlineData("{$type: '$s'}", "'string'")]
    [InlineData("{$and: [1, '$s']}", "true")]
    [InlineData("{$not: [0]}", "true")]
    [InlineData("['$a', '$missing']", "[10, null]")]
    [InlineData("{$slice: ['$arr', 2]}", "[1, 2]")]
    [InlineData("{$eq: ['$missing', null]}", "false")]
    [InlineData("{$lt: ['$missing', null]}", "true")]
    [InlineData("{$eq: ['$missing', '$alsoMissing']}", "true")]
    [InlineData("{$slice: ['$arr', -1]}", "[3]")]
    [InlineData("{$slice: ['$arr', 1, 5]}", "[2, 3]")]
    [InlineData("{$reverseArray: '$arr'}", "[3, 2, 1]")]
    [InlineData("{$strLenCP: '$s'}", "5")]
    public void Expressions(string expression, string expected)
    {
        var doc = BsonDocument.Parse("{a: 10, s: 'hello', arr: [1, 2, 3], nested: {list: [{v: 1}, {v: 2}, {w: 3}]}}");
        var value = AggregationExpression.Parse(BsonDocument.Parse($"{{e: {expression}}}")["e"]).Evaluate(doc);
        Assert.Equal(BsonDocument.Parse($"{{e: {expected}}}")["e"].ToJson(), value?.ToJson());
    }

    [Fact]
    public void Project_with_the_slice_expression_differs_from_find_slice()
    {
        Assert.Equal(Json("[{_id: 1, t: [2, 3]}]"), Run("[{$project: {t: {$slice: ['$arr', -2]}}}]", "[{_id: 1, arr: [1, 2, 3]}]"));
    }

    [Fact]
    public void Unknown_stage_and_operator_fail_with_MongoDB_codes()
    {
        var stage = Assert.Throws<CommandFailure>(() => AggregationPipeline.Parse(Array("[{$collStats: {}}]")));
        Assert.Equal(40324, stage.Code);
        Assert.Equal("Unrecognized pipeline stage name: '$collStats'", stage.Message);
        var op = Assert.Throws<CommandFailure>(() => AggregationPipeline.Parse(Array("[{$project: {a: {$nope: 1}}}]")));
        Assert.Equal(168, op.Code);
        Assert.Equal(15955, Assert.Throws<CommandFailure>(() => AggregationPipeline.Parse(Array("[{$group: {n: {$sum: 1}}}]"))).Code);
        Assert.Equal(15958, Assert.Throws<CommandFailure>(() => AggregationPipeline.Parse(Array("[{$limit: 0}]"))).Code);
        Assert.Equal(40323, Assert.Throws<CommandFailure>(() => AggregationPipeline.Parse(Array("[{$match: {}, $limit: 1}]"))).Code);
    }

    [Fact]
    public void Running_does_not_change_the_input()
    {
        var input = Docs("[{_id: 1, t: [1, 2]}]");
        AggregationPipeline.Parse(Array("[{$unwind: '$t'}, {$set: {x: 1}}]")).Run(input).ToList();
        Assert.Equal(Json("[{_id: 1, t: [1, 2]}]"), new BsonArray(input).ToJson());
    }
}
