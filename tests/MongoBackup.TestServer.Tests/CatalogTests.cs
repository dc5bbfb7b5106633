using MongoBackup.TestServer.Tests.Support;
using MongoBackup.Tests;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>Collections, views, time series and indexes as listCollections and listIndexes report them; runs against MONGOBACKUP_TEST_URI when set.</summary>
public class CatalogTests : ServerTestBase
{
    private static BsonDocument Entry(IMongoDatabase db, string name) =>
        db.ListCollections(new ListCollectionsOptions { Filter = new BsonDocument("name", name) }).ToList().Single();

    [Fact]
    public void ListCollections_reports_options_exactly_as_created()
    {
        var db = Database("cat");
        db.RunCommand<BsonDocument>(BsonDocument.Parse("{create: 'capped', capped: true, size: 4000, max: 10}"));
        db.RunCommand<BsonDocument>(BsonDocument.Parse("{create: 'validated', validator: {age: {$gte: 0}}, validationLevel: 'moderate', validationAction: 'warn'}"));
        db.RunCommand<BsonDocument>(BsonDocument.Parse("{create: 'collated', collation: {locale: 'fr', strength: 2}}"));
        db.RunCommand<BsonDocument>(BsonDocument.Parse("{create: 'clustered', clusteredIndex: {key: {_id: 1}, unique: true, name: 'by_id'}}"));
        db.RunCommand<BsonDocument>(BsonDocument.Parse("{create: 'adults', viewOn: 'validated', pipeline: [{$match: {age: {$gte: 18}}}]}"));
        db.RunCommand<BsonDocument>(BsonDocument.Parse("{create: 'weather', timeseries: {timeField: 'ts', metaField: 'station'}}"));

        var capped = Entry(db, "capped");
        Assert.Equal("collection", capped["type"].AsString);
        Assert.Equal(BsonDocument.Parse("{capped: true, size: 4096, max: 10}"), capped["options"]); // size rounded up to 256s
        Assert.Equal(BsonDocument.Parse("{v: 2, key: {_id: 1}, name: '_id_'}"), capped["idIndex"]);
        Assert.Equal(BsonType.Binary, capped["info"]["uuid"].BsonType);
        Assert.Equal(BsonDocument.Parse("{validator: {age: {$gte: 0}}, validationLevel: 'moderate', validationAction: 'warn'}"), Entry(db, "validated")["options"]);
        Assert.Equal(BsonDocument.Parse("{collation: {locale: 'fr', strength: 2}}"), Entry(db, "collated")["options"]);
        var clustered = Entry(db, "clustered");
        Assert.Equal(BsonDocument.Parse("{clusteredIndex: {key: {_id: 1}, unique: true, name: 'by_id'}}"), clustered["options"]);
        Assert.False(clustered.Contains("idIndex"));
        var view = Entry(db, "adults");
        Assert.Equal("view", view["type"].AsString);
        Assert.Equal(BsonDocument.Parse("{viewOn: 'validated', pipeline: [{$match: {age: {$gte: 18}}}]}"), view["options"]);
        Assert.True(view["info"]["readOnly"].AsBoolean);
        var weather = Entry(db, "weather");
        Assert.Equal("timeseries", weather["type"].AsString);
        Assert.Equal(BsonDocument.Parse("{timeseries: {timeField: 'ts', metaField: 'station', granularity: 'seconds', bucketMaxSpanSeconds: 3600}}"), weather["options"]);
        Assert.Equal("collection", Entry(db, "system.buckets.weather")["type"].AsString);
        Assert.Equal(new[] { "view" }, db.ListCollections(new ListCollectionsOptions { Filter = new BsonDocument("type", "view") }).ToList().Select(e => e["type"].AsString));
        Assert.Contains("system.views", db.ListCollectionNames().ToList());

        var error = Assert.Throws<MongoCommandException>(() => db.RunCommand<BsonDocument>(BsonDocument.Parse("{create: 'capped', capped: true, size: 10}")));
        Assert.Equal(48, error.Code);
    }

    /// <summary>
    /// changeStreamPreAndPostImages is listed only while enabled (collection_options.cpp toBSON), set and cleared by
    /// collMod, and refused on a view (database_impl.cpp).
    /// </summary>
    [Fact]
    public void Change_stream_pre_and_post_images_are_listed_while_enabled_and_refused_on_a_view()
    {
        var db = Database("cat");
        db.RunCommand<BsonDocument>(BsonDocument.Parse("{create: 'watched', changeStreamPreAndPostImages: {enabled: true}}"));
        db.RunCommand<BsonDocument>(BsonDocument.Parse("{create: 'quiet', changeStreamPreAndPostImages: {enabled: false}}"));
        Assert.Equal(BsonDocument.Parse("{changeStreamPreAndPostImages: {enabled: true}}"), Entry(db, "watched")["options"]);
        Assert.Equal(new BsonDocument(), Entry(db, "quiet")["options"]);

        db.RunCommand<BsonDocument>(BsonDocument.Parse("{collMod: 'watched', changeStreamPreAndPostImages: {enabled: false}}"));
        db.RunCommand<BsonDocument>(BsonDocument.Parse("{collMod: 'quiet', changeStreamPreAndPostImages: {enabled: true}}"));
        Assert.Equal(new BsonDocument(), Entry(db, "watched")["options"]);
        Assert.Equal(BsonDocument.Parse("{changeStreamPreAndPostImages: {enabled: true}}"), Entry(db, "quiet")["options"]);

        var error = Assert.Throws<MongoCommandException>(() => db.RunCommand<BsonDocument>(
            BsonDocument.Parse("{create: 'seen', viewOn: 'quiet', pipeline: [], changeStreamPreAndPostImages: {enabled: true}}")));
        Assert.Equal((72, "option not supported on a view: changeStreamPreAndPostImages"), (error.Code, error.ErrorMessage));
        Assert.DoesNotContain("seen", db.ListCollectionNames().ToList());
    }

    /// <summary>
    /// collMod's cappedSize and cappedMax (MongoDB 6.0+, coll_mod.cpp): the new limits are listed (size rounded up to
    /// 256s, max right after size), logged as given, and held from the next insert on; a collection that is not capped
    /// refuses them.
    /// </summary>
    [Fact]
    public void CollMod_resizes_a_capped_collection_and_the_next_insert_keeps_the_new_limits()
    {
        var db = Database("cat");
        db.RunCommand<BsonDocument>(BsonDocument.Parse("{create: 'audit', capped: true, size: 4096, validator: {n: {$gte: 0}}}"));
        var audit = db.GetCollection<BsonDocument>("audit");
        audit.InsertMany(Enumerable.Range(1, 6).Select(i => new BsonDocument { { "_id", i }, { "n", i } }));

        db.RunCommand<BsonDocument>(BsonDocument.Parse("{collMod: 'audit', cappedMax: 3, cappedSize: 5000}"));
        Assert.Equal(BsonDocument.Parse("{capped: true, size: 5120, max: 3, validator: {n: {$gte: 0}}}"), Entry(db, "audit")["options"]);
        var logged = OplogOf(db.DatabaseNamespace.DatabaseName, new BsonDocument("o.collMod", "audit")).Single();
        Assert.Equal(BsonDocument.Parse("{collMod: 'audit', cappedSize: 5000, cappedMax: 3}"), logged["o"]);
        audit.InsertOne(new BsonDocument { { "_id", 7 }, { "n", 7 } });
        Assert.Equal([5, 6, 7], audit.Find(new BsonDocument()).ToList().Select(d => d["_id"].AsInt32));

        // The logged entry, replayed by applyOps (as restore's oplog replay sends it) onto a copy, resizes that copy alike.
        var copy = Database("cat");
        copy.RunCommand<BsonDocument>(BsonDocument.Parse("{create: 'audit', capped: true, size: 4096, validator: {n: {$gte: 0}}}"));
        Target.Admin.RunCommand<BsonDocument>(new BsonDocument("applyOps", new BsonArray
        {
            new BsonDocument { { "op", "c" }, { "ns", copy.DatabaseNamespace.DatabaseName + ".$cmd" }, { "o", logged["o"] } },
        }));
        Assert.Equal(Entry(db, "audit")["options"], Entry(copy, "audit")["options"]);

        db.RunCommand<BsonDocument>(BsonDocument.Parse("{create: 'plain'}"));
        var error = Assert.Throws<MongoCommandException>(() => db.RunCommand<BsonDocument>(BsonDocument.Parse("{collMod: 'plain', cappedMax: 3}")));
        Assert.Equal((72, "Collection must be capped."), (error.Code, error.ErrorMessage));
    }

    [Fact]
    public void Views_and_timeseries_read_through_their_definitions()
    {
        var db = Database("cat");
        db.GetCollection<BsonDocument>("people").InsertMany(new[] { BsonDocument.Parse("{_id: 1, age: 10}"), BsonDocument.Parse("{_id: 2, age: 30}") });
        db.CreateView<BsonDocument, BsonDocument>("adults", "people", new BsonDocument[] { BsonDocument.Parse("{$match: {age: {$gte: 18}}}") });
        Assert.Equal(new[] { 2 }, db.GetCollection<BsonDocument>("adults").Find(new BsonDocument()).ToList().Select(d => d["_id"].AsInt32));

        db.RunCommand<BsonDocument>(BsonDocument.Parse("{create: 'weather', timeseries: {timeField: 'ts', metaField: 'station'}}"));
        var at = new DateTime(2024, 5, 1, 12, 0, 0, DateTimeKind.Utc);
        db.GetCollection<BsonDocument>("weather").InsertOne(new BsonDocument { { "ts", at }, { "station", "north" }, { "temp", 21.5 } });
        var measurement = db.GetCollection<BsonDocument>("weather").Find(new BsonDocument("station", "north")).Single();
        Assert.Equal(21.5, measurement["temp"].AsDouble);
        Assert.Equal(at, measurement["ts"].ToUniversalTime());
        Assert.Equal(1, db.GetCollection<BsonDocument>("system.buckets.weather").CountDocuments(new BsonDocument()));

        db.GetCollection<BsonDocument>("weather").Indexes.CreateOne(new CreateIndexModel<BsonDocument>(BsonDocument.Parse("{station: 1, ts: -1}")));
        Assert.Equal(BsonDocument.Parse("{v: 2, key: {station: 1, ts: -1}, name: 'station_1_ts_-1'}"),
            db.GetCollection<BsonDocument>("weather").Indexes.List().ToList().Single(i => i["name"] != "station_1_ts_1"));
        var onView = Assert.Throws<MongoCommandException>(() => db.GetCollection<BsonDocument>("adults").Indexes.List().ToList());
        Assert.Equal(166, onView.Code);
    }

    [Fact]
    public void ListIndexes_reports_specs_as_created_and_conflicts_fail()
    {
        var db = Database("cat");
        var spec = BsonDocument.Parse("{key: {b: -1, a: 1}, name: 'b_a', unique: true, partialFilterExpression: {a: {$gt: 5}}, collation: {locale: 'en'}}");
        var created = db.RunCommand<BsonDocument>(new BsonDocument { { "createIndexes", "things" }, { "indexes", new BsonArray { spec } } });
        Assert.True(created["createdCollectionAutomatically"].AsBoolean);
        var indexes = db.GetCollection<BsonDocument>("things").Indexes.List().ToList();
        Assert.Equal(BsonDocument.Parse("{v: 2, key: {_id: 1}, name: '_id_'}"), indexes[0]);
        Assert.Equal(new BsonDocument("v", 2).AddRange(spec), indexes[1]);

        var again = db.RunCommand<BsonDocument>(new BsonDocument { { "createIndexes", "things" }, { "indexes", new BsonArray { spec } } });
        Assert.Equal(2, again["numIndexesAfter"].AsInt32);

        var differentKey = BsonDocument.Parse("{key: {c: 1}, name: 'b_a'}");
        var keyConflict = Assert.Throws<MongoCommandException>(() => db.RunCommand<BsonDocument>(new BsonDocument { { "createIndexes", "things" }, { "indexes", new BsonArray { differentKey } } }));
        Assert.Equal(86, keyConflict.Code);
        var differentOptions = BsonDocument.Parse("{key: {b: -1, a: 1}, name: 'b_a', sparse: true}");
        var optionConflict = Assert.Throws<MongoCommandException>(() => db.RunCommand<BsonDocument>(new BsonDocument { { "createIndexes", "things" }, { "indexes", new BsonArray { differentOptions } } }));
        Assert.Equal(85, optionConflict.Code);

        db.GetCollection<BsonDocument>("things").Indexes.CreateOne(new CreateIndexModel<BsonDocument>(new BsonDocument("z", 1)));
        db.GetCollection<BsonDocument>("things").Indexes.DropOne("b_a");
        Assert.Equal(new[] { "_id_", "z_1" }, db.GetCollection<BsonDocument>("things").Indexes.List().ToList().Select(i => i["name"].AsString));
        db.RunCommand<BsonDocument>(BsonDocument.Parse("{dropIndexes: 'things', index: {z: 1}}"));
        db.GetCollection<BsonDocument>("things").Indexes.DropAll();
        Assert.Single(db.GetCollection<BsonDocument>("things").Indexes.List().ToList());
        var missing = Assert.Throws<MongoCommandException>(() => db.GetCollection<BsonDocument>("things").Indexes.DropOne("nope"));
        Assert.Equal(27, missing.Code);
    }

    [Fact]
    public void Rename_drop_and_list_databases()
    {
        var client = Client;
        var db = Database("cat");
        var (name, other) = (db.DatabaseNamespace.DatabaseName, Target.NewDatabaseName("other"));
        db.GetCollection<BsonDocument>("a").InsertOne(new BsonDocument("_id", 1));
        db.GetCollection<BsonDocument>("b").InsertOne(new BsonDocument("_id", 2));
        var exists = Assert.Throws<MongoCommandException>(() => db.RenameCollection("a", "b"));
        Assert.Equal(48, exists.Code);
        db.RenameCollection("a", "b", new RenameCollectionOptions { DropTarget = true });
        Assert.Equal(new[] { "b" }, db.ListCollectionNames().ToList());
        Assert.Equal(1, db.GetCollection<BsonDocument>("b").Find(new BsonDocument()).Single()["_id"].AsInt32);
        client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument { { "renameCollection", name + ".b" }, { "to", other + ".c" } });
        Assert.Contains(other, client.ListDatabaseNames().ToList());
        Assert.DoesNotContain(name, client.ListDatabaseNames().ToList());
        var databases = client.ListDatabases(CancellationToken.None).ToList();
        Assert.True(databases.Single(d => d["name"] == other)["sizeOnDisk"].ToInt64() > 0);
        client.DropDatabase(other);
        Assert.DoesNotContain(other, client.ListDatabaseNames().ToList());
    }

    /// <summary>
    /// Breaker test (fails): MongoDB refuses a database name of 64 characters or more (NamespaceString::validDBName,
    /// src/mongo/db/namespace_string.h: DatabaseName::kMaxDatabaseNameLength; the manual's "Length of Database Names":
    /// fewer than 64 characters); the test server takes it, so a restore renamed into such a name succeeds here where it
    /// fails against MongoDB.
    /// </summary>
    [Fact]
    public void Breaker_a_database_name_of_64_characters_or_more_is_refused_as_MongoDB_refuses_it()
    {
        var client = Client;
        var prefix = Target.NewDatabaseName("long");
        var longest = prefix + new string('x', 63 - prefix.Length);
        var tooLong = longest + "x";
        try
        {
            client.GetDatabase(longest).GetCollection<BsonDocument>("c").InsertOne(new BsonDocument("_id", 1));
            var refused = Assert.Throws<MongoCommandException>(() => client.GetDatabase(tooLong).RunCommand<BsonDocument>(new BsonDocument("create", "c")));
            Assert.Equal(73, refused.Code);
            Assert.DoesNotContain(tooLong, client.ListDatabaseNames().ToList());
        }
        finally
        {
            client.DropDatabase(longest);
            client.DropDatabase(tooLong);
        }
    }

    /// <summary>
    /// The limit counts bytes, as std::string::size() does (DatabaseName's check in database_name.h), and holds for a
    /// database a rename would create: its message names the length found.
    /// </summary>
    [Fact]
    public void A_database_name_over_63_bytes_is_refused_for_a_rename_too_counting_bytes_not_characters()
    {
        var client = Client;
        var source = Database("src");
        source.GetCollection<BsonDocument>("c").InsertOne(new BsonDocument("_id", 1));
        var wide = new string('é', 32); // 32 characters, 64 bytes of UTF-8
        var refused = Assert.Throws<MongoCommandException>(() => client.GetDatabase("admin").RunCommand<BsonDocument>(
            new BsonDocument { { "renameCollection", source.DatabaseNamespace.DatabaseName + ".c" }, { "to", wide + ".c" } }));
        Assert.Equal(73, refused.Code);
        Assert.Equal("db name must be at most 63 characters, found: 64", refused.ErrorMessage);
        Assert.DoesNotContain(wide, client.ListDatabaseNames().ToList());
        Assert.Equal(1, source.GetCollection<BsonDocument>("c").CountDocuments(new BsonDocument()));
    }

    [Fact]
    public void A_database_whose_name_differs_only_in_case_from_one_that_exists_is_not_created()
    {
        // mongod's DatabaseHolderImpl::openDb (database_holder_impl.cpp) refuses, DatabaseDifferCase 13297; jstests/core/dbcase2.js.
        var client = Client;
        var db = Database("case");
        var name = db.DatabaseNamespace.DatabaseName;
        var upper = client.GetDatabase(name.ToUpperInvariant());
        db.GetCollection<BsonDocument>("a").InsertOne(new BsonDocument("_id", 1));

        var insert = Assert.Throws<MongoWriteException>(() => upper.GetCollection<BsonDocument>("a").InsertOne(new BsonDocument("_id", 1)));
        var create = Assert.Throws<MongoCommandException>(() => upper.RunCommand<BsonDocument>(new BsonDocument("create", "b")));
        var rename = Assert.Throws<MongoCommandException>(() => client.GetDatabase("admin").RunCommand<BsonDocument>(
            new BsonDocument { { "renameCollection", name + ".a" }, { "to", name.ToUpperInvariant() + ".a" } }));

        Assert.Equal(13297, insert.WriteError.Code);
        Assert.Equal(13297, create.Code);
        Assert.Equal("DatabaseDifferCase", create.CodeName);
        Assert.StartsWith($"db already exists with different case already have: [{name}] trying to create [{name.ToUpperInvariant()}]", create.ErrorMessage);
        Assert.Equal(13297, rename.Code);
        Assert.DoesNotContain(name.ToUpperInvariant(), client.ListDatabaseNames().ToList());
        Assert.Equal(1, db.GetCollection<BsonDocument>("a").CountDocuments(new BsonDocument()));
    }

    [Fact]
    public void CollMod_changes_index_options_and_validator()
    {
        var db = Database("cat");
        db.GetCollection<BsonDocument>("events").Indexes.CreateOne(new CreateIndexModel<BsonDocument>(
            new BsonDocument("at", 1), new CreateIndexOptions { ExpireAfter = TimeSpan.FromSeconds(60) }));
        var reply = db.RunCommand<BsonDocument>(BsonDocument.Parse("{collMod: 'events', index: {keyPattern: {at: 1}, expireAfterSeconds: 120, hidden: true}}"));
        Assert.Equal(60, reply["expireAfterSeconds_old"].ToInt32());
        var index = db.GetCollection<BsonDocument>("events").Indexes.List().ToList()[1];
        Assert.Equal(120, index["expireAfterSeconds"].ToInt32());
        Assert.True(index["hidden"].AsBoolean);
        db.RunCommand<BsonDocument>(BsonDocument.Parse("{collMod: 'events', validator: {at: {$exists: true}}}"));
        Assert.Equal(BsonDocument.Parse("{validator: {at: {$exists: true}}}"), Entry(db, "events")["options"]);
    }

    /// <summary>
    /// A collMod that changes a TTL index's expireAfterSeconds is logged with the new and the old value as 64-bit
    /// integers (CollModIndex's expireAfterSeconds is a safeInt64), whatever type the command gave: so mongod's own
    /// entries show it in mongo-tools' capture (mongorestore/testdata/oplogs/bson/collMod.bson: o.index.expireAfterSeconds
    /// and o2.expireAfterSeconds_old are NumberLong). Logged as the command's int32 instead, the entry is one no mongod
    /// writes, and stock mongorestore 100.11 refuses to replay it ("could not handle collMod on db.coll: expireAfterSeconds
    /// must be a number (found 120 of type int32)"), so a dump of this server's oplog does not restore with it.
    /// </summary>
    [Fact]
    public void CollMod_of_an_index_expireAfterSeconds_is_logged_as_longs_as_mongod_logs_it()
    {
        var captured = BsonFile.ReadAll(FixturePaths.Get("mongorestore/testdata/oplogs/bson/collMod.bson"))
            .Single(e => e["o"].AsBsonDocument.Contains("collMod"));
        Assert.Equal(BsonType.Int64, captured["o"]["index"]["expireAfterSeconds"].BsonType);
        Assert.Equal(BsonType.Int64, captured["o2"]["expireAfterSeconds_old"].BsonType);

        var db = Database("cat");
        db.RunCommand<BsonDocument>(BsonDocument.Parse("{create: 'sessions'}"));
        db.RunCommand<BsonDocument>(BsonDocument.Parse("{createIndexes: 'sessions', indexes: [{key: {at: 1}, name: 'at_1', expireAfterSeconds: 60}]}"));
        db.RunCommand<BsonDocument>(BsonDocument.Parse("{collMod: 'sessions', index: {name: 'at_1', expireAfterSeconds: 120}}"));

        var logged = OplogOf(db.DatabaseNamespace.DatabaseName, new BsonDocument("o.collMod", "sessions")).Single();
        Assert.Equal((BsonType.Int64, 120L), (logged["o"]["index"]["expireAfterSeconds"].BsonType, logged["o"]["index"]["expireAfterSeconds"].ToInt64()));
        Assert.Equal((BsonType.Int64, 60L), (logged["o2"]["expireAfterSeconds_old"].BsonType, logged["o2"]["expireAfterSeconds_old"].ToInt64()));
    }
}
