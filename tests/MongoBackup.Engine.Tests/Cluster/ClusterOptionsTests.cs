using System.Security;
using MongoBackup.Engine.Cluster;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Integration;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// What a cluster backup takes beside its data: encryption (every shard's folder and the metadata under the snapshot's
/// data key), the cluster's users and roles, which live on its config servers, and -Query, read through the mongos.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class ClusterOptionsTests(MongoServerFixture server)
{
    private const string Marker = "PLAINTEXT-MARKER-of-a-sharded-order";

    [Fact]
    public async Task An_encrypted_cluster_backup_keeps_no_plaintext_and_restores_with_its_key_only()
    {
        using var cluster = new TwoShardCluster();
        await cluster.Orders.UpdateManyAsync(new BsonDocument("_id", new BsonDocument("$in", new BsonArray { 10, 4000 })), new BsonDocument("$set", new BsonDocument("note", Marker)));
        var manifest = await new FullBackup(new RecordingObserver()).RunAsync(cluster.Backup() with { Encryption = Passphrase() }, CancellationToken.None);

        Assert.NotNull(manifest.Encryption);
        var folder = Path.Combine(cluster.Repository.LocalPath(manifest.Id, "")!);
        var stored = Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "manifest.json" && !Path.GetFileName(f).StartsWith('.')).ToList();
        Assert.Contains(stored, f => f.Contains($"{Path.DirectorySeparatorChar}shard1{Path.DirectorySeparatorChar}shop.encrypted{Path.DirectorySeparatorChar}"));
        Assert.Contains(stored, f => f.Contains($"{Path.DirectorySeparatorChar}configsvr{Path.DirectorySeparatorChar}config.encrypted{Path.DirectorySeparatorChar}"));
        Assert.All(stored, f => Assert.EndsWith(".encrypted", f));
        Assert.All(stored, f => Assert.DoesNotContain(Marker, System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(f))));

        var missing = await Assert.ThrowsAsync<MongoBackupException>(() => cluster.RestoreAsync(server, manifest.Id));
        Assert.Equal(ErrorIds.EncryptionKeyRequired, missing.ErrorId);
        var wrong = await Assert.ThrowsAsync<MongoBackupException>(() => cluster.RestoreAsync(server, manifest.Id, Passphrase("another passphrase entirely")));
        Assert.Equal(ErrorIds.WrongEncryptionKey, wrong.ErrorId);

        var restored = await cluster.RestoredAsync(server, manifest.Id, "orders", Passphrase());
        var expected = await cluster.Orders.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync();
        Assert.Equal(expected, restored);
        Assert.Equal(2, restored.Count(d => d.GetValue("note", "") == Marker));
    }

    [Fact]
    public async Task IncludeUsersAndRoles_saves_the_clusters_users_and_roles_from_its_config_servers_and_restores_them()
    {
        using var cluster = new TwoShardCluster();
        var database = TestDatabases.NewName("crm");
        cluster.RunAdmin(new BsonDocument { { "enableSharding", database }, { "primaryShard", "shard1" } });
        cluster.RunAdmin(new BsonDocument { { "shardCollection", database + ".accounts" }, { "key", new BsonDocument("_id", 1) } });
        var accounts = cluster.Mongos.GetDatabase(database).GetCollection<BsonDocument>("accounts");
        await accounts.InsertManyAsync(Enumerable.Range(0, 50).Select(i => new BsonDocument { { "_id", i }, { "owner", $"o{i}" } }));
        // Where a cluster keeps them: on its config servers (mongos routes admin there).
        using var config = new MongoClient(cluster.Cluster.ConfigServer.ConnectionString);
        var onConfig = config.GetDatabase(database);
        await onConfig.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "createRole", "auditor" }, { "roles", new BsonArray() },
            { "privileges", new BsonArray { new BsonDocument { { "resource", new BsonDocument { { "db", database }, { "collection", "" } } }, { "actions", new BsonArray { "find" } } } } },
        });
        await onConfig.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "createUser", "reporter" }, { "pwd", "a reporter's password" },
            { "roles", new BsonArray { new BsonDocument { { "role", "auditor" }, { "db", database } }, new BsonDocument { { "role", "read" }, { "db", database } } } },
        });
        await config.GetDatabase("elsewhere").RunCommandAsync<BsonDocument>(new BsonDocument { { "createUser", "stranger" }, { "pwd", "not backed up" }, { "roles", new BsonArray() } });

        var manifest = await new FullBackup(new RecordingObserver()).RunAsync(
            cluster.Backup() with { Filter = new NamespaceFilter(databases: [database]), IncludeUsersAndRoles = true }, CancellationToken.None);
        Assert.Equal(["system.roles", "system.users", "system.version"], manifest.Cluster!.UsersAndRoles.Select(n => n.Collection).Order());
        Assert.Equal(1, manifest.Cluster.UsersAndRoles.Single(n => n.Collection == "system.users").Documents);

        var target = server.Client.GetDatabase(database);
        try
        {
            var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
            {
                Connection = new ConnectionSettings { ConnectionString = server.ConnectionString },
                Snapshot = new RepositorySnapshot(cluster.Repository, manifest.Id),
                Filter = new NamespaceFilter(databases: [database]), IncludeUsersAndRoles = true,
            }, CancellationToken.None);
            Assert.True(outcome.Succeeded, outcome.UsersAndRolesError ?? outcome.OplogError ?? string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
            Assert.Equal(1, outcome.UsersRestored);
            Assert.Equal(1, outcome.RolesRestored);
            var user = (await target.RunCommandAsync<BsonDocument>(new BsonDocument("usersInfo", "reporter")))["users"].AsBsonArray.Single().AsBsonDocument;
            Assert.Equal(["auditor", "read"], user["roles"].AsBsonArray.Select(r => r["role"].AsString).Order());
            Assert.Single((await target.RunCommandAsync<BsonDocument>(new BsonDocument("rolesInfo", "auditor")))["roles"].AsBsonArray);
            Assert.Equal(50, await target.GetCollection<BsonDocument>("accounts").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        }
        finally
        {
            await server.Client.DropDatabaseAsync(database);
            foreach (var drop in new[] { new BsonDocument("dropUser", "reporter"), new BsonDocument("dropRole", "auditor") })
                try { await target.RunCommandAsync<BsonDocument>(drop); }
                catch (MongoCommandException) { /* not restored: the assertions above said so */ }
        }
    }

    [Fact]
    public async Task A_Query_backup_of_a_cluster_reads_through_the_mongos_each_matching_document_once_orphans_left_out()
    {
        using var cluster = new TwoShardCluster(); // [2500, MaxKey) moved to shard1, its orphans still on shard0
        var request = cluster.Backup() with
        {
            Filter = new NamespaceFilter(databases: ["shop"], collections: ["orders"]),
            Query = MongoBackup.Engine.Dump.DocumentQuery.Parse("{\"_id\": {\"$gte\": 2490, \"$lt\": 2510}}", "-Query"),
        };
        var observer = new RecordingObserver();
        var manifest = await new FullBackup(observer).RunAsync(request, CancellationToken.None);

        Assert.Null(manifest.Cluster);
        Assert.True(manifest.CopyOnly);
        Assert.False(manifest.PointInTimeConsistent);
        Assert.Equal(20, manifest.Namespaces.Single(n => n.Collection == "orders").Documents);
        Assert.Contains(observer.Warnings, w => w.Contains("not point-in-time consistent"));
        var restored = await cluster.RestoredAsync(server, manifest.Id, "orders");
        Assert.Equal(Enumerable.Range(2490, 20), restored.Select(d => d["_id"].AsInt32));
    }

    private static EncryptionKeySource Passphrase(string text = "a cluster passphrase for the tests")
    {
        var secure = new SecureString();
        foreach (var c in text) secure.AppendChar(c);
        return EncryptionKeySource.FromPassphrase(secure);
    }
}
