using MongoBackup.Engine.Oplog.Replay;
using MongoDB.Bson.Serialization;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Oplog;

/// <summary>
/// A view created, changed or dropped in the window is a write to &lt;db&gt;.system.views whose _id ("db.view") and
/// viewOn name namespaces (form: MongoDB's jstests/replsets/view_catalog_oplog_entries.js: one insert into system.views
/// for the creation, one update for a collMod): they follow renames, and filters apply to the view's name.
/// </summary>
public sealed class ViewEntryRewriteTests
{
    private static readonly BsonBinaryData ViewsUuid = new(Guid.NewGuid(), GuidRepresentation.Standard);

    private static BsonDocument Insert(string db, string view, string on) => new()
    {
        { "op", "i" }, { "ns", db + ".system.views" }, { "ui", ViewsUuid },
        { "o", new BsonDocument { { "_id", $"{db}.{view}" }, { "viewOn", on }, { "pipeline", new BsonArray { new BsonDocument("$match", new BsonDocument("color", "red")) } } } },
        { "ts", new BsonTimestamp(1700000000, 1) }, { "t", 1L }, { "wall", new BsonDateTime(DateTime.UnixEpoch) },
    };

    private static OplogEntryRewriter Rewriter(NamespaceFilter filter, NamespaceMap map) =>
        new(new ReplayCoverage(SnapshotScope.Whole, filter), map, new ReplayState());

    /// <summary>The write to system.views an entry becomes (after the create of system.views that precedes a view's insert).</summary>
    private static BsonDocument? Single(Rewritten rewritten) => rewritten.Operations.LastOrDefault();

    [Fact]
    public void A_view_insert_under_a_database_rename_names_the_renamed_view_and_collection()
    {
        var rewriter = Rewriter(NamespaceFilter.Everything, new NamespaceMap().AddDatabaseRename("shop", "shop2"));
        var rewritten = Single(rewriter.Rewrite(Insert("shop", "reds", "items")));

        Assert.NotNull(rewritten);
        Assert.Equal("shop2.system.views", rewritten["ns"].AsString);
        var created = rewriter.Rewrite(Insert("shop", "reds", "items")).Operations[0];
        Assert.Equal("shop2.$cmd", created["ns"].AsString);
        Assert.Equal(new BsonDocument("create", "system.views"), created["o"]);
        Assert.Equal("shop2.reds", rewritten["o"]["_id"].AsString);
        Assert.Equal("items", rewritten["o"]["viewOn"].AsString);
    }

    [Fact]
    public void A_view_insert_follows_a_collection_rename_of_its_source()
    {
        var rewriter = Rewriter(NamespaceFilter.Everything, new NamespaceMap().Add("shop.items", "shop.items_copy").Add("shop.reds", "shop.reds_copy"));
        var rewritten = Single(rewriter.Rewrite(Insert("shop", "reds", "items")));

        Assert.NotNull(rewritten);
        Assert.Equal("shop.reds_copy", rewritten["o"]["_id"].AsString);
        Assert.Equal("items_copy", rewritten["o"]["viewOn"].AsString);
    }

    [Fact]
    public void A_filter_applies_to_the_view_name_not_to_system_views()
    {
        var onlyView = Rewriter(new NamespaceFilter(collections: ["reds"]), NamespaceMap.Identity);
        var onlySource = Rewriter(new NamespaceFilter(collections: ["items"]), NamespaceMap.Identity);

        Assert.NotNull(Single(onlyView.Rewrite(Insert("shop", "reds", "items"))));
        Assert.Null(Single(onlySource.Rewrite(Insert("shop", "reds", "items"))));
    }
    [Fact]
    public void A_views_pipeline_references_follow_the_renames_of_what_the_restore_covers_nested_ones_too()
    {
        var pipeline = BsonSerializer.Deserialize<BsonArray>("""
            [ { $lookup: { from: "customers", localField: "c", foreignField: "_id", as: "who" } },
              { $graphLookup: { from: "customers", startWith: "$c", connectFromField: "p", connectToField: "_id", as: "g" } },
              { $unionWith: "customers" },
              { $unionWith: { coll: "customers", pipeline: [ { $lookup: { from: "regions", pipeline: [], as: "r" } } ] } },
              { $facet: { f: [ { $lookup: { from: { db: "other", coll: "x" }, pipeline: [ { $unionWith: "customers" } ], as: "y" } } ] } },
              { $match: { from: "customers" } } ]
            """);
        var map = new NamespaceMap().Add("shop.customers", "shop.customers_old").Add("shop.regions", "shop.regions_old");
        var warnings = new List<string>();

        var renamed = ViewPipelineRenames.Rename(pipeline, "shop", "v", "shop", map, (_, _) => true, warnings.Add);

        Assert.Equal("customers_old", renamed[0]["$lookup"]["from"].AsString);
        Assert.Equal("customers_old", renamed[1]["$graphLookup"]["from"].AsString);
        Assert.Equal("customers_old", renamed[2]["$unionWith"].AsString);
        Assert.Equal("customers_old", renamed[3]["$unionWith"]["coll"].AsString);
        Assert.Equal("regions_old", renamed[3]["$unionWith"]["pipeline"][0]["$lookup"]["from"].AsString);
        Assert.Equal(new BsonDocument { { "db", "other" }, { "coll", "x" } }, renamed[4]["$facet"]["f"][0]["$lookup"]["from"]);
        Assert.Equal("customers_old", renamed[4]["$facet"]["f"][0]["$lookup"]["pipeline"][0]["$unionWith"].AsString);
        Assert.Equal("customers", renamed[5]["$match"]["from"].AsString); // a field named from, not a reference
        Assert.Equal("customers", pipeline[0]["$lookup"]["from"].AsString); // the original is left as it was
        Assert.Empty(warnings);
    }

    [Fact]
    public void A_reference_the_restore_does_not_cover_keeps_its_name_with_a_warning_when_the_view_changes_database()
    {
        var pipeline = new BsonArray { new BsonDocument("$unionWith", "customers") };
        var map = new NamespaceMap().AddDatabaseRename("shop", "copy");
        var warnings = new List<string>();

        var same = ViewPipelineRenames.Rename(pipeline, "shop", "v", "shop", NamespaceMap.Identity, (_, c) => c != "customers", warnings.Add);
        Assert.Equal("customers", same[0]["$unionWith"].AsString);
        Assert.Empty(warnings); // the view stays beside the collection it reads

        var moved = ViewPipelineRenames.Rename(pipeline, "shop", "v", "copy", map, (_, c) => c != "customers", warnings.Add);
        Assert.Equal("customers", moved[0]["$unionWith"].AsString);
        var warning = Assert.Single(warnings);
        Assert.Contains("The view shop.v, restored as copy.v, reads customers (not restored into copy)", warning);
    }

    [Fact]
    public void A_view_created_in_the_oplog_has_its_pipeline_renamed_as_its_viewOn()
    {
        var insert = Insert("shop", "reds", "items");
        insert["o"]["pipeline"] = new BsonArray { new BsonDocument("$lookup", new BsonDocument { { "from", "items" }, { "as", "i" } }) };
        var rewriter = Rewriter(NamespaceFilter.Everything, new NamespaceMap().Add("shop.items", "shop.items_copy").Add("shop.reds", "shop.reds_copy"));

        var rewritten = Single(rewriter.Rewrite(insert));

        Assert.NotNull(rewritten);
        Assert.Equal("items_copy", rewritten["o"]["viewOn"].AsString);
        Assert.Equal("items_copy", rewritten["o"]["pipeline"][0]["$lookup"]["from"].AsString);
    }
}
