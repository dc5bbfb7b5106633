using MongoBackup.Engine.Restore;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Restore;

public sealed class AuthDocumentRenameTests
{
    [Fact]
    public void A_user_of_the_renamed_database_becomes_the_new_database_s_with_references_into_it_renamed_and_others_kept()
    {
        var userId = new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard);
        var user = BsonDocument.Parse("""
            { _id: "hr.alice", user: "alice", db: "hr", credentials: { "SCRAM-SHA-256": { iterationCount: 15000 } },
              roles: [ { role: "hrReader", db: "hr" }, { role: "read", db: "reporting" } ] }
            """);
        user["userId"] = userId;

        var renamed = AuthDocumentRename.Rename(user, "hr", "hr_u");

        Assert.Equal("hr_u.alice", renamed["_id"].AsString);
        Assert.Equal("hr_u", renamed["db"].AsString);
        Assert.Equal("alice", renamed["user"].AsString);
        Assert.Equal(BsonDocument.Parse("""{ r: [ { role: "hrReader", db: "hr_u" }, { role: "read", db: "reporting" } ] }""")["r"], renamed["roles"]);
        Assert.Equal(user["credentials"], renamed["credentials"]);
        Assert.NotEqual(userId, renamed["userId"]);
        Assert.Equal("hr.alice", user["_id"].AsString); // the source document is left as it was
    }

    [Fact]
    public void A_role_of_the_renamed_database_has_its_privileges_and_inherited_roles_in_it_renamed()
    {
        var role = BsonDocument.Parse("""
            { _id: "hr.hrReader", role: "hrReader", db: "hr",
              privileges: [ { resource: { db: "hr", collection: "employees" }, actions: [ "find" ] },
                            { resource: { db: "audit", collection: "" }, actions: [ "find" ] },
                            { resource: { cluster: true }, actions: [ "serverStatus" ] } ],
              roles: [ { role: "base", db: "hr" }, { role: "read", db: "audit" } ] }
            """);

        var renamed = AuthDocumentRename.Rename(role, "hr", "hr_u");

        Assert.Equal("hr_u.hrReader", renamed["_id"].AsString);
        Assert.Equal("hr_u", renamed["db"].AsString);
        Assert.Equal(new BsonArray { "hr_u", "audit" }, new BsonArray(renamed["privileges"].AsBsonArray.Take(2).Select(p => p["resource"]["db"])));
        Assert.True(renamed["privileges"][2]["resource"]["cluster"].AsBoolean);
        Assert.Equal(new BsonArray { "hr_u", "audit" }, new BsonArray(renamed["roles"].AsBsonArray.Select(r => r["db"])));
    }

    [Fact]
    public void A_database_restored_under_its_own_name_keeps_its_users_as_they_were()
    {
        var user = BsonDocument.Parse("""{ _id: "hr.alice", user: "alice", db: "hr", roles: [] }""");
        Assert.Same(user, AuthDocumentRename.Rename(user, "hr", "hr"));
    }
}
