using MongoBackup.Engine.Tests.Oplog;
using MongoBackup.Engine.Formats;
using MongoBackup.TestServer;
using MongoBackup.Tests;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// Every oplog MongoDB's tools recorded (inserts, vectored inserts, updates, deletes, index builds, collMod, drops,
/// transactions, no-ops) replays through the point-in-time path (rewriting, batching into applyOps) to the same state
/// as applying each entry by itself. Two fresh in-memory servers, so the fixtures' fixed names cannot collide. The
/// collections an oplog writes to without creating them are created first in both, as the restored snapshot would hold
/// them: applyOps does not create the collection an insert names (MongoDB fails it with NamespaceNotFound).
/// </summary>
public sealed class OplogFixtureReplayTests
{
    public static TheoryData<string> Oplogs()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(FixturePaths.MongoTools, "*.bson", SearchOption.AllDirectories)
                     .Where(f => Path.GetFileName(f) is "oplog.bson" or "oplog.rs.bson" or "extra_oplog.bson" || f.Contains("oplogs"))
                     .Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(FixturePaths.MongoTools, file).Replace('\\', '/'));
        return data;
    }

    [Theory]
    [MemberData(nameof(Oplogs))]
    public async Task A_fixture_oplog_replays_to_the_state_of_applying_each_entry_alone(string relative)
    {
        var entries = await ReadAsync(FixturePaths.Get(relative));
        using var direct = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", Log = TextWriter.Null });
        using var replayed = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", Log = TextWriter.Null });
        using var directClient = new MongoClient(direct.ConnectionString);
        using var replayClient = new MongoClient(replayed.ConnectionString);

        var held = WrittenButNotCreated(entries.Select(e => BsonSerializer.Deserialize<BsonDocument>(e)));
        foreach (var ns in held) await directClient.GetDatabase(ns.Split('.', 2)[0]).CreateCollectionAsync(ns.Split('.', 2)[1]);
        foreach (var entry in entries) await ApplyAloneAsync(directClient, BsonSerializer.Deserialize<BsonDocument>(entry));
        var outcome = await ReplayHarness.ReplayAsync(replayClient, ReplayHarness.ToAsync(entries), NamespaceFilter.Everything, NamespaceMap.Identity, held);

        Assert.Null(outcome.Error);
        Assert.Equal(entries.Count, outcome.Read);
        foreach (var database in await UserDatabasesAsync(directClient))
            (await DatabaseState.CaptureAsync(directClient, database)).AssertSameAs(await DatabaseState.CaptureAsync(replayClient, database));
        Assert.Equal(await UserDatabasesAsync(directClient), await UserDatabasesAsync(replayClient));
    }

    /// <summary>
    /// The user namespaces the entries write to, or name in a command, without an earlier entry creating them: they
    /// existed before the oplog begins, as the dump the oplog belongs to would hold them.
    /// </summary>
    private static List<string> WrittenButNotCreated(IEnumerable<BsonDocument> entries)
    {
        var created = new HashSet<string>();
        var missing = new List<string>();
        void Visit(BsonDocument entry)
        {
            var ns = entry.GetValue("ns", "").AsString;
            var db = ns.Split('.', 2)[0];
            if (db is "local" or "config" or "admin" || entry.GetValue("op", "").AsString is "n") return;
            if (entry["op"] != "c")
            {
                if (created.Add(ns)) missing.Add(ns);
                return;
            }
            var o = entry["o"].AsBsonDocument;
            var command = o.GetElement(0);
            switch (command.Name)
            {
                case "create": created.Add(db + "." + o["create"].AsString); break;
                case "renameCollection":
                    if (created.Add(command.Value.AsString)) missing.Add(command.Value.AsString);
                    created.Add(o["to"].AsString);
                    break;
                case "applyOps": foreach (var inner in o["applyOps"].AsBsonArray) Visit(inner.AsBsonDocument); break;
                case "dropDatabase" or "collMod": break; // a collMod of an index built before the oplog begins needs the dump's indexes
                default:
                    if (command.Value is BsonString { Value: var name } && !name.StartsWith("system.", StringComparison.Ordinal) && created.Add(db + "." + name))
                        missing.Add(db + "." + name);
                    break;
            }
        }
        foreach (var entry in entries) Visit(entry);
        return missing;
    }

    /// <summary>
    /// The reference: one entry at a time, as the oplog says, written here apart from the engine's replay path.
    /// No-ops, the server's own databases and the two-phase index build's start and abort change nothing; an index
    /// build's commit (and a createIndexes entry, which servers after 4.4 no longer take in applyOps) is a
    /// createIndexes; everything else is one applyOps of that entry without its collection UUID.
    /// </summary>
    private static async Task ApplyAloneAsync(IMongoClient client, BsonDocument entry)
    {
        var ns = entry.GetValue("ns", "").AsString;
        var db = ns.Split('.', 2)[0];
        if (entry["op"] == "n" || db is "local" or "config" || ns.StartsWith("admin.system.", StringComparison.Ordinal)) return;
        var o = entry["o"].AsBsonDocument;
        var command = entry["op"] == "c" ? o.GetElement(0).Name : "";
        if (command is "startIndexBuild" or "abortIndexBuild") return;
        if (command is "commitIndexBuild" or "createIndexes")
        {
            var specs = command == "commitIndexBuild" ? o["indexes"].AsBsonArray : new BsonArray { new BsonDocument(o.Skip(1)) };
            await client.GetDatabase(db).RunCommandAsync<BsonDocument>(new BsonDocument { { "createIndexes", o[command] }, { "indexes", specs } });
            return;
        }
        var alone = WithoutUuids(entry);
        try
        {
            await client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument { { "applyOps", new BsonArray { alone } }, { "bypassDocumentValidation", true } });
        }
        catch (MongoCommandException e) when (e.Code == 26 && entry["op"] == "c")
        {
            // A command on a collection the target does not have changes nothing.
        }
    }

    /// <summary>The entry without its collection UUIDs (those of an applyOps' operations too): they name the source's collections.</summary>
    private static BsonDocument WithoutUuids(BsonDocument entry)
    {
        var copy = entry.DeepClone().AsBsonDocument;
        copy.Remove("ui");
        if (copy["op"] == "c" && copy["o"].AsBsonDocument.GetValue("applyOps", BsonNull.Value) is BsonArray inner)
            copy["o"]["applyOps"] = new BsonArray(inner.Select(op => WithoutUuids(op.AsBsonDocument)));
        return copy;
    }

    private static async Task<List<string>> UserDatabasesAsync(IMongoClient client) =>
        (await (await client.ListDatabaseNamesAsync()).ToListAsync()).Where(n => n is not ("admin" or "local" or "config")).Order().ToList();

    private static async Task<List<byte[]>> ReadAsync(string file)
    {
        var entries = new List<byte[]>();
        using var reader = new BsonDocumentReader(File.OpenRead(file), file);
        while (await reader.ReadNextAsync() is { } entry) entries.Add(entry);
        return entries;
    }

    private static async IAsyncEnumerable<byte[]> ToAsync(IEnumerable<byte[]> entries)
    {
        foreach (var entry in entries) yield return entry;
        await Task.CompletedTask;
    }
}
