using MongoBackup.TestServer.Query;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Tests;

public class QueryProjectionTests
{
    private static string Project(string spec, string doc) =>
        Projection.Parse(BsonDocument.Parse(spec)).Apply(BsonDocument.Parse(doc)).ToJson();

    private static string Json(string doc) => BsonDocument.Parse(doc).ToJson();

    [Theory]
    [InlineData("{a: 1}", "{_id: 1, a: 2, b: 3}", "{_id: 1, a: 2}")]
    [InlineData("{a: true, _id: 0}", "{_id: 1, a: 2, b: 3}", "{a: 2}")]
    [InlineData("{b: 1, a: 1}", "{_id: 1, a: 2, b: 3, c: 4}", "{_id: 1, a: 2, b: 3}")]
    [InlineData("{a: 1}", "{b: 3}", "{}")]
    [InlineData("{_id: 1}", "{_id: 1, a: 2}", "{_id: 1}")]
    [InlineData("{_id: 0}", "{_id: 1, a: 2}", "{a: 2}")]
    [InlineData("{}", "{_id: 1, a: 2}", "{_id: 1, a: 2}")]
    public void Inclusion_keeps_document_order_and_id_unless_excluded(string spec, string doc, string expected) =>
        Assert.Equal(Json(expected), Project(spec, doc));

    [Theory]
    [InlineData("{a: 0}", "{_id: 1, a: 2, b: 3}", "{_id: 1, b: 3}")]
    [InlineData("{a: 0, _id: 0}", "{_id: 1, a: 2, b: 3}", "{b: 3}")]
    [InlineData("{a: false, _id: 1}", "{_id: 1, a: 2, b: 3}", "{_id: 1, b: 3}")]
    [InlineData("{'a.b': 0}", "{_id: 1, a: {b: 1, c: 2}}", "{_id: 1, a: {c: 2}}")]
    [InlineData("{'a.b': 0}", "{_id: 1, a: [{b: 1, c: 2}, 7]}", "{_id: 1, a: [{c: 2}, 7]}")]
    public void Exclusion_removes_only_named_fields(string spec, string doc, string expected) =>
        Assert.Equal(Json(expected), Project(spec, doc));

    [Theory]
    [InlineData("{'a.b': 1}", "{_id: 1, a: {b: 1, c: 2}, d: 1}", "{_id: 1, a: {b: 1}}")]
    [InlineData("{'a.b': 1}", "{_id: 1, a: [{b: 1, c: 2}, {c: 3}, 5]}", "{_id: 1, a: [{b: 1}, {}]}")]
    [InlineData("{'a.b': 1, 'a.c': 1}", "{_id: 1, a: {c: 2, b: 1, d: 3}}", "{_id: 1, a: {c: 2, b: 1}}")]
    [InlineData("{a: {b: 1}}", "{_id: 1, a: {b: 1, c: 2}}", "{_id: 1, a: {b: 1}}")]
    [InlineData("{'a.b': 1}", "{_id: 1, a: 5}", "{_id: 1}")]
    public void Dotted_inclusion_projects_into_documents_and_arrays(string spec, string doc, string expected) =>
        Assert.Equal(Json(expected), Project(spec, doc));

    [Theory]
    [InlineData("{a: {$slice: 2}}", "{_id: 1, a: [1, 2, 3], b: 1}", "{_id: 1, a: [1, 2], b: 1}")]
    [InlineData("{a: {$slice: -2}}", "{_id: 1, a: [1, 2, 3]}", "{_id: 1, a: [2, 3]}")]
    [InlineData("{a: {$slice: [1, 1]}}", "{_id: 1, a: [1, 2, 3]}", "{_id: 1, a: [2]}")]
    [InlineData("{a: {$slice: [-2, 5]}}", "{_id: 1, a: [1, 2, 3]}", "{_id: 1, a: [2, 3]}")]
    [InlineData("{a: {$slice: 1}, b: 1}", "{_id: 1, a: [1, 2], b: 2, c: 3}", "{_id: 1, a: [1], b: 2}")]
    [InlineData("{a: {$slice: 1}}", "{_id: 1, a: 'x'}", "{_id: 1, a: 'x'}")]
    public void Slice_limits_arrays(string spec, string doc, string expected) =>
        Assert.Equal(Json(expected), Project(spec, doc));

    [Theory]
    [InlineData("{a: {$elemMatch: {b: 2}}}", "{_id: 1, a: [{b: 1}, {b: 2, c: 1}, {b: 2}], z: 1}", "{_id: 1, a: [{b: 2, c: 1}]}")]
    [InlineData("{a: {$elemMatch: {$gt: 5}}}", "{_id: 1, a: [1, 7, 9]}", "{_id: 1, a: [7]}")]
    [InlineData("{a: {$elemMatch: {$gt: 50}}}", "{_id: 1, a: [1, 7, 9]}", "{_id: 1}")]
    public void ElemMatch_keeps_the_first_matching_element(string spec, string doc, string expected) =>
        Assert.Equal(Json(expected), Project(spec, doc));

    [Fact]
    public void Computed_fields_copy_paths()
    {
        Assert.Equal(Json("{_id: 1, copy: 9}"), Project("{copy: '$b'}", "{_id: 1, a: 2, b: 9}"));
        Assert.Equal(Json("{_id: 9, a: 2}"), Project("{a: 1, _id: '$b'}", "{_id: 1, a: 2, b: 9}"));
    }

    [Fact]
    public void Mixing_inclusion_and_exclusion_is_rejected()
    {
        var e = Assert.Throws<CommandFailure>(() => Projection.Parse(BsonDocument.Parse("{a: 1, b: 0}")));
        Assert.Equal(31254, e.Code);
        Assert.Equal("Cannot do exclusion on field b in inclusion projection", e.Message);
        var f = Assert.Throws<CommandFailure>(() => Projection.Parse(BsonDocument.Parse("{a: 0, b: 1}")));
        Assert.Equal(31253, f.Code);
        Assert.Equal("Cannot do inclusion on field b in exclusion projection", f.Message);
    }

    [Fact]
    public void Positional_projection_is_refused_with_a_clear_error()
    {
        var e = Assert.Throws<CommandFailure>(() => Projection.Parse(BsonDocument.Parse("{'a.$': 1}")));
        Assert.Equal(2, e.Code);
        Assert.Contains("a.$", e.Message);
    }

    [Fact]
    public void Path_collisions_are_rejected()
    {
        var e = Assert.Throws<CommandFailure>(() => Projection.Parse(BsonDocument.Parse("{a: 1, 'a.b': 1}")));
        Assert.Equal(31249, e.Code);
    }

    [Fact]
    public void Apply_does_not_change_the_input()
    {
        var doc = BsonDocument.Parse("{_id: 1, a: {b: 1, c: 2}}");
        Projection.Parse(BsonDocument.Parse("{'a.b': 0}")).Apply(doc);
        Assert.Equal(Json("{_id: 1, a: {b: 1, c: 2}}"), doc.ToJson());
    }
}
