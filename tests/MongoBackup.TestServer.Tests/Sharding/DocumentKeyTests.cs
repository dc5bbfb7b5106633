using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests.Sharding;

/// <summary>
/// A shard's oplog names a sharded collection's documents by their document key, shard key fields then _id, as the
/// server's jstest of write oplog entries' document keys (FCV 5.3 and later) expects: insert o2, update o2 and delete o;
/// an unsharded collection's by {_id}. applyOps selects updates and deletes by _id alone (repl/oplog.cpp).
/// </summary>
public class DocumentKeyTests
{
    private const string Reason = "the in-memory server's sharded mode (MONGOBACKUP_TEST_URI is one replica set)";

    [InMemoryTheory(Reason)]
    [InlineData(false)]
    [InlineData(true)]
    public void Writes_to_a_sharded_collection_log_the_shard_key_and_id_as_the_document_key(bool inTransaction)
    {
        using var fixture = new ClusterFixture();
        fixture.ShardCollection("shop", "orders", new BsonDocument("a", 1));
        fixture.Mongos.GetDatabase("shop").CreateCollection("plain");
        foreach (var (name, key) in new[] { ("orders", new BsonDocument { { "a", 0 }, { "_id", 0 } }), ("plain", new BsonDocument("_id", 0)) })
        {
            Write(fixture, name, inTransaction);
            var entries = fixture.OperationsOf(0, "shop." + name, "i").Concat(fixture.OperationsOf(0, "shop." + name, "u")).Concat(fixture.OperationsOf(0, "shop." + name, "d")).ToList();
            Assert.Equal(["i", "u", "u", "d"], entries.Select(e => e["op"].AsString));
            Assert.Equal(key, entries[0]["o2"]);
            Assert.Equal(new BsonDocument { { "_id", 0 }, { "a", 0 }, { "b", 1 } }, entries[1]["o"]);
            Assert.Equal(key, entries[1]["o2"]);
            Assert.Equal(key, entries[2]["o2"]);
            Assert.Equal(key, entries[3]["o"]);
        }
    }

    [InMemoryFact(Reason)]
    public void A_dotted_or_hashed_shard_key_is_logged_as_the_document_holds_it_and_a_missing_field_left_out()
    {
        using var fixture = new ClusterFixture();
        fixture.ShardCollection("shop", "nested", new BsonDocument { { "a.b", 1 }, { "c", 1 } });
        fixture.ShardCollection("shop", "hashed", new BsonDocument("h", "hashed"));
        var shop = fixture.Mongos.GetDatabase("shop");
        shop.GetCollection<BsonDocument>("nested").InsertOne(new BsonDocument { { "_id", 1 }, { "a", new BsonDocument("b", 5) } });
        shop.GetCollection<BsonDocument>("hashed").InsertOne(new BsonDocument { { "_id", 2 }, { "h", "x" } });
        Assert.Equal(new BsonDocument { { "a.b", 5 }, { "_id", 1 } }, fixture.OperationsOf(0, "shop.nested", "i").Single()["o2"]);
        var hashedInsert = fixture.OplogOf(0, new BsonDocument("ns", "shop.hashed")).Concat(fixture.OplogOf(1, new BsonDocument("ns", "shop.hashed")))
            .Single(e => e["op"] == "i");
        Assert.Equal(new BsonDocument { { "h", "x" }, { "_id", 2 } }, hashedInsert["o2"]);
    }

    [InMemoryFact(Reason)]
    public void ApplyOps_selects_updates_and_deletes_by_id_alone_and_refuses_an_entry_without_one()
    {
        using var fixture = new ClusterFixture();
        var shard = fixture.Shards[0];
        var items = shard.GetDatabase("shop").GetCollection<BsonDocument>("items");
        items.InsertOne(new BsonDocument { { "_id", 1 }, { "a", 1 } });
        var admin = shard.GetDatabase("admin");
        // A document key whose shard key value is no longer the document's still names it by _id.
        admin.RunCommand<BsonDocument>(new BsonDocument("applyOps", new BsonArray
        {
            new BsonDocument { { "op", "u" }, { "ns", "shop.items" }, { "o", new BsonDocument { { "$v", 2 }, { "diff", new BsonDocument("u", new BsonDocument("a", 2)) } } }, { "o2", new BsonDocument { { "a", 0 }, { "_id", 1 } } } },
        }));
        Assert.Equal(2, items.Find(new BsonDocument("_id", 1)).Single()["a"].AsInt32);
        admin.RunCommand<BsonDocument>(new BsonDocument("applyOps", new BsonArray
        {
            new BsonDocument { { "op", "d" }, { "ns", "shop.items" }, { "o", new BsonDocument { { "a", 0 }, { "_id", 1 } } } },
        }));
        Assert.Equal(0, items.CountDocuments(new BsonDocument()));
        // An upsert seeds the document from _id alone, not from the shard key fields of o2.
        admin.RunCommand<BsonDocument>(new BsonDocument("applyOps", new BsonArray
        {
            new BsonDocument { { "op", "u" }, { "ns", "shop.items" }, { "o", new BsonDocument { { "$v", 2 }, { "diff", new BsonDocument("i", new BsonDocument("q", 1)) } } }, { "o2", new BsonDocument { { "a.b", 7 }, { "_id", 3 } } } },
        }));
        Assert.Equal(new BsonDocument { { "_id", 3 }, { "q", 1 } }, items.Find(new BsonDocument("_id", 3)).Single());
        var refused = Assert.Throws<MongoCommandException>(() => admin.RunCommand<BsonDocument>(new BsonDocument("applyOps", new BsonArray
        {
            new BsonDocument { { "op", "d" }, { "ns", "shop.items" }, { "o", new BsonDocument("a", 2) } },
        })));
        Assert.Equal(4, refused.Code);
        Assert.Contains("Failed to apply delete due to missing _id", refused.Message);
    }

    /// <summary>Insert {_id: 0, a: 0, b: 0}, replace it with b: 1, set b: 2, delete it, as the jstest does.</summary>
    private static void Write(ClusterFixture fixture, string name, bool inTransaction)
    {
        void Run(IMongoCollection<BsonDocument> c, IClientSessionHandle? s)
        {
            var id = new BsonDocument { { "_id", 0 }, { "a", 0 } }; // the shard key, so mongos targets one shard
            if (s is null)
            {
                c.InsertOne(new BsonDocument { { "_id", 0 }, { "a", 0 }, { "b", 0 } });
                c.ReplaceOne(id, new BsonDocument { { "_id", 0 }, { "a", 0 }, { "b", 1 } });
                c.UpdateOne(id, new BsonDocument("$set", new BsonDocument("b", 2)));
                c.DeleteOne(id);
                return;
            }
            c.InsertOne(s, new BsonDocument { { "_id", 0 }, { "a", 0 }, { "b", 0 } });
            c.ReplaceOne(s, id, new BsonDocument { { "_id", 0 }, { "a", 0 }, { "b", 1 } });
            c.UpdateOne(s, id, new BsonDocument("$set", new BsonDocument("b", 2)));
            c.DeleteOne(s, id);
        }
        var collection = fixture.Mongos.GetDatabase("shop").GetCollection<BsonDocument>(name);
        if (!inTransaction)
        {
            Run(collection, null);
            return;
        }
        using var session = fixture.Mongos.StartSession();
        session.StartTransaction();
        Run(collection, session);
        session.CommitTransaction();
    }
}
