using MongoBackup.Engine.Restore;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Restore;

/// <summary>What the point-in-time plan finds in the oplog for names the base snapshot does not hold.</summary>
public sealed class OplogNamespaceProbeTests
{
    /// <summary>
    /// A view created after the base snapshot is an insert into &lt;db&gt;.system.views (MongoDB logs no create for it):
    /// the probe names the view, so -Collection reds finds it instead of "nothing matches".
    /// </summary>
    [Fact]
    public void A_view_created_in_the_oplog_is_named_by_its_definition()
    {
        var insert = new BsonDocument
        {
            { "op", "i" }, { "ns", "shop.system.views" },
            { "o", new BsonDocument { { "_id", "shop.reds" }, { "viewOn", "items" }, { "pipeline", new BsonArray() } } },
        };
        var update = new BsonDocument
        {
            { "op", "u" }, { "ns", "shop.system.views" }, { "o", new BsonDocument("$set", new BsonDocument("viewOn", "others")) },
            { "o2", new BsonDocument("_id", "shop.reds") },
        };

        Assert.Equal([("shop", "reds")], OplogNamespaceProbe.NamespacesOf(insert));
        Assert.Equal([("shop", "reds")], OplogNamespaceProbe.NamespacesOf(update));
        Assert.Equal([("shop", "items")], OplogNamespaceProbe.NamespacesOf(new BsonDocument { { "op", "i" }, { "ns", "shop.items" }, { "o", new BsonDocument("_id", 1) } }));
    }
}
