using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>The commands and reply shapes the stock mongodump and mongorestore (100.x) rely on.</summary>
public class MongoToolsCompatibilityTests : ServerTestBase
{
    [Fact]
    public void GetParameter_reports_auth_schema_version_5_as_mongorestore_needs_for_users_and_roles()
    {
        var admin = Connect(StartServer("rs0")).GetDatabase("admin");
        var reply = admin.RunCommand<BsonDocument>(new BsonDocument { { "getParameter", 1 }, { "authSchemaVersion", 1 } });
        Assert.Equal(5, reply["authSchemaVersion"].ToInt32());
    }

    [Fact]
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
        var admin = Connect(StartServer("rs0")).GetDatabase("admin");
        var error = Assert.Throws<MongoCommandException>(() =>
            admin.RunCommand<BsonDocument>(new BsonDocument { { "_mergeAuthzCollections", 1 }, { "drop", false }, { "db", "" } }));
        Assert.Equal(2, error.Code);
    }
}
