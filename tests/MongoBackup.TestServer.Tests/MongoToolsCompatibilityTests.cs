using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>The commands and reply shapes the stock mongodump and mongorestore (100.x) rely on; runs against MONGOBACKUP_TEST_URI when set.</summary>
public class MongoToolsCompatibilityTests : ServerTestBase
{
    [Fact]
    public void GetParameter_reports_auth_schema_version_5_as_mongorestore_needs_for_users_and_roles()
    {
        var reply = Target.Admin.RunCommand<BsonDocument>(new BsonDocument { { "getParameter", 1 }, { "authSchemaVersion", 1 } });
        Assert.Equal(5, reply["authSchemaVersion"].ToInt32());
    }

    [InMemoryFact("replaces every user and role of the server")]
    public void MergeAuthzCollections_moves_restored_users_and_roles_in_and_drop_replaces_that_database_s_users()
    {
        var admin = Connect(StartServer("rs0")).GetDatabase("admin");
        admin.RunCommand<BsonDocument>(new BsonDocument { { "createUser", "old" }, { "pwd", "pw" }, { "roles", new BsonArray() } });
        var dumpedUser = new BsonDocument
        {
            { "_id", "admin.alice" }, { "userId", new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard) },
            { "user", "alice" }, { "db", "admin" }, { "credentials", new BsonDocument() },
            { "roles", new BsonArray { new BsonDocument { { "role", "reporting" }, { "db", "admin" } } } },
        };
        var dumpedRole = new BsonDocument
        {
            { "_id", "admin.reporting" }, { "role", "reporting" }, { "db", "admin" }, { "privileges", new BsonArray() }, { "roles", new BsonArray() },
        };
        admin.GetCollection<BsonDocument>("tempusers").InsertOne(dumpedUser);
        admin.GetCollection<BsonDocument>("temproles").InsertOne(dumpedRole);

        admin.RunCommand<BsonDocument>(new BsonDocument
        {
            { "_mergeAuthzCollections", 1 }, { "tempUsersCollection", "admin.tempusers" }, { "tempRolesCollection", "admin.temproles" },
            { "drop", true }, { "db", "" },
        });

        var users = admin.RunCommand<BsonDocument>(new BsonDocument("usersInfo", 1))["users"].AsBsonArray;
        Assert.Equal(["alice"], users.Select(u => u["user"].AsString));
        var roles = admin.RunCommand<BsonDocument>(new BsonDocument("rolesInfo", 1))["roles"].AsBsonArray;
        Assert.Equal(["reporting"], roles.Select(r => r["role"].AsString));
    }

    [Fact]
    public void MergeAuthzCollections_without_a_temporary_collection_is_refused()
    {
        var error = Assert.Throws<MongoCommandException>(() =>
            Target.Admin.RunCommand<BsonDocument>(new BsonDocument { { "_mergeAuthzCollections", 1 }, { "drop", false }, { "db", "" } }));
        Assert.Equal(2, error.Code);
    }

    [Fact]
    public void Indexes_created_on_a_timeseries_collection_are_built_on_its_buckets_and_listed_as_given()
    {
        var db = Database("timeseries_test");
        db.RunCommand<BsonDocument>(new BsonDocument
        {
            { "create", "foo_ts" }, { "timeseries", new BsonDocument { { "timeField", "ts" }, { "metaField", "meta" } } },
        });
        var given = new BsonDocument { { "key", new BsonDocument { { "ts", -1 }, { "meta.device", 1 } } }, { "name", "ts_-1_meta.device_1" } };
        db.RunCommand<BsonDocument>(new BsonDocument { { "createIndexes", "foo_ts" }, { "indexes", new BsonArray { given } } });

        // First the index MongoDB 6.3+ builds on a new time-series collection with a metaField, then the one asked for.
        var listed = db.GetCollection<BsonDocument>("foo_ts").Indexes.List().ToList();
        Assert.Equal([BsonDocument.Parse("{v: 2, key: {meta: 1, ts: 1}, name: 'meta_1_ts_1'}"), new BsonDocument("v", 2).AddRange(given)], listed);
        var bucketIndex = db.GetCollection<BsonDocument>("system.buckets.foo_ts").Indexes.List().ToList()
            .Single(i => i["name"] == "ts_-1_meta.device_1");
        Assert.Equal(new BsonDocument { { "control.max.ts", -1 }, { "control.min.ts", -1 }, { "meta.device", 1 } }, bucketIndex["key"]);
    }

    [Fact]
    public void A_text_index_on_a_timeseries_measurement_field_is_refused()
    {
        var db = Database("timeseries_test");
        db.RunCommand<BsonDocument>(new BsonDocument { { "create", "foo_ts" }, { "timeseries", new BsonDocument("timeField", "ts") } });
        var error = Assert.Throws<MongoCommandException>(() => db.RunCommand<BsonDocument>(new BsonDocument
        {
            { "createIndexes", "foo_ts" },
            { "indexes", new BsonArray { new BsonDocument { { "key", new BsonDocument("note", "text") }, { "name", "note_text" } } } },
        }));
        // InvalidOptions, as MongoDB refuses it before translating the key (timeseries_commands_conversion_helper.cpp).
        Assert.Equal(72, error.Code);
        Assert.Contains("Text indexes are not supported on time-series collections", error.Message);
    }

    [Fact]
    public void An_index_inherits_its_collection_s_default_collation_and_an_explicit_simple_one_is_stored_as_none()
    {
        var db = Database("shop");
        var french = new BsonDocument { { "locale", "fr" }, { "strength", 2 } };
        db.RunCommand<BsonDocument>(new BsonDocument { { "create", "people" }, { "collation", french } });
        db.RunCommand<BsonDocument>(new BsonDocument
        {
            { "createIndexes", "people" },
            { "indexes", new BsonArray
                {
                    new BsonDocument { { "key", new BsonDocument("name", 1) }, { "name", "name_1" } },
                    new BsonDocument { { "key", new BsonDocument("code", 1) }, { "name", "code_1" }, { "collation", new BsonDocument("locale", "simple") } },
                } },
        });

        var indexes = db.GetCollection<BsonDocument>("people").Indexes.List().ToList().ToDictionary(i => i["name"].AsString);
        Assert.Equal(french, indexes["name_1"]["collation"]);
        Assert.False(indexes["code_1"].Contains("collation"));
    }

    [Fact]
    public void Creating_a_user_records_the_auth_schema_document_a_users_dump_needs()
    {
        var admin = Target.Admin;
        var created = new List<string>();
        try
        {
            foreach (var user in new[] { Target.NewDatabaseName("ops"), Target.NewDatabaseName("dev") }) // names of this test's own
            {
                admin.RunCommand<BsonDocument>(new BsonDocument { { "createUser", user }, { "pwd", "pw" }, { "roles", new BsonArray() } });
                created.Add(user);
            }

            var schema = admin.GetCollection<BsonDocument>("system.version").Find(new BsonDocument("_id", "authSchema")).ToList();
            Assert.Equal(5, Assert.Single(schema)["currentVersion"].ToInt32());
        }
        finally
        {
            foreach (var user in created) admin.RunCommand<BsonDocument>(new BsonDocument("dropUser", user));
        }
    }
}
