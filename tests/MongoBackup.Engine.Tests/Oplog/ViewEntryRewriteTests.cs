using MongoBackup.Engine.Oplog.Replay;
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
}
