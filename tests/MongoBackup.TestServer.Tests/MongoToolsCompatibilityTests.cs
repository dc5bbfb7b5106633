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
}
