using MongoBackup.Engine.Oplog.Replay;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Oplog;

/// <summary>The indexes kept for after the replay change as the oplog's index commands say, as MongoDB changes them.</summary>
public sealed class DeferredIndexesTests
{
    private static BsonDocument Spec(string name, string field, string? extra = null) =>
        BsonDocument.Parse($"{{ v: 2, key: {{ {field}: 1 }}, name: '{name}'{(extra is null ? "" : ", " + extra)} }}");

    private static List<string> Names(DeferredIndexes indexes, string ns) => indexes.Of(ns).Select(s => s["name"].AsString).ToList();

    [Fact]
    public void The_id_index_clustered_indexes_and_the_ns_field_of_old_specs_are_not_kept()
    {
        var indexes = new DeferredIndexes();
        indexes.Add("shop.a", Spec("_id_", "_id"));
        indexes.Add("shop.a", Spec("c", "_id", "clustered: true, unique: true"));
        indexes.Add("shop.a", Spec("x_1", "x", "ns: 'shop.a'"));
        indexes.Add("shop.a", Spec("x_1", "x", "ns: 'shop.a', sparse: true"));

        Assert.Equal(Spec("x_1", "x", "sparse: true"), Assert.Single(indexes.Of("shop.a")));
    }

    [Fact]
    public void Drops_take_a_name_a_list_a_key_pattern_or_a_star()
    {
        var indexes = new DeferredIndexes();
        foreach (var (name, field) in new[] { ("a_1", "a"), ("b_1", "b"), ("c_1", "c"), ("d_1", "d") }) indexes.Add("shop.x", Spec(name, field));

        indexes.Drop("shop.x", "a_1");
        indexes.Drop("shop.x", new BsonDocument("b", 1));
        Assert.Equal(["c_1", "d_1"], Names(indexes, "shop.x"));
        indexes.Drop("shop.x", new BsonArray { "c_1" });
        Assert.Equal(["d_1"], Names(indexes, "shop.x"));
        indexes.Drop("shop.x", "*");
        Assert.Empty(indexes.Pending);
    }

    [Fact]
    public void CollMod_index_changes_follow_MongoDB()
    {
        var indexes = new DeferredIndexes();
        indexes.Add("shop.x", Spec("a_1", "a", "hidden: true, expireAfterSeconds: 100"));

        indexes.Modify("shop.x", BsonDocument.Parse("{ name: 'a_1', hidden: false, prepareUnique: true }"));
        Assert.Equal(Spec("a_1", "a", "expireAfterSeconds: 100, prepareUnique: true"), indexes.Of("shop.x")[0]);
        indexes.Modify("shop.x", BsonDocument.Parse("{ keyPattern: { a: 1 }, unique: true, expireAfterSeconds: 5 }"));
        Assert.Equal(Spec("a_1", "a", "expireAfterSeconds: 5, unique: true"), indexes.Of("shop.x")[0]);
        indexes.Modify("shop.x", BsonDocument.Parse("{ name: 'a_1', forceNonUnique: true }"));
        Assert.Equal(Spec("a_1", "a", "expireAfterSeconds: 5"), indexes.Of("shop.x")[0]);
    }

    [Fact]
    public void Renames_move_indexes_and_drops_remove_them()
    {
        var indexes = new DeferredIndexes();
        indexes.Add("shop.a", Spec("a_1", "a"));
        indexes.Add("shop.b", Spec("b_1", "b"));
        indexes.Add("other.c", Spec("c_1", "c"));

        indexes.Rename("shop.a", "shop.b");
        Assert.Equal(["a_1"], Names(indexes, "shop.b"));
        Assert.Empty(indexes.Of("shop.a"));
        indexes.DropDatabase("shop");
        Assert.Equal(["other.c"], indexes.Pending.Select(p => p.Namespace));
        indexes.DropCollection("other.c");
        Assert.Empty(indexes.Pending);
    }

    /// <summary>
    /// A spec without a name (damaged metadata the fuzz test made: "name" flipped to "nale") is kept for the server to
    /// refuse when it is built, failing that namespace by name; it crashed the restore as an unexpected error.
    /// </summary>
    [Fact]
    public void Specs_without_a_name_are_kept_for_the_server_to_judge()
    {
        var indexes = new DeferredIndexes();
        var nameless = new BsonDocument { { "v", 2 }, { "key", new BsonDocument("a", 1) }, { "nale", "a_1" } };
        indexes.Add("shop.x", nameless);
        indexes.Add("shop.x", nameless);
        indexes.Add("shop.x", Spec("b_1", "b"));

        indexes.Drop("shop.x", "b_1");
        indexes.Modify("shop.x", new BsonDocument { { "name", "a_1" }, { "hidden", true } });

        Assert.Equal([nameless, nameless], indexes.Of("shop.x"));
        indexes.Drop("shop.x", new BsonDocument("a", 1));
        Assert.Empty(indexes.Of("shop.x"));
    }
}
