using MongoBackup.Tests;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Oplog;

/// <summary>
/// The transaction cases mongo-tools recorded from real servers (mongorestore/testdata/transactions.json and
/// common/txn/testdata/oplog_entries.json): each case's oplog entries, the namespace they write and the documents
/// that namespace holds once they are applied (its "postimage"; an aborted or never committed transaction leaves none).
/// </summary>
public sealed record CapturedTransaction(string File, string Name, IReadOnlyList<BsonDocument> Entries, string Namespace, IReadOnlyList<BsonDocument>? Postimage)
{
    public const string RestoreCases = "mongorestore/testdata/transactions.json";
    public const string TxnCases = "common/txn/testdata/oplog_entries.json";

    public static IReadOnlyList<CapturedTransaction> Load(string relative)
    {
        var cases = BsonDocument.Parse(System.IO.File.ReadAllText(FixturePaths.Get(relative)));
        return cases.Elements.Select(c =>
        {
            var body = c.Value.AsBsonDocument;
            var postimage = body.TryGetValue("postimage", out var p) ? p.AsBsonArray.Select(d => d.AsBsonDocument).ToList() : null;
            return new CapturedTransaction(relative, c.Name, body["ops"].AsBsonArray.Select(e => e.AsBsonDocument).ToList(), body["ns"].AsString, postimage);
        }).ToList();
    }

    public static CapturedTransaction Get(string relative, string name) => Load(relative).Single(c => c.Name == name);

    public static TheoryData<string, string> All()
    {
        var data = new TheoryData<string, string>();
        foreach (var file in new[] { RestoreCases, TxnCases })
            foreach (var c in Load(file)) data.Add(file, c.Name);
        return data;
    }

    public override string ToString() => $"{File}: {Name}";
}
