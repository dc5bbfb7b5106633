using MongoBackup.TestServer.Query;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Tests;

public class QueryUpdateTests
{
    private static string Update(string doc, string update, string? arrayFilters = null, bool upsertInsert = false)
    {
        var spec = UpdateSpec.Parse(update.TrimStart().StartsWith('[') ? BsonSerializerArray(update) : BsonDocument.Parse(update));
        var filters = arrayFilters is null ? null : BsonSerializerArray(arrayFilters);
        return spec.Apply(BsonDocument.Parse(doc), filters, upsertInsert).ToJson();
    }

    private static BsonArray BsonSerializerArray(string json) => BsonDocument.Parse($"{{v: {json}}}")["v"].AsBsonArray;

    private static string Json(string doc) => BsonDocument.Parse(doc).ToJson();

    private static CommandFailure Fails(string doc, string update, string? arrayFilters = null) =>
        Assert.Throws<CommandFailure>(() => Update(doc, update, arrayFilters));

    [Theory]
    [InlineData("{_id: 1, a: 1}", "{$set: {a: 2}}", "{_id: 1, a: 2}")]
    [InlineData("{_id: 1, a: 1, b: 1}", "{$set: {a: 'x'}}", "{_id: 1, a: 'x', b: 1}")]
    [InlineData("{_id: 1}", "{$set: {z: 1, b: 2, a: 3}}", "{_id: 1, a: 3, b: 2, z: 1}")]
    [InlineData("{_id: 1, z: 0}", "{$set: {a: 1, z: 2}}", "{_id: 1, z: 2, a: 1}")]
    [InlineData("{_id: 1}", "{$set: {'a.b.c': 1}}", "{_id: 1, a: {b: {c: 1}}}")]
    [InlineData("{_id: 1, a: {x: 1}}", "{$set: {'a.b': 2}}", "{_id: 1, a: {x: 1, b: 2}}")]
    [InlineData("{_id: 1, a: [1, 2]}", "{$set: {'a.1': 5}}", "{_id: 1, a: [1, 5]}")]
    [InlineData("{_id: 1, a: [1]}", "{$set: {'a.3': 5}}", "{_id: 1, a: [1, null, null, 5]}")]
    [InlineData("{_id: 1, a: [{b: 1}]}", "{$set: {'a.0.c': 2}}", "{_id: 1, a: [{b: 1, c: 2}]}")]
    [InlineData("{_id: 1}", "{$set: {'a.10': 1, 'a.9': 2}}", "{_id: 1, a: {'9': 2, '10': 1}}")]
    [InlineData("{_id: 1, a: 1}", "{$set: {}}", "{_id: 1, a: 1}")]
    public void Set_replaces_in_place_and_appends_new_fields_in_field_name_order(string doc, string update, string expected) =>
        Assert.Equal(Json(expected), Update(doc, update));

    [Theory]
    [InlineData("{_id: 1, a: 1, b: 2}", "{$unset: {a: ''}}", "{_id: 1, b: 2}")]
    [InlineData("{_id: 1, a: {b: 1, c: 1}}", "{$unset: {'a.b': 1}}", "{_id: 1, a: {c: 1}}")]
    [InlineData("{_id: 1, a: [1, 2, 3]}", "{$unset: {'a.1': 1}}", "{_id: 1, a: [1, null, 3]}")]
    [InlineData("{_id: 1}", "{$unset: {'x.y': 1}}", "{_id: 1}")]
    [InlineData("{_id: 1, a: 5}", "{$unset: {'a.b': 1}}", "{_id: 1, a: 5}")]
    public void Unset_removes_fields_and_nulls_array_elements(string doc, string update, string expected) =>
        Assert.Equal(Json(expected), Update(doc, update));

    [Theory]
    [InlineData("{_id: 1, a: 1}", "{$inc: {a: 2}}", "{_id: 1, a: 3}")]
    [InlineData("{_id: 1, a: 1}", "{$inc: {a: 0.5}}", "{_id: 1, a: 1.5}")]
    [InlineData("{_id: 1, a: 2147483647}", "{$inc: {a: 1}}", "{_id: 1, a: NumberLong('2147483648')}")]
    [InlineData("{_id: 1, a: NumberLong(1)}", "{$inc: {a: 1}}", "{_id: 1, a: NumberLong(2)}")]
    [InlineData("{_id: 1}", "{$inc: {a: NumberLong(5)}}", "{_id: 1, a: NumberLong(5)}")]
    [InlineData("{_id: 1, a: 3}", "{$mul: {a: 2}}", "{_id: 1, a: 6}")]
    [InlineData("{_id: 1}", "{$mul: {a: 2.5}}", "{_id: 1, a: 0.0}")]
    [InlineData("{_id: 1, a: NumberDecimal('1.5')}", "{$inc: {a: 1}}", "{_id: 1, a: NumberDecimal('2.5')}")]
    [InlineData("{_id: 1, a: 5}", "{$min: {a: 3}}", "{_id: 1, a: 3}")]
    [InlineData("{_id: 1, a: 5}", "{$min: {a: 7}}", "{_id: 1, a: 5}")]
    [InlineData("{_id: 1, a: 5}", "{$max: {a: 7}}", "{_id: 1, a: 7}")]
    [InlineData("{_id: 1, a: 5}", "{$max: {a: 'x'}}", "{_id: 1, a: 'x'}")]
    [InlineData("{_id: 1}", "{$max: {a: 1}}", "{_id: 1, a: 1}")]
    public void Arithmetic_and_min_max(string doc, string update, string expected) =>
        Assert.Equal(Json(expected), Update(doc, update));

    [Theory]
    [InlineData("{_id: 1, a: 1, b: 2}", "{$rename: {a: 'c'}}", "{_id: 1, b: 2, c: 1}")]
    [InlineData("{_id: 1, a: {b: 1}}", "{$rename: {'a.b': 'x.y'}}", "{_id: 1, a: {}, x: {y: 1}}")]
    [InlineData("{_id: 1, b: 2}", "{$rename: {a: 'c'}}", "{_id: 1, b: 2}")]
    [InlineData("{_id: 1, a: 1, b: 2}", "{$rename: {a: 'b'}}", "{_id: 1, b: 1}")]
    public void Rename_moves_values(string doc, string update, string expected) =>
        Assert.Equal(Json(expected), Update(doc, update));

    [Theory]
    [InlineData("{_id: 1, a: [1]}", "{$push: {a: 2}}", "{_id: 1, a: [1, 2]}")]
    [InlineData("{_id: 1}", "{$push: {a: 2}}", "{_id: 1, a: [2]}")]
    [InlineData("{_id: 1, a: [1]}", "{$push: {a: [2, 3]}}", "{_id: 1, a: [1, [2, 3]]}")]
    [InlineData("{_id: 1, a: [1]}", "{$push: {a: {$each: [2, 3]}}}", "{_id: 1, a: [1, 2, 3]}")]
    [InlineData("{_id: 1, a: [1, 4]}", "{$push: {a: {$each: [2, 3], $position: 1}}}", "{_id: 1, a: [1, 2, 3, 4]}")]
    [InlineData("{_id: 1, a: [1, 4]}", "{$push: {a: {$each: [9], $position: -1}}}", "{_id: 1, a: [1, 9, 4]}")]
    [InlineData("{_id: 1, a: [5, 1]}", "{$push: {a: {$each: [3], $sort: 1}}}", "{_id: 1, a: [1, 3, 5]}")]
    [InlineData("{_id: 1, a: [5, 1]}", "{$push: {a: {$each: [3], $sort: -1, $slice: 2}}}", "{_id: 1, a: [5, 3]}")]
    [InlineData("{_id: 1, a: [1, 2]}", "{$push: {a: {$each: [3], $slice: -2}}}", "{_id: 1, a: [2, 3]}")]
    [InlineData("{_id: 1, a: [{s: 2}, {s: 1}]}", "{$push: {a: {$each: [{s: 0}], $sort: {s: 1}}}}", "{_id: 1, a: [{s: 0}, {s: 1}, {s: 2}]}")]
    [InlineData("{_id: 1, a: [1, 2]}", "{$addToSet: {a: 2}}", "{_id: 1, a: [1, 2]}")]
    [InlineData("{_id: 1, a: [1, 2]}", "{$addToSet: {a: 2.0}}", "{_id: 1, a: [1, 2]}")]
    [InlineData("{_id: 1, a: [1]}", "{$addToSet: {a: {$each: [1, 3, 3]}}}", "{_id: 1, a: [1, 3]}")]
    [InlineData("{_id: 1, a: [1, 2, 3]}", "{$pop: {a: 1}}", "{_id: 1, a: [1, 2]}")]
    [InlineData("{_id: 1, a: [1, 2, 3]}", "{$pop: {a: -1}}", "{_id: 1, a: [2, 3]}")]
    [InlineData("{_id: 1, a: [1, 2, 1]}", "{$pull: {a: 1}}", "{_id: 1, a: [2]}")]
    [InlineData("{_id: 1, a: [1, 5, 9]}", "{$pull: {a: {$gte: 5}}}", "{_id: 1, a: [1]}")]
    [InlineData("{_id: 1, a: [{b: 1, c: 1}, {b: 2}]}", "{$pull: {a: {b: 1}}}", "{_id: 1, a: [{b: 2}]}")]
    [InlineData("{_id: 1, a: [1, 2, 3, 2]}", "{$pullAll: {a: [2, 3]}}", "{_id: 1, a: [1]}")]
    public void Array_operators(string doc, string update, string expected) =>
        Assert.Equal(Json(expected), Update(doc, update));

    [Theory]
    [InlineData("{_id: 1, a: [1, 2]}", "{$inc: {'a.$[]': 10}}", null, "{_id: 1, a: [11, 12]}")]
    [InlineData("{_id: 1, a: [{b: 1}, {b: 2}]}", "{$set: {'a.$[].c': 0}}", null, "{_id: 1, a: [{b: 1, c: 0}, {b: 2, c: 0}]}")]
    [InlineData("{_id: 1, a: [1, 5, 9]}", "{$set: {'a.$[big]': 0}}", "[{big: {$gte: 5}}]", "{_id: 1, a: [1, 0, 0]}")]
    [InlineData("{_id: 1, a: [{g: 80}, {g: 90}]}", "{$set: {'a.$[e].top': true}}", "[{'e.g': {$gt: 85}}]", "{_id: 1, a: [{g: 80}, {g: 90, top: true}]}")]
    [InlineData("{_id: 1, a: [[1, 2], [3]]}", "{$inc: {'a.$[].$[x]': 100}}", "[{x: {$lt: 3}}]", "{_id: 1, a: [[101, 102], [3]]}")]
    public void Positional_all_and_filtered(string doc, string update, string? filters, string expected) =>
        Assert.Equal(Json(expected), Update(doc, update, filters));

    [Fact]
    public void Set_on_insert_applies_only_to_upsert_inserts()
    {
        Assert.Equal(Json("{_id: 1, b: 2}"), Update("{_id: 1}", "{$setOnInsert: {a: 1}, $set: {b: 2}}"));
        Assert.Equal(Json("{_id: 1, a: 1, b: 2}"), Update("{_id: 1}", "{$setOnInsert: {a: 1}, $set: {b: 2}}", upsertInsert: true));
    }

    [Fact]
    public void Current_date_sets_a_recent_date_or_timestamp()
    {
        var before = DateTime.UtcNow.AddSeconds(-5);
        var result = UpdateSpec.Parse(BsonDocument.Parse("{$currentDate: {d: true, t: {$type: 'timestamp'}}}")).Apply(new BsonDocument("_id", 1));
        Assert.True(result["d"].ToUniversalTime() >= before);
        Assert.Equal(BsonType.Timestamp, result["t"].BsonType);
    }

    [Fact]
    public void Replacement_keeps_the_id_first_and_drops_other_fields()
    {
        var spec = UpdateSpec.Parse(BsonDocument.Parse("{b: 1, c: 2}"));
        Assert.True(spec.IsReplacement);
        Assert.Equal(Json("{_id: 7, b: 1, c: 2}"), spec.Apply(BsonDocument.Parse("{_id: 7, a: 0}")).ToJson());
        Assert.Equal(Json("{_id: 7, b: 1}"), Update("{_id: 7, a: 0}", "{b: 1, _id: 7}"));
    }

    [Fact]
    public void Changing_the_id_is_refused_with_code_66()
    {
        Assert.Equal(66, Fails("{_id: 1, a: 1}", "{_id: 2, a: 1}").Code);
        Assert.Equal(66, Fails("{_id: 1}", "{$set: {_id: 2}}").Code);
        Assert.Equal(66, Fails("{_id: 1}", "{$unset: {_id: 1}}").Code);
        Assert.Equal(66, Fails("{_id: 1}", "{$set: {_id: 1.0}}").Code);
        Assert.Equal(Json("{_id: 1, a: 1}"), Update("{_id: 1}", "{$set: {_id: 1, a: 1}}"));
    }

    [Theory]
    [InlineData("{_id: 1, a: 2, b: 3}", "[{$project: {a: 1}}]", "{_id: 1, a: 2}")]
    // $set/$addFields: a replaced field keeps its place, new ones follow in the order given, "missing" drops a field.
    [InlineData("{_id: 1, a: 1, b: 2}", "[{$set: {z: 1, a: '$b'}}]", "{_id: 1, a: 2, b: 2, z: 1}")]
    [InlineData("{_id: 1, a: 1, b: 2}", "[{$addFields: {a: '$$REMOVE', c: '$nothing'}}]", "{_id: 1, b: 2}")]
    // Dotted names and nested documents reach into documents, into each array element, and make documents of scalars
    // (src/mongo/db/exec/projection_node.cpp, applyProjectionsToValue).
    [InlineData("{_id: 1, a: {x: 1}}", "[{$set: {'a.y': 2}}]", "{_id: 1, a: {x: 1, y: 2}}")]
    [InlineData("{_id: 1, a: {x: 1}}", "[{$set: {a: {y: '$a.x'}}}]", "{_id: 1, a: {x: 1, y: 1}}")]
    [InlineData("{_id: 1, a: [{x: 1}, 5, [{x: 2}]]}", "[{$set: {'a.y': 0}}]", "{_id: 1, a: [{x: 1, y: 0}, {y: 0}, [{x: 2, y: 0}]]}")]
    [InlineData("{_id: 1}", "[{$set: {'a.b': [1, '$_id'], c: {$literal: 1}}}]", null)]
    [InlineData("{_id: 1, a: 1, b: {c: 1, d: 2}}", "[{$unset: ['a', 'b.c']}]", "{_id: 1, b: {d: 2}}")]
    [InlineData("{_id: 1, a: {_id: 1, v: 1}}", "[{$replaceRoot: {newRoot: '$a'}}]", "{_id: 1, v: 1}")]
    [InlineData("{_id: 1, a: {v: 1}}", "[{$replaceWith: '$a'}, {$set: {w: 2}}]", "{_id: 1, v: 1, w: 2}")]
    public void Pipeline_updates_run_the_stages_an_update_may_hold(string doc, string update, string? expected)
    {
        if (expected is null)
        {
            // $literal is an operator this server does not evaluate: it fails when parsed, naming it.
            Assert.Equal((168, "Unrecognized expression '$literal'"), (Fails(doc, update).Code, Fails(doc, update).Message));
            return;
        }
        Assert.Equal(Json(expected), Update(doc, update));
    }

    [Fact]
    public void Pipeline_updates_refuse_the_stages_MongoDB_refuses_there()
    {
        Assert.False(UpdateSpec.Parse(BsonDocument.Parse("{$set: {a: 1}}").AsBsonDocument).IsReplacement);
        Assert.Equal(72, Assert.Throws<CommandFailure>(() => UpdateSpec.Parse(BsonSerializerArray("[{$group: {_id: 1}}]"))).Code);
        Assert.Equal(40228, Fails("{_id: 1, a: 5}", "[{$replaceRoot: {newRoot: '$a'}}]").Code);
        Assert.Equal(66, Fails("{_id: 1, a: {_id: 2}}", "[{$replaceWith: '$a'}]").Code);
        Assert.Equal(31002, Fails("{_id: 1}", "[{$unset: 1}]").Code);
    }

    [Theory]
    [InlineData("{_id: 1, a: [{b: 1}, {b: 2}]}", "{'a.b': 2}", "{$set: {'a.$.c': 0}}", "{_id: 1, a: [{b: 1}, {b: 2, c: 0}]}")]
    [InlineData("{_id: 1, a: [3, 4, 5]}", "{a: {$gt: 3}}", "{$inc: {'a.$': 10}}", "{_id: 1, a: [3, 14, 5]}")]
    [InlineData("{_id: 1, a: [{b: 1, c: 1}, {b: 1, c: 2}]}", "{a: {$elemMatch: {b: 1, c: 2}}}", "{$unset: {'a.$.b': 1}}", "{_id: 1, a: [{b: 1, c: 1}, {c: 2}]}")]
    [InlineData("{_id: 1, a: [{b: [1, 2]}, {b: [3, 4]}]}", "{'a.b': 4}", "{$set: {'a.$.x': 1}}", "{_id: 1, a: [{b: [1, 2]}, {b: [3, 4], x: 1}]}")]
    [InlineData("{_id: 1, a: [{b: 1}, {b: 2}]}", "{a: {$all: [{$elemMatch: {b: 2}}]}}", "{$set: {'a.$.b': 0}}", "{_id: 1, a: [{b: 1}, {b: 0}]}")]
    public void Positional_operator_stands_for_the_array_position_the_filter_matched(string doc, string filter, string update, string expected)
    {
        var document = BsonDocument.Parse(doc);
        var position = DocumentFilter.Parse(BsonDocument.Parse(filter)).PositionalMatch(document);
        Assert.Equal(Json(expected), UpdateSpec.Parse(BsonDocument.Parse(update)).Apply(document, positionalMatch: position).ToJson());
    }

    [Theory]
    [InlineData("{_id: 1, a: [1, 2]}", "{a: [1, 2]}")]
    [InlineData("{_id: 1, a: [1, 2]}", "{_id: 1}")]
    [InlineData("{_id: 1, a: [1, 2]}", "{$or: [{a: 2}]}")]
    [InlineData("{_id: 1, a: [1, 2]}", "{a: {$ne: 1}}")]
    [InlineData("{_id: 1, a: [1, 2]}", "{a: {$size: 2}}")]
    public void Filters_that_match_no_array_element_leave_the_positional_operator_without_a_match(string doc, string filter) =>
        Assert.Null(DocumentFilter.Parse(BsonDocument.Parse(filter)).PositionalMatch(BsonDocument.Parse(doc)));

    [Theory]
    [InlineData("{_id: 1}", "{$foo: {a: 1}}", 9, "Unknown modifier: $foo")]
    [InlineData("{_id: 1}", "{$set: {a: 1}, b: 2}", 9, "Unknown modifier: b")]
    [InlineData("{_id: 1}", "{$set: {a: 1}, $inc: {a: 1}}", 40, "Updating the path 'a' would create a conflict at 'a'")]
    [InlineData("{_id: 1}", "{$set: {'a.b': 1, a: 1}}", 40, "Updating the path 'a.b' would create a conflict at 'a'")]
    [InlineData("{_id: 1, a: 'x'}", "{$inc: {a: 1}}", 14, "Cannot apply $inc to a value of non-numeric type")]
    [InlineData("{_id: 1}", "{$inc: {a: 'x'}}", 14, "Cannot increment with non-numeric argument")]
    [InlineData("{_id: 1, a: 5}", "{$set: {'a.b': 1}}", 28, "Cannot create field 'b' in element {a: 5}")]
    [InlineData("{_id: 1, a: [1]}", "{$set: {'a.b': 1}}", 28, "Cannot create field 'b' in element")]
    [InlineData("{_id: 1, a: 5}", "{$push: {a: 1}}", 2, "The field 'a' must be an array but is of type int")]
    [InlineData("{_id: 1, a: [1]}", "{$set: {'a.$': 1}}", 2, "The positional operator did not find the match needed from the query.")]
    [InlineData("{_id: 1, a: [1]}", "{$set: {'a.$[x]': 1}}", 2, "No array filter found for identifier 'x'")]
    [InlineData("{_id: 1}", "{a: 1, $set: {b: 1}}", 52, "The dollar ($) prefixed field '$set'")]
    public void Invalid_updates_fail_like_MongoDB(string doc, string update, int code, string messageStart)
    {
        var e = Fails(doc, update);
        Assert.Equal(code, e.Code);
        Assert.StartsWith(messageStart, e.Message);
    }

    [Fact]
    public void Array_filters_must_be_used_and_well_formed()
    {
        Assert.StartsWith("The array filter for identifier 'y' was not used", Fails("{_id: 1, a: [1]}", "{$set: {'a.$[x]': 0}}", "[{x: 1}, {y: 2}]").Message);
        Assert.Equal(9, Fails("{_id: 1, a: [1]}", "{$set: {'a.$[x]': 0}}", "[{x: 1}, {x: 2}]").Code);
        Assert.Equal(9, Fails("{_id: 1, a: [1]}", "{$set: {'a.$[x]': 0}}", "[{x: 1, y: 2}]").Code);
        Assert.Equal(9, Fails("{_id: 1, a: [1]}", "[{$project: {a: 1}}]", "[{x: 1}]").Code);
    }

    [Fact]
    public void Apply_does_not_change_the_input()
    {
        var doc = BsonDocument.Parse("{_id: 1, a: {b: [1, 2]}}");
        UpdateSpec.Parse(BsonDocument.Parse("{$push: {'a.b': 3}, $set: {c: 1}}")).Apply(doc);
        Assert.Equal(Json("{_id: 1, a: {b: [1, 2]}}"), doc.ToJson());
    }

    [Theory]
    [InlineData("{a: 1, b: {$gt: 5}}", "{a: 1}")]
    [InlineData("{'a.b': 1, c: {$eq: 'x'}}", "{a: {b: 1}, c: 'x'}")]
    [InlineData("{$and: [{a: 1}, {'b.c': 2}], d: {$in: [3]}}", "{a: 1, b: {c: 2}, d: 3}")]
    [InlineData("{$or: [{a: 1}, {a: 2}], _id: 5}", "{_id: 5}")]
    [InlineData("{a: /x/, b: {$in: [1, 2]}}", "{}")]
    [InlineData("{$or: [{a: 1}], b: 2}", "{a: 1, b: 2}")]
    [InlineData("{a: {b: 1}}", "{a: {b: 1}}")]
    public void Upsert_seed_takes_the_equality_fields_of_the_filter(string filter, string expected) =>
        Assert.Equal(Json(expected), UpdateSpec.UpsertSeed(BsonDocument.Parse(filter)).ToJson());
}
