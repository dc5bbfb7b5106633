using MongoBackup.Engine.Oplog;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// The numeric options mongod keeps in its own types (a capped collection's size and max, a clustered collection's
/// expireAfterSeconds, an index's expireAfterSeconds once collMod changed it: see the test server's
/// StoredCollectionOptions) come back from a backup and from a point-in-time restore over the oplog that made them with
/// the same values and the same BSON types: a DBA comparing listCollections and listIndexes before and after sees no
/// difference, and a capped collection restored still holds its cap.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class OptionTypeRestoreTests(MongoServerFixture server)
{
    [Fact]
    public async Task Capped_limits_and_ttls_made_before_and_after_the_backup_restore_with_their_types()
    {
        var database = TestDatabases.NewName("types");
        var db = server.Client.GetDatabase(database);
        using var scenario = new RepositoryScenario(server);
        // Before the backup: the dump's metadata carries these (mongodump's copy of listCollections and listIndexes).
        await db.RunCommandAsync<BsonDocument>(BsonDocument.Parse("{create: 'audit', capped: true, size: NumberLong(4096), max: 3.0}"));
        await db.RunCommandAsync<BsonDocument>(BsonDocument.Parse("{createIndexes: 'tokens', indexes: [{key: {at: 1}, name: 'at_1', expireAfterSeconds: 600}]}"));
        await db.GetCollection<BsonDocument>("audit").InsertManyAsync(Enumerable.Range(1, 5).Select(i => new BsonDocument("_id", i)));
        await scenario.BackUpAsync(database);
        // After it: the oplog the restore replays makes these.
        await db.RunCommandAsync<BsonDocument>(BsonDocument.Parse("{create: 'events', capped: true, size: 3221225472.0, max: NumberLong(2)}"));
        await db.RunCommandAsync<BsonDocument>(BsonDocument.Parse("{create: 'sessions', clusteredIndex: {key: {_id: 1}, unique: true}, expireAfterSeconds: 3600}"));
        await db.RunCommandAsync<BsonDocument>(BsonDocument.Parse("{collMod: 'tokens', index: {name: 'at_1', expireAfterSeconds: 60}}"));
        await db.GetCollection<BsonDocument>("events").InsertManyAsync(Enumerable.Range(1, 4).Select(i => new BsonDocument("_id", i)));
        await db.GetCollection<BsonDocument>("sessions").InsertOneAsync(new BsonDocument("_id", "s1"));
        var before = await CatalogAsync(db);
        var slice = await scenario.SliceAsync();

        var target = TestDatabases.NewName("types_r");
        var outcome = await scenario.RestoreToAsync(slice.OplogEnd!.Value, database, target);

        Assert.True(outcome.Succeeded, outcome.OplogError ?? string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        var restored = server.Client.GetDatabase(target);
        var after = await CatalogAsync(restored);
        Assert.Equal(before.Keys.Order(StringComparer.Ordinal), after.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, listed) in before) Assert.Equal(listed, after[name]);
        Assert.Contains("\"size\" : 4096 (Int32)", before["audit"]);
        Assert.Contains("\"max\" : 3 (Int32)", before["audit"]);
        Assert.Contains("\"size\" : 3221225472 (Int64)", before["events"]);
        Assert.Contains("\"expireAfterSeconds\" : 3600 (Int64)", before["sessions"]);
        Assert.Contains("\"expireAfterSeconds\" : 60 (Int64)", before["tokens"]);
        Assert.Equal([3, 4, 5], (await restored.GetCollection<BsonDocument>("audit").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync()).Select(d => d["_id"].AsInt32));
        Assert.Equal([3, 4], (await restored.GetCollection<BsonDocument>("events").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync()).Select(d => d["_id"].AsInt32));
    }

    /// <summary>
    /// Each collection's listed options and its secondary indexes' specs, written with every value's BSON type (so an
    /// int and a long of one value differ); the collection's uuid left out.
    /// </summary>
    private static async Task<Dictionary<string, string>> CatalogAsync(IMongoDatabase db)
    {
        var result = new Dictionary<string, string>();
        foreach (var entry in await (await db.ListCollectionsAsync()).ToListAsync())
        {
            var name = entry["name"].AsString;
            if (name.StartsWith("system.", StringComparison.Ordinal)) continue;
            var indexes = await (await db.GetCollection<BsonDocument>(name).Indexes.ListAsync()).ToListAsync();
            result[name] = Typed(entry["options"]) + " " + string.Join(" ", indexes.Select(Typed));
        }
        return result;
    }

    private static string Typed(BsonValue value) => value switch
    {
        BsonDocument d => "{ " + string.Join(", ", d.Select(e => $"\"{e.Name}\" : {Typed(e.Value)}")) + " }",
        BsonArray a => "[" + string.Join(", ", a.Select(Typed)) + "]",
        _ => $"{value} ({value.BsonType})",
    };
}
