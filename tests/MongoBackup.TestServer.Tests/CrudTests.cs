using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>Reads and writes through the driver as MongoDB answers them; runs against MONGOBACKUP_TEST_URI when set.</summary>
public class CrudTests : ServerTestBase
{
    [Fact]
    public void Insert_find_update_delete_round_trip() => RoundTrip(Database("app"));

    [InMemoryFact("a standalone server")]
    public void Insert_find_update_delete_round_trip_on_a_standalone() => RoundTrip(Connect(StartServer(replicaSet: null)).GetDatabase("app"));

    private static void RoundTrip(IMongoDatabase db)
    {
        var people = db.GetCollection<BsonDocument>("people");
        people.InsertMany(new[]
        {
            new BsonDocument { { "_id", 1 }, { "name", "ann" }, { "age", 31 } },
            new BsonDocument { { "_id", 2 }, { "name", "bob" }, { "age", 25 } },
            new BsonDocument { { "_id", 3 }, { "name", "cid" }, { "age", 40 } },
        });
        var older = people.Find(new BsonDocument("age", new BsonDocument("$gt", 30))).Sort(new BsonDocument("age", -1)).ToList();
        Assert.Equal(new[] { 3, 1 }, older.Select(d => d["_id"].AsInt32));

        var update = people.UpdateOne(new BsonDocument("_id", 2), new BsonDocument("$set", new BsonDocument("age", 26)));
        Assert.Equal(1, update.MatchedCount);
        Assert.Equal(1, update.ModifiedCount);
        var upsert = people.UpdateOne(new BsonDocument("name", "dee"), new BsonDocument("$set", new BsonDocument("age", 50)), new UpdateOptions { IsUpsert = true });
        Assert.NotNull(upsert.UpsertedId);
        Assert.Equal(new BsonDocument { { "_id", upsert.UpsertedId }, { "name", "dee" }, { "age", 50 } },
            people.Find(new BsonDocument("name", "dee")).Single());

        var many = people.UpdateMany(new BsonDocument(), new BsonDocument("$inc", new BsonDocument("age", 1)));
        Assert.Equal(4, many.ModifiedCount);
        Assert.Equal(27, people.Find(new BsonDocument("_id", 2)).Single()["age"].AsInt32);

        people.ReplaceOne(new BsonDocument("_id", 1), new BsonDocument("name", "anne"));
        Assert.Equal(new BsonDocument { { "_id", 1 }, { "name", "anne" } }, people.Find(new BsonDocument("_id", 1)).Single());

        Assert.Equal(1, people.DeleteOne(new BsonDocument("_id", 3)).DeletedCount);
        Assert.Equal(3, people.CountDocuments(new BsonDocument()));
        Assert.Equal(3, people.EstimatedDocumentCount());
        Assert.Equal(new[] { "anne", "bob", "dee" }, people.Find(new BsonDocument()).ToList().Select(d => d["name"].AsString).Order());
        Assert.Equal(3, people.DeleteMany(new BsonDocument()).DeletedCount);
    }

    [Fact]
    public void Generated_ids_are_object_ids_stored_first()
    {
        var raw = Database("app").GetCollection<BsonDocument>("raw");
        raw.InsertOne(new BsonDocument("x", 1));
        var stored = raw.Find(new BsonDocument()).Single();
        Assert.Equal("_id", stored.GetElement(0).Name);
        Assert.Equal(BsonType.ObjectId, stored["_id"].BsonType);
    }

    [Fact]
    public void Cursor_batches_continue_across_getMore_in_natural_order()
    {
        var items = Database("app").GetCollection<BsonDocument>("items");
        items.InsertMany(Enumerable.Range(0, 2500).Select(i => new BsonDocument { { "_id", i }, { "pad", new string('x', 100) } }));
        var batches = 0;
        var seen = new List<int>();
        using (var cursor = items.Find(new BsonDocument(), new FindOptions { BatchSize = 300 }).ToCursor())
        {
            while (cursor.MoveNext())
            {
                batches++;
                seen.AddRange(cursor.Current.Select(d => d["_id"].AsInt32));
            }
        }
        Assert.Equal(Enumerable.Range(0, 2500), seen);
        Assert.Equal(9, batches);
        var reversed = items.Find(new BsonDocument()).Sort(new BsonDocument("$natural", -1)).Limit(3).ToList();
        Assert.Equal(new[] { 2499, 2498, 2497 }, reversed.Select(d => d["_id"].AsInt32));
        var filtered = items.Find(new BsonDocument("_id", new BsonDocument("$gte", 2000))).Skip(10).Limit(5)
            .Project(new BsonDocument("pad", 0)).ToList();
        Assert.Equal(Enumerable.Range(2010, 5).Select(i => new BsonDocument("_id", i)), filtered);
    }

    [Fact]
    public void Unique_index_violation_is_E11000_with_the_key_and_unordered_inserts_continue()
    {
        var db = Database("app");
        var users = db.GetCollection<BsonDocument>("users");
        users.Indexes.CreateOne(new CreateIndexModel<BsonDocument>(new BsonDocument("email", 1), new CreateIndexOptions { Unique = true }));
        users.InsertOne(new BsonDocument { { "_id", 1 }, { "email", "a@x" } });
        var error = Assert.Throws<MongoWriteException>(() => users.InsertOne(new BsonDocument { { "_id", 2 }, { "email", "a@x" } }));
        Assert.Equal(11000, error.WriteError.Code);
        Assert.Equal($"E11000 duplicate key error collection: {db.DatabaseNamespace.DatabaseName}.users index: email_1 dup key: {{ email: \"a@x\" }}", error.WriteError.Message);

        var bulk = Assert.Throws<MongoBulkWriteException<BsonDocument>>(() => users.InsertMany(new[]
        {
            new BsonDocument { { "_id", 1 }, { "email", "other" } },
            new BsonDocument { { "_id", 3 }, { "email", "c@x" } },
        }, new InsertManyOptions { IsOrdered = false }));
        Assert.Equal(0, bulk.WriteErrors.Single().Index);
        Assert.Contains("index: _id_ dup key: { _id: 1 }", bulk.WriteErrors.Single().Message);
        Assert.Equal(2, users.CountDocuments(new BsonDocument()));

        var updateError = Assert.Throws<MongoWriteException>(() =>
            users.UpdateOne(new BsonDocument("_id", 3), new BsonDocument("$set", new BsonDocument("email", "a@x"))));
        Assert.Equal(11000, updateError.WriteError.Code);
    }

    [Fact]
    public void Unique_indexes_over_arrays_key_every_element()
    {
        var posts = Database("app").GetCollection<BsonDocument>("posts");
        posts.Indexes.CreateOne(new CreateIndexModel<BsonDocument>(new BsonDocument("tags", 1), new CreateIndexOptions { Unique = true }));
        posts.Indexes.CreateOne(new CreateIndexModel<BsonDocument>(new BsonDocument("authors.email", 1),
            new CreateIndexOptions { Unique = true, Sparse = true }));
        posts.InsertOne(BsonDocument.Parse("{_id: 1, tags: ['a', 'b'], authors: [{email: 'x@y'}, {email: 'z@y'}]}"));
        var shared = Assert.Throws<MongoWriteException>(() => posts.InsertOne(BsonDocument.Parse("{_id: 2, tags: ['b', 'c']}")));
        Assert.Contains("index: tags_1 dup key: { tags: \"b\" }", shared.WriteError.Message);
        var nested = Assert.Throws<MongoWriteException>(() => posts.InsertOne(BsonDocument.Parse("{_id: 3, tags: ['q'], authors: [{email: 'z@y'}]}")));
        Assert.Contains("index: authors.email_1", nested.WriteError.Message);
        posts.InsertOne(BsonDocument.Parse("{_id: 4, tags: ['d']}")); // sparse: no authors, not indexed there
        posts.DeleteOne(new BsonDocument("_id", 1));
        posts.InsertOne(BsonDocument.Parse("{_id: 5, tags: ['b'], authors: [{email: 'z@y'}]}")); // keys freed by the delete
        Assert.Equal(new[] { 4, 5 }, posts.Find(new BsonDocument()).ToList().Select(d => d["_id"].AsInt32));
    }

    [Fact]
    public void Aggregate_count_and_collStats_answer_from_the_data()
    {
        var db = Database("app");
        var sales = db.GetCollection<BsonDocument>("sales");
        sales.InsertMany(Enumerable.Range(1, 10).Select(i => new BsonDocument { { "_id", i }, { "shop", i % 2 == 0 ? "even" : "odd" }, { "amount", i } }));
        var totals = sales.Aggregate<BsonDocument>(new[]
        {
            new BsonDocument("$group", new BsonDocument { { "_id", "$shop" }, { "total", new BsonDocument("$sum", "$amount") } }),
            new BsonDocument("$sort", new BsonDocument("_id", 1)),
        }).ToList();
        Assert.Equal(new[] { new BsonDocument { { "_id", "even" }, { "total", 30 } }, new BsonDocument { { "_id", "odd" }, { "total", 25 } } }, totals);

        var stats = sales.Aggregate<BsonDocument>(new[] { new BsonDocument("$collStats", new BsonDocument("storageStats", new BsonDocument())) }).Single();
        Assert.Equal(10, stats["storageStats"]["count"].ToInt64());
        Assert.True(stats["storageStats"]["size"].ToInt64() > 0);
        Assert.Equal(db.DatabaseNamespace.DatabaseName + ".sales", stats["ns"].AsString);
        var collStats = db.RunCommand<BsonDocument>(new BsonDocument("collStats", "sales"));
        Assert.Equal(10, collStats["count"].ToInt64());
        var dbStats = db.RunCommand<BsonDocument>(new BsonDocument("dbStats", 1));
        Assert.Equal(10, dbStats["objects"].ToInt64());
    }

    [Fact]
    public void Large_collection_scan_returns_every_byte_stored()
    {
        var db = Database("app");
        var blobs = db.GetCollection<BsonDocument>("blobs");
        var payload = new byte[1000];
        new Random(7).NextBytes(payload);
        blobs.InsertMany(Enumerable.Range(0, 40_000).Select(i => new BsonDocument { { "_id", i }, { "data", new BsonBinaryData(payload) } }));
        long total = 0;
        var count = 0;
        using var cursor = db.GetCollection<RawBsonDocument>("blobs").Find(new BsonDocument()).ToCursor();
        while (cursor.MoveNext())
            foreach (var document in cursor.Current)
            {
                total += document.Slice.Length;
                Assert.Equal(count++, document["_id"].AsInt32);
            }
        Assert.Equal(40_000, count);
        Assert.Equal(40_000L * new BsonDocument { { "_id", 0 }, { "data", new BsonBinaryData(payload) } }.ToBson().Length, total);
    }

    [Fact]
    public void Id_ranges_read_in_id_order_with_sort_or_min_max()
    {
        var items = Database("app").GetCollection<BsonDocument>("items");
        var ids = Enumerable.Range(0, 500).OrderBy(i => (i * 7919) % 500).ToList(); // inserted out of order
        items.InsertMany(ids.Select(i => new BsonDocument { { "_id", i }, { "odd", i % 2 == 1 } }));
        items.InsertOne(new BsonDocument { { "_id", "text" }, { "odd", false } });

        var range = items.Find(new BsonDocument("_id", new BsonDocument { { "$gte", 100 }, { "$lt", 300 } }), new FindOptions { BatchSize = 50 })
            .Sort(new BsonDocument("_id", 1)).ToList();
        Assert.Equal(Enumerable.Range(100, 200), range.Select(d => d["_id"].AsInt32));
        var descending = items.Find(new BsonDocument("odd", true)).Sort(new BsonDocument("_id", -1)).Limit(3).ToList();
        Assert.Equal(new[] { 499, 497, 495 }, descending.Select(d => d["_id"].AsInt32));
        var all = items.Find(new BsonDocument()).Sort(new BsonDocument("_id", 1)).ToList();
        Assert.Equal("text", all.Last()["_id"].AsString); // numbers sort before strings

        var bounded = items.Find(new BsonDocument(), new FindOptions
        {
            Hint = new BsonDocument("_id", 1), Min = new BsonDocument("_id", 10), Max = new BsonDocument("_id", 20),
        }).ToList();
        Assert.Equal(Enumerable.Range(10, 10), bounded.Select(d => d["_id"].AsInt32));
    }

    [Fact]
    public void Validators_reject_invalid_writes_unless_bypassed()
    {
        var db = Database("app");
        db.RunCommand<BsonDocument>(BsonDocument.Parse("{create: 'people', validator: {age: {$gte: 0}}}"));
        var people = db.GetCollection<BsonDocument>("people");
        people.InsertOne(BsonDocument.Parse("{_id: 1, age: 5}"));
        var insert = Assert.Throws<MongoWriteException>(() => people.InsertOne(BsonDocument.Parse("{_id: 2, age: -1}")));
        Assert.Equal(121, insert.WriteError.Code);
        var update = Assert.Throws<MongoWriteException>(() => people.UpdateOne(new BsonDocument("_id", 1), BsonDocument.Parse("{$set: {age: -3}}")));
        Assert.Equal(121, update.WriteError.Code);
        people.InsertOne(BsonDocument.Parse("{_id: 3, age: -1}"), new InsertOneOptions { BypassDocumentValidation = true });
        Assert.Equal(new[] { 1, 3 }, people.Find(new BsonDocument()).ToList().Select(d => d["_id"].AsInt32));

        var unknown = Assert.Throws<MongoCommandException>(() => db.RunCommand<BsonDocument>(BsonDocument.Parse("{create: 'x', cappd: true}")));
        Assert.Equal(40415, unknown.Code);
        Assert.Contains("create.cappd", unknown.Message);
    }

    [Fact]
    public void Array_ids_are_refused()
    {
        var items = Database("app").GetCollection<BsonDocument>("items");
        var arrayId = Assert.Throws<MongoWriteException>(() => items.InsertOne(new BsonDocument("_id", new BsonArray { 1 })));
        Assert.Equal("can't use an array for _id", arrayId.WriteError.Message);
        Assert.Equal(0, items.CountDocuments(new BsonDocument()));
    }

    [Fact]
    public void Sessions_and_read_concerns_are_accepted()
    {
        var db = Database("app");
        var things = db.GetCollection<BsonDocument>("things").WithReadConcern(ReadConcern.Majority);
        using var session = Client.StartSession(new ClientSessionOptions { CausalConsistency = true });
        things.InsertOne(session, new BsonDocument("_id", 1));
        Assert.Single(things.Find(session, new BsonDocument()).ToList());
        var snapshot = db.GetCollection<BsonDocument>("things").WithReadConcern(ReadConcern.Snapshot);
        Assert.Single(snapshot.Find(new BsonDocument()).ToList());
    }
}
