using MongoBackup.Engine.Formats;
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

        var renamed = AuthDocumentRename.Rename(user, "hr", "hr_u", Renaming(("hr", "hr_u")));

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

        var renamed = AuthDocumentRename.Rename(role, "hr", "hr_u", Renaming(("hr", "hr_u")));

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
        Assert.Same(user, AuthDocumentRename.Rename(user, "hr", "hr", Renaming(("pay", "pay_c"))));
    }

    [Fact]
    public void A_copy_s_grants_and_privileges_on_another_renamed_database_follow_that_database_s_rename()
    {
        // -RenameDatabase @{ hr = 'hr_c'; pay = 'pay_c' }: bob of hr, granted read on pay, is restored as hr_c's bob with
        // read on pay_c (not on the live pay); his role's privilege on pay.salaries becomes one on pay_c.salaries.
        var renames = Renaming(("hr", "hr_c"), ("pay", "pay_c"));
        var user = BsonDocument.Parse("""
            { _id: "hr.bob", user: "bob", db: "hr",
              roles: [ { role: "payView", db: "hr" }, { role: "read", db: "pay" }, { role: "read", db: "reporting" },
                       { role: "clusterMonitor", db: "admin" } ] }
            """);
        var role = BsonDocument.Parse("""
            { _id: "hr.payView", role: "payView", db: "hr",
              privileges: [ { resource: { db: "pay", collection: "salaries" }, actions: [ "find" ] },
                            { resource: { db: "pay", collection: "" }, actions: [ "listCollections" ] },
                            { resource: { db: "", collection: "salaries" }, actions: [ "find" ] },
                            { resource: { db: "local", collection: "oplog.rs" }, actions: [ "find" ] } ],
              roles: [ { role: "payBase", db: "pay" } ], inheritedRoles: [ { role: "payBase", db: "pay" } ] }
            """);

        var copy = AuthDocumentRename.Rename(user, "hr", "hr_c", renames);
        var copiedRole = AuthDocumentRename.Rename(role, "hr", "hr_c", renames);

        Assert.Equal(["payView@hr_c", "read@pay_c", "read@reporting", "clusterMonitor@admin"], Grants(copy["roles"]));
        Assert.Equal(["pay_c.salaries", "pay_c.", ".salaries", "local.oplog.rs"],
            copiedRole["privileges"].AsBsonArray.Select(p => $"{p["resource"]["db"]}.{p["resource"]["collection"]}"));
        Assert.Equal(["payBase@pay_c"], Grants(copiedRole["roles"]));
        Assert.Equal(["payBase@pay_c"], Grants(copiedRole["inheritedRoles"]));
    }

    [Fact]
    public void A_copy_s_privilege_on_a_collection_follows_a_namespace_map_of_that_collection_and_of_every_database()
    {
        var collectionMap = new NamespaceMap().AddDatabaseRename("hr", "hr_c").Add("pay.salaries", "pay_c.wages");
        var everyDatabase = new NamespaceMap().Add("$db$.$coll$", "$db$_c.$coll$");
        var role = BsonDocument.Parse("""
            { _id: "hr.payView", role: "payView", db: "hr",
              privileges: [ { resource: { db: "pay", collection: "salaries" }, actions: [ "find" ] },
                            { resource: { db: "pay", collection: "bonuses" }, actions: [ "find" ] },
                            { resource: { db: "admin", collection: "system.version" }, actions: [ "find" ] } ],
              roles: [ { role: "read", db: "pay" } ] }
            """);

        var mapped = AuthDocumentRename.Rename(role, "hr", "hr_c", Renaming(collectionMap, "hr", "pay"));
        var everywhere = AuthDocumentRename.Rename(role, "hr", "hr_c", Renaming(everyDatabase, "hr"));

        // Only pay.salaries is renamed: its privilege follows it, pay's others stay on pay, as does the grant on pay.
        Assert.Equal(["pay_c.wages", "pay.bonuses", "admin.system.version"], Resources(mapped));
        Assert.Equal(["read@pay"], Grants(mapped["roles"]));
        // '$db$.$coll$' = '$db$_c.$coll$' renames pay too (though the dump does not hold it), never admin.
        Assert.Equal(["pay_c.salaries", "pay_c.bonuses", "admin.system.version"], Resources(everywhere));
        Assert.Equal(["read@pay_c"], Grants(everywhere["roles"]));
    }

    [Fact]
    public void A_user_restored_under_its_own_name_keeps_its_grants_on_renamed_databases_and_names_them()
    {
        var admin = BsonDocument.Parse("""
            { _id: "admin.dba", user: "dba", db: "admin",
              roles: [ { role: "readWrite", db: "hr" }, { role: "read", db: "reporting" }, { role: "root", db: "admin" } ] }
            """);
        var renames = Renaming(("hr", "hr_c"));

        Assert.Same(admin, AuthDocumentRename.Rename(admin, "admin", "admin", renames));
        Assert.Equal([("readWrite@hr", "readWrite@hr_c")], AuthDocumentRename.RenamedReferences(admin, renames));
    }

    private static UsersAndRolesTargets Renaming(params (string From, string To)[] databases)
    {
        var map = new NamespaceMap();
        foreach (var (from, to) in databases) map.AddDatabaseRename(from, to);
        return Renaming(map, databases.Select(d => d.From).ToArray());
    }

    /// <summary>The renames of a restore by <paramref name="map"/> of a dump holding one collection of each of <paramref name="databases"/>.</summary>
    private static UsersAndRolesTargets Renaming(NamespaceMap map, params string[] databases)
    {
        var dump = new ListedDump(databases.Select(d => new DumpNamespace(d, "c", null, "dump")).ToList());
        return UsersAndRolesTargets.For(RestorePlanner.Plan(dump, NamespaceFilter.Everything, map), map, dump, _ => true);
    }

    private static IEnumerable<string> Grants(BsonValue roles) => roles.AsBsonArray.Select(r => $"{r["role"]}@{r["db"]}");

    private static IEnumerable<string> Resources(BsonDocument role) =>
        role["privileges"].AsBsonArray.Select(p => $"{p["resource"]["db"]}.{p["resource"]["collection"]}");
}
