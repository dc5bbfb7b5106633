using MongoBackup.TestServer.Query;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Tests;

public class QueryFilterTests
{
    private static bool Matches(string filter, string doc) =>
        DocumentFilter.Parse(BsonDocument.Parse(filter)).Matches(BsonDocument.Parse(doc));

    [Theory]
    [InlineData("{}", "{a: 1}", true)]
    [InlineData("{a: 1}", "{a: 1}", true)]
    [InlineData("{a: 1}", "{a: 1.0}", true)]
    [InlineData("{a: 1}", "{a: NumberLong(1)}", true)]
    [InlineData("{a: 1}", "{a: '1'}", false)]
    [InlineData("{a: 1}", "{a: 2}", false)]
    [InlineData("{a: 1, b: 2}", "{a: 1, b: 3}", false)]
    [InlineData("{a: {$eq: 1}}", "{a: [0, 1]}", true)]
    [InlineData("{a: 1}", "{a: [[1]]}", false)]
    [InlineData("{a: [1]}", "{a: [[1], 2]}", true)]
    [InlineData("{a: [1, 2]}", "{a: [1, 2]}", true)]
    [InlineData("{a: [1, 2]}", "{a: [2, 1]}", false)]
    public void Equality_with_numeric_types_and_implicit_array_elements(string filter, string doc, bool expected) =>
        Assert.Equal(expected, Matches(filter, doc));

    [Theory]
    [InlineData("{a: {b: 1, c: 2}}", "{a: {b: 1, c: 2}}", true)]
    [InlineData("{a: {b: 1, c: 2}}", "{a: {c: 2, b: 1}}", false)]
    [InlineData("{a: {b: 1}}", "{a: {b: 1, c: 2}}", false)]
    [InlineData("{a: {b: 1}}", "{a: [{b: 1}, 5]}", true)]
    public void Whole_document_equality_is_exact_including_field_order(string filter, string doc, bool expected) =>
        Assert.Equal(expected, Matches(filter, doc));

    [Theory]
    [InlineData("{a: null}", "{}", true)]
    [InlineData("{a: null}", "{a: null}", true)]
    [InlineData("{a: null}", "{a: 0}", false)]
    [InlineData("{'a.b': null}", "{a: 1}", true)]
    [InlineData("{'a.b': null}", "{a: [{b: 1}, {c: 1}]}", true)]
    [InlineData("{'a.b': null}", "{a: [{b: 1}, {b: 2}]}", false)]
    [InlineData("{a: {$ne: null}}", "{}", false)]
    [InlineData("{a: {$ne: null}}", "{a: 0}", true)]
    [InlineData("{a: {$gte: null}}", "{}", true)]
    [InlineData("{a: {$gt: null}}", "{a: null}", false)]
    [InlineData("{a: {$in: [null, 5]}}", "{}", true)]
    public void Null_matches_missing_fields(string filter, string doc, bool expected) =>
        Assert.Equal(expected, Matches(filter, doc));

    [Theory]
    [InlineData("{'a.b': 1}", "{a: {b: 1}}", true)]
    [InlineData("{'a.b': 1}", "{a: [{b: 2}, {b: 1}]}", true)]
    [InlineData("{'a.b': 1}", "{a: [{b: [0, 1]}]}", true)]
    [InlineData("{'a.b.c': 1}", "{a: [{b: [{c: 1}]}]}", true)]
    [InlineData("{'a.1': 5}", "{a: [4, 5]}", true)]
    [InlineData("{'a.1': 5}", "{a: [5, 4]}", false)]
    [InlineData("{'a.0.b': 1}", "{a: [{b: 1}]}", true)]
    [InlineData("{'a.0': 1}", "{a: {'0': 1}}", true)]
    [InlineData("{'a.0': 1}", "{a: [{'0': 1}]}", true)]
    [InlineData("{'a.b': 1}", "{a: [[{b: 1}]]}", false)]
    [InlineData("{'a.b': 1}", "{a: 5}", false)]
    public void Dotted_paths_reach_into_embedded_documents_and_arrays(string filter, string doc, bool expected) =>
        Assert.Equal(expected, Matches(filter, doc));

    [Theory]
    [InlineData("{a: {$gt: 1}}", "{a: 2}", true)]
    [InlineData("{a: {$gt: 1}}", "{a: 1}", false)]
    [InlineData("{a: {$gte: 1}}", "{a: 1.0}", true)]
    [InlineData("{a: {$lt: 1}}", "{a: 'a'}", false)]
    [InlineData("{a: {$gt: 1}}", "{a: 'a'}", false)]
    [InlineData("{a: {$lt: 'b'}}", "{a: 'a'}", true)]
    [InlineData("{a: {$gt: 1}}", "{a: [0, 5]}", true)]
    [InlineData("{a: {$gt: 1, $lt: 3}}", "{a: [0, 5]}", true)]
    [InlineData("{a: {$elemMatch: {$gt: 1, $lt: 3}}}", "{a: [0, 5]}", false)]
    [InlineData("{a: {$elemMatch: {$gt: 1, $lt: 3}}}", "{a: [0, 2]}", true)]
    [InlineData("{a: {$lte: ISODate('2020-01-01T00:00:00Z')}}", "{a: ISODate('2019-01-01T00:00:00Z')}", true)]
    [InlineData("{a: {$lte: ISODate('2020-01-01T00:00:00Z')}}", "{a: 5}", false)]
    [InlineData("{a: {$gt: MinKey}}", "{a: 'x'}", true)]
    public void Range_operators_compare_only_within_a_type_bracket(string filter, string doc, bool expected) =>
        Assert.Equal(expected, Matches(filter, doc));

    [Theory]
    [InlineData("{a: {$ne: 1}}", "{a: 2}", true)]
    [InlineData("{a: {$ne: 1}}", "{a: [1, 2]}", false)]
    [InlineData("{a: {$ne: 1}}", "{}", true)]
    [InlineData("{a: {$in: [1, 'x']}}", "{a: 'x'}", true)]
    [InlineData("{a: {$in: [1, 'x']}}", "{a: [3, 1]}", true)]
    [InlineData("{a: {$in: [/^ab/]}}", "{a: 'abc'}", true)]
    [InlineData("{a: {$nin: [1, 2]}}", "{a: 3}", true)]
    [InlineData("{a: {$nin: [1, 2]}}", "{a: [3, 2]}", false)]
    [InlineData("{a: {$nin: [1, 2]}}", "{}", true)]
    [InlineData("{a: {$in: []}}", "{a: 1}", false)]
    public void Negations_and_membership(string filter, string doc, bool expected) =>
        Assert.Equal(expected, Matches(filter, doc));

    [Theory]
    [InlineData("{a: {$exists: true}}", "{a: null}", true)]
    [InlineData("{a: {$exists: true}}", "{}", false)]
    [InlineData("{a: {$exists: false}}", "{}", true)]
    [InlineData("{'a.b': {$exists: true}}", "{a: [{c: 1}, {b: 2}]}", true)]
    [InlineData("{'a.b': {$exists: false}}", "{a: [{c: 1}]}", true)]
    [InlineData("{a: {$type: 'string'}}", "{a: 'x'}", true)]
    [InlineData("{a: {$type: 2}}", "{a: 'x'}", true)]
    [InlineData("{a: {$type: 'number'}}", "{a: NumberDecimal('1')}", true)]
    [InlineData("{a: {$type: 'number'}}", "{a: 'x'}", false)]
    [InlineData("{a: {$type: 'array'}}", "{a: []}", true)]
    [InlineData("{a: {$type: 'int'}}", "{a: [1.5, 2]}", true)]
    [InlineData("{a: {$type: ['long', 'null']}}", "{a: null}", true)]
    [InlineData("{a: {$type: 'object'}}", "{a: 1}", false)]
    public void Exists_and_type(string filter, string doc, bool expected) =>
        Assert.Equal(expected, Matches(filter, doc));

    [Theory]
    [InlineData("{$and: [{a: 1}, {b: 2}]}", "{a: 1, b: 2}", true)]
    [InlineData("{$and: [{a: 1}, {b: 2}]}", "{a: 1, b: 3}", false)]
    [InlineData("{$or: [{a: 1}, {b: 2}]}", "{a: 0, b: 2}", true)]
    [InlineData("{$or: [{a: 1}, {b: 2}]}", "{a: 0, b: 0}", false)]
    [InlineData("{$nor: [{a: 1}, {b: 2}]}", "{a: 0, b: 0}", true)]
    [InlineData("{$nor: [{a: 1}, {b: 2}]}", "{a: 1}", false)]
    [InlineData("{a: {$not: {$gt: 5}}}", "{a: 3}", true)]
    [InlineData("{a: {$not: {$gt: 5}}}", "{}", true)]
    [InlineData("{a: {$not: {$gt: 5}}}", "{a: 7}", false)]
    [InlineData("{a: {$not: /^x/}}", "{a: 'xyz'}", false)]
    [InlineData("{$alwaysFalse: 1}", "{a: 1}", false)]
    [InlineData("{$alwaysTrue: 1, $comment: 'why'}", "{a: 1}", true)]
    public void Logical_operators(string filter, string doc, bool expected) =>
        Assert.Equal(expected, Matches(filter, doc));

    [Theory]
    [InlineData("{a: /^ab/}", "{a: 'abc'}", true)]
    [InlineData("{a: /^AB/i}", "{a: 'abc'}", true)]
    [InlineData("{a: {$regex: '^AB', $options: 'i'}}", "{a: 'abc'}", true)]
    [InlineData("{a: /b/}", "{a: 5}", false)]
    [InlineData("{a: {$regex: '^a.c$', $options: 's'}}", "{a: 'a\\nc'}", true)]
    [InlineData("{a: {$regex: '^c', $options: 'm'}}", "{a: 'a\\nc'}", true)]
    public void Regular_expressions(string filter, string doc, bool expected) =>
        Assert.Equal(expected, Matches(filter, doc));

    [Fact]
    public void Regex_literal_under_regex_operator_matches_array_elements()
    {
        // Built in code: the shell-JSON reader takes {$regex: ...} for its own extended-JSON form.
        var filter = new BsonDocument("a", new BsonDocument("$regex", new BsonRegularExpression("B$", "i")));
        Assert.True(DocumentFilter.Parse(filter).Matches(BsonDocument.Parse("{a: ['xa', 'xb']}")));
        Assert.False(DocumentFilter.Parse(filter).Matches(BsonDocument.Parse("{a: ['xa', 'bx']}")));
    }

    [Theory]
    [InlineData("{a: {$size: 2}}", "{a: [1, 2]}", true)]
    [InlineData("{a: {$size: 2}}", "{a: [1]}", false)]
    [InlineData("{a: {$size: 0}}", "{a: []}", true)]
    [InlineData("{a: {$size: 1}}", "{a: 'x'}", false)]
    [InlineData("{a: {$all: [1, 2]}}", "{a: [2, 3, 1]}", true)]
    [InlineData("{a: {$all: [1, 2]}}", "{a: [2, 3]}", false)]
    [InlineData("{a: {$all: [1]}}", "{a: 1}", true)]
    [InlineData("{a: {$all: []}}", "{a: [1]}", false)]
    [InlineData("{a: {$all: [{$elemMatch: {b: 1}}, {$elemMatch: {b: 2}}]}}", "{a: [{b: 1}, {b: 2}]}", true)]
    [InlineData("{a: {$elemMatch: {b: 1, c: 2}}}", "{a: [{b: 1, c: 1}, {b: 2, c: 2}]}", false)]
    [InlineData("{a: {$elemMatch: {b: 1, c: 2}}}", "{a: [{b: 1, c: 2}]}", true)]
    [InlineData("{'a.b': 1, 'a.c': 2}", "{a: [{b: 1, c: 1}, {b: 2, c: 2}]}", true)]
    [InlineData("{a: {$elemMatch: {$eq: 5}}}", "{a: 5}", false)]
    [InlineData("{a: {$mod: [4, 1]}}", "{a: 9}", true)]
    [InlineData("{a: {$mod: [4, 1]}}", "{a: 9.9}", true)]
    [InlineData("{a: {$mod: [4, 1]}}", "{a: 10}", false)]
    [InlineData("{a: {$mod: [4, -1]}}", "{a: -5}", true)]
    public void Array_operators_and_mod(string filter, string doc, bool expected) =>
        Assert.Equal(expected, Matches(filter, doc));

    [Theory]
    [InlineData("{a: {$foo: 1}}", 2, "unknown operator: $foo")]
    [InlineData("{$foo: 1}", 2, "unknown top level operator: $foo")]
    [InlineData("{$or: []}", 2, "$or must be a nonempty array")]
    [InlineData("{a: {$in: 5}}", 2, "$in needs an array")]
    [InlineData("{a: {$mod: [0, 1]}}", 2, "divisor cannot be 0")]
    [InlineData("{a: {$type: 'nope'}}", 2, "Unknown type name alias: nope")]
    [InlineData("{a: {$regex: 'x', $options: 'q'}}", 51108, "invalid flag in regex options: q")]
    public void Invalid_filters_fail_with_MongoDB_codes(string filter, int code, string message)
    {
        var e = Assert.Throws<CommandFailure>(() => DocumentFilter.Parse(BsonDocument.Parse(filter)));
        Assert.Equal(code, e.Code);
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void Dbref_shaped_documents_are_values_not_operators()
    {
        Assert.True(Matches("{a: {$ref: 'c', $id: 1}}", "{a: {$ref: 'c', $id: 1}}"));
        Assert.False(Matches("{a: {$ref: 'c', $id: 1}}", "{a: {$ref: 'c', $id: 2}}"));
    }
}
