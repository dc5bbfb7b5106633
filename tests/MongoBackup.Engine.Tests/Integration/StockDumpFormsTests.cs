using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Formats;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// Dump forms stock mongorestore reads that a restore must read too (or refuse loudly): legacy system.indexes,
/// a database's own users and roles ($admin.system.*), one namespace's unreadable metadata, a truncated archive.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class StockDumpFormsTests(MongoServerFixture server)
{
    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    [Fact]
    public async Task A_legacy_dump_takes_its_indexes_from_system_indexes()
    {
        using var dump = new TempFolder();
        var db = TestDatabases.NewName("legacy");
        Write(dump, db, "foo.bson", new BsonDocument { { "_id", 1 }, { "x", 1 } }, new BsonDocument { { "_id", 2 }, { "x", 2 } });
        Write(dump, db, "system.indexes.bson",
            new BsonDocument { { "v", 1 }, { "key", new BsonDocument("_id", 1) }, { "name", "_id_" }, { "ns", db + ".foo" } },
            new BsonDocument { { "v", 1 }, { "key", new BsonDocument("x", 1) }, { "name", "x_1" }, { "ns", db + ".foo" }, { "unique", true } });
        var target = TestDatabases.NewName("legacy_r");

        var outcome = await RestoreAsync(dump.Path, db, target);

        Assert.True(outcome.Succeeded, Errors(outcome));
        var foo = server.Client.GetDatabase(target).GetCollection<BsonDocument>("foo");
        Assert.Equal(2, await foo.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        var x = (await (await foo.Indexes.ListAsync()).ToListAsync()).Single(i => i["name"] == "x_1");
        Assert.True(x["unique"].ToBoolean());
        Assert.DoesNotContain("system.indexes", await (await server.Client.GetDatabase(target).ListCollectionNamesAsync()).ToListAsync());
    }

    [Fact]
    public async Task A_legacy_metadata_file_of_mongodump_2_restores_its_indexes()
    {
        using var dump = new TempFolder();
        var db = TestDatabases.NewName("legacymeta");
        Write(dump, db, "bar.bson", new BsonDocument { { "_id", 1 }, { "y", 1 } });
        File.WriteAllText(Path.Combine(dump.Path, db, "bar.metadata.json"),
            $$"""{ "options" : { }, "indexes" : [ { "v" : 1, "key" : { "_id" : 1 }, "name" : "_id_", "ns" : "{{db}}.bar" }, { "v" : 1, "key" : { "y" : -1 }, "name" : "y_-1", "ns" : "{{db}}.bar" } ] }""");
        var target = TestDatabases.NewName("legacymeta_r");

        var outcome = await RestoreAsync(dump.Path, db, target);

        Assert.True(outcome.Succeeded, Errors(outcome));
        var names = (await (await server.Client.GetDatabase(target).GetCollection<BsonDocument>("bar").Indexes.ListAsync()).ToListAsync()).Select(i => i["name"].AsString);
        Assert.Contains("y_-1", names);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_database_dump_with_its_users_and_roles_restores_them_as_users_only_when_asked(bool includeUsers)
    {
        var db = TestDatabases.NewName("dbusers");
        using var dump = await DatabaseDumpWithUsersAsync(db);

        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, SourcePath = dump.Path, IncludeUsersAndRoles = includeUsers,
        }, CancellationToken.None);

        Assert.True(outcome.Succeeded, Errors(outcome));
        Assert.Equal(["orders"], outcome.Namespaces.Select(n => n.SourceNamespace[(db.Length + 1)..]));
        Assert.Equal(includeUsers ? 1 : 0, outcome.UsersRestored);
        Assert.Equal(includeUsers ? 1 : 0, outcome.RolesRestored);
        var users = await server.Client.GetDatabase(db).RunCommandAsync<BsonDocument>(new BsonDocument("usersInfo", "clerk"));
        Assert.Equal(includeUsers ? 1 : 0, users["users"].AsBsonArray.Count);
        Assert.DoesNotContain(await (await server.Client.GetDatabase(db).ListCollectionNamesAsync()).ToListAsync(), n => n.StartsWith('$'));
    }

    [Fact]
    public async Task Unreadable_metadata_fails_its_namespace_only_in_a_folder_and_in_an_archive()
    {
        using var dump = new TempFolder();
        var db = TestDatabases.NewName("badmeta");
        Write(dump, db, "good.bson", new BsonDocument("_id", 1));
        File.WriteAllText(Path.Combine(dump.Path, db, "good.metadata.json"), """{"indexes":[],"collectionName":"good","type":"collection"}""");
        Write(dump, db, "bad.bson", new BsonDocument("_id", 1));
        File.WriteAllText(Path.Combine(dump.Path, db, "bad.metadata.json"), """{"options":{"validator":{"$minKey":{"$numberInt":"1"}}},"indexes":[""");
        var archive = Path.Combine(dump.Path, "dump.archive");
        File.WriteAllBytes(archive, new ArchiveBuilder(
                (db, "good", """{"indexes":[],"collectionName":"good","type":"collection"}""", "collection"),
                (db, "bad", """{"indexes":[""", "collection"))
            .Segment(db, "bad", new BsonDocument("_id", 1)).End(db, "bad")
            .Segment(db, "good", new BsonDocument("_id", 1)).End(db, "good").ToArray());

        foreach (var source in new[] { dump.Path, archive })
        {
            var target = TestDatabases.NewName("badmeta_r");
            var observer = new RecordingObserver();
            var outcome = await RestoreAsync(source, db, target, observer);

            Assert.Equal(1, outcome.Namespaces.Single(n => n.TargetNamespace == target + ".good").Documents);
            Assert.Null(outcome.Namespaces.Single(n => n.TargetNamespace == target + ".good").Error);
            var failure = Assert.Single(observer.Failures);
            Assert.Equal(target + ".bad", failure.Namespace);
            Assert.Equal(ErrorIds.CorruptFile, failure.Error.ErrorId);
            Assert.Contains(source == archive ? "dump.archive" : "bad.metadata.json", failure.Error.Message);
        }
    }

    [Fact]
    public async Task A_truncated_archive_blames_only_the_namespace_it_cuts()
    {
        var db = TestDatabases.NewName("tr1");
        var whole = new ArchiveBuilder((db, "a", "", "collection"), (db, "b", "", "collection"))
            .Segment(db, "a", new BsonDocument("_id", 1), new BsonDocument("_id", 2)).End(db, "a")
            .Segment(db, "b", new BsonDocument("_id", 1), new BsonDocument("_id", 2)).ToArray();
        using var folder = new TempFolder();
        var archive = Path.Combine(folder.Path, "cut.archive");
        File.WriteAllBytes(archive, whole[..^10]); // cut inside b's second document
        var target = TestDatabases.NewName("tr1_r");
        var observer = new RecordingObserver();

        var outcome = await RestoreAsync(archive, db, target, observer);

        var a = outcome.Namespaces.Single(n => n.SourceNamespace == db + ".a");
        Assert.Null(a.Error);
        Assert.Equal(2, a.Documents);
        var failure = Assert.Single(observer.Failures);
        Assert.Equal(target + ".b", failure.Namespace);
        Assert.Equal(ErrorIds.CorruptFile, failure.Error.ErrorId);
        Assert.Contains("cut.archive", failure.Error.Message);
    }

    private async Task<RestoreOutcome> RestoreAsync(string source, string db, string target, RecordingObserver? observer = null) =>
        await new RestoreRunner(observer ?? new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, SourcePath = source, NoOplogReplay = true,
            Filter = new NamespaceFilter(databases: [db]), Map = new NamespaceMap().AddDatabaseRename(db, target),
        }, CancellationToken.None);

    /// <summary>What mongodump --db DB --dumpDbUsersAndRoles writes: DB/orders.bson and DB/$admin.system.{users,roles,version}.bson.</summary>
    private async Task<TempFolder> DatabaseDumpWithUsersAsync(string db)
    {
        var dump = new TempFolder();
        var database = server.Client.GetDatabase(db);
        await database.RunCommandAsync<BsonDocument>(new BsonDocument { { "createRole", "clerkRole" }, { "privileges", new BsonArray() }, { "roles", new BsonArray() } });
        await database.RunCommandAsync<BsonDocument>(new BsonDocument { { "createUser", "clerk" }, { "pwd", "not-a-secret-" + Guid.NewGuid().ToString("N") }, { "roles", new BsonArray { "clerkRole" } } });
        var admin = server.Client.GetDatabase("admin");
        var user = await admin.GetCollection<BsonDocument>("system.users").Find(new BsonDocument { { "user", "clerk" }, { "db", db } }).SingleAsync();
        var role = await admin.GetCollection<BsonDocument>("system.roles").Find(new BsonDocument { { "role", "clerkRole" }, { "db", db } }).SingleAsync();
        await database.RunCommandAsync<BsonDocument>(new BsonDocument("dropUser", "clerk"));
        await database.RunCommandAsync<BsonDocument>(new BsonDocument("dropRole", "clerkRole"));
        Write(dump, db, "orders.bson", new BsonDocument("_id", 1));
        Write(dump, db, "$admin.system.users.bson", user);
        Write(dump, db, "$admin.system.roles.bson", role);
        Write(dump, db, "$admin.system.version.bson", new BsonDocument { { "_id", "authSchema" }, { "currentVersion", 5 } });
        return dump;
    }

    private static void Write(TempFolder dump, string db, string file, params BsonDocument[] documents)
    {
        Directory.CreateDirectory(Path.Combine(dump.Path, db));
        using var stream = File.Create(Path.Combine(dump.Path, db, file));
        foreach (var document in documents) stream.Write(document.ToBson());
    }

    private static string Errors(RestoreOutcome outcome) =>
        string.Join("; ", outcome.Namespaces.Where(n => n.Error != null).Select(n => n.Error));
}
