using MongoBackup.Tests;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Tests.Support;

/// <summary>The oplog captures of MongoDB's own tools under the shared fixtures (mongo-tools), read as they are.</summary>
public static class Captures
{
    /// <summary>An oplog .bson capture under mongorestore/testdata/oplogs/bson (8.0 captures).</summary>
    public static List<BsonDocument> Oplog(string name) => BsonFile.ReadAll(FixturePaths.Get($"mongorestore/testdata/oplogs/bson/{name}.bson"));

    /// <summary>A .bson file anywhere under the fixtures, by its path there.</summary>
    public static List<BsonDocument> File(string relativePath) => BsonFile.ReadAll(FixturePaths.Get(relativePath));

    /// <summary>One case of mongorestore/testdata/transactions.json: its oplog entries, namespace and postimage.</summary>
    public static TransactionCase Transaction(string name)
    {
        var all = BsonDocument.Parse(System.IO.File.ReadAllText(FixturePaths.Get("mongorestore/testdata/transactions.json")));
        var item = all[name].AsBsonDocument;
        return new TransactionCase(name, item["ops"].AsBsonArray.Select(o => o.AsBsonDocument).ToList(), item["ns"].AsString,
            item["postimage"].AsBsonArray.Select(o => o.AsBsonDocument).ToList());
    }
}

public sealed record TransactionCase(string Name, List<BsonDocument> Entries, string Namespace, List<BsonDocument> Postimage)
{
    /// <summary>The same case with its namespaces (all in one database) moved to <paramref name="database"/>.</summary>
    public TransactionCase InDatabase(string database)
    {
        var from = Namespace.Split('.', 2)[0];
        string Map(string db) => db == from ? database : db;
        return new TransactionCase(Name, Entries.Select(e => OplogNamespaces.Move(e, Map)).ToList(), database + Namespace[from.Length..], Postimage);
    }
}
