using MongoDB.Bson;

namespace MongoBackup.TestServer.Tests.Support;

/// <summary>
/// Moves captured oplog entries to other databases, so a test replays them into databases of its own (a real server
/// given in MONGOBACKUP_TEST_URI may be shared): every "ns" ("db.collection" or "db.$cmd"), at the top and inside
/// applyOps, is given the database the map returns for its own. The captures name no namespace elsewhere (no
/// renameCollection; index specs' old "ns" is dropped by the replay).
/// </summary>
public static class OplogNamespaces
{
    public static BsonDocument Move(BsonDocument entry, Func<string, string> database) => (BsonDocument)Move((BsonValue)entry, database);

    private static BsonValue Move(BsonValue value, Func<string, string> database) => value switch
    {
        BsonDocument document => new BsonDocument(document.Select(e =>
            new BsonElement(e.Name, e.Name == "ns" && e.Value is BsonString ns ? MoveNamespace(ns.Value, database) : Move(e.Value, database)))),
        BsonArray array => new BsonArray(array.Select(v => Move(v, database))),
        _ => value,
    };

    private static string MoveNamespace(string ns, Func<string, string> database)
    {
        var dot = ns.IndexOf('.');
        return dot < 0 ? ns : database(ns[..dot]) + ns[dot..];
    }
}
