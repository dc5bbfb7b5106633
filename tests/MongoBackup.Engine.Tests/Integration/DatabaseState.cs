using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// Everything a DBA would compare after a restore, captured from one database: each collection's type and options,
/// its index specs, and its documents as exact bytes in _id order; and the users and roles defined on it.
/// </summary>
public sealed record DatabaseState(
    SortedDictionary<string, CollectionState> Collections,
    IReadOnlyList<BsonDocument> Users,
    IReadOnlyList<BsonDocument> Roles)
{
    public static async Task<DatabaseState> CaptureAsync(IMongoClient client, string database, bool withUsers = false)
    {
        var db = client.GetDatabase(database);
        var collections = new SortedDictionary<string, CollectionState>(StringComparer.Ordinal);
        using var listing = await db.ListCollectionsAsync();
        foreach (var entry in await listing.ToListAsync())
        {
            var name = entry["name"].AsString;
            if (name.StartsWith("system.", StringComparison.Ordinal) && !name.StartsWith("system.buckets.", StringComparison.Ordinal)) continue;
            var type = entry.GetValue("type", "collection").AsString;
            var options = entry.GetValue("options", new BsonDocument()).AsBsonDocument;
            var indexes = type == "view" ? [] : await IndexesAsync(db, name);
            var documents = type is "view" or "timeseries" ? [] : await DocumentsAsync(db, name);
            collections[name] = new CollectionState(type, options.ToJson(), indexes, documents);
        }
        var users = withUsers ? await AuthDocumentsAsync(client, "system.users", database) : [];
        var roles = withUsers ? await AuthDocumentsAsync(client, "system.roles", database) : [];
        return new DatabaseState(collections, users, roles);
    }

    private static async Task<List<string>> IndexesAsync(IMongoDatabase db, string collection)
    {
        using var cursor = await db.GetCollection<BsonDocument>(collection).Indexes.ListAsync();
        return (await cursor.ToListAsync())
            .Select(spec => { spec.Remove("ns"); return spec.ToJson(); })
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static async Task<List<string>> DocumentsAsync(IMongoDatabase db, string collection)
    {
        var options = new FindOptions<RawBsonDocument> { Sort = new BsonDocument("_id", 1) };
        using var cursor = await db.GetCollection<RawBsonDocument>(collection).FindAsync(FilterDefinition<RawBsonDocument>.Empty, options);
        var result = new List<string>();
        while (await cursor.MoveNextAsync())
            foreach (var document in cursor.Current)
                using (document) result.Add(Convert.ToHexString(document.ToBson()));
        return result;
    }

    private static async Task<List<BsonDocument>> AuthDocumentsAsync(IMongoClient client, string collection, string database)
    {
        var found = await client.GetDatabase("admin").GetCollection<BsonDocument>(collection)
            .Find(new BsonDocument("db", database)).Sort(new BsonDocument("_id", 1)).ToListAsync();
        return found;
    }

    /// <summary>Asserts that <paramref name="actual"/> holds what this state holds, collection by collection.</summary>
    public void AssertSameAs(DatabaseState actual)
    {
        Assert.Equal(Collections.Keys, actual.Collections.Keys);
        foreach (var (name, expected) in Collections)
        {
            var got = actual.Collections[name];
            Assert.True(expected.Type == got.Type, $"{name}: type {got.Type}, expected {expected.Type}");
            Assert.True(expected.OptionsJson == got.OptionsJson, $"{name}: options {got.OptionsJson}, expected {expected.OptionsJson}");
            Assert.Equal(expected.Indexes, got.Indexes);
            Assert.True(expected.Documents.Count == got.Documents.Count, $"{name}: {got.Documents.Count} documents, expected {expected.Documents.Count}");
            Assert.True(expected.Documents.SequenceEqual(got.Documents), $"{name}: documents differ byte for byte");
        }
        Assert.Equal(Users.Select(u => u.ToJson()), actual.Users.Select(u => u.ToJson()));
        Assert.Equal(Roles.Select(r => r.ToJson()), actual.Roles.Select(r => r.ToJson()));
    }
}

public sealed record CollectionState(string Type, string OptionsJson, IReadOnlyList<string> Indexes, IReadOnlyList<string> Documents);
