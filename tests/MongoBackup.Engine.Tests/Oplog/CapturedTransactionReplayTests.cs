using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Integration;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Oplog;

/// <summary>
/// Every transaction case mongo-tools captured replays to the documents the capture says it leaves: committed ones
/// whole, aborted ones and ones never committed in the entries given not at all, non-transactions as they are.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class CapturedTransactionReplayTests(MongoServerFixture server)
{
    public static TheoryData<string, string> Cases() => CapturedTransaction.All();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_captured_case_replays_to_its_postimage(string file, string name)
    {
        var captured = CapturedTransaction.Get(file, name);
        var prefix = TestDatabases.NewName("txn") + "_";
        await ReplayHarness.ReplayAsync(server.Client, captured.Entries, new NamespaceMap().Add("*.*", prefix + "*.*"));

        var (ns, expected) = Expected(captured);
        var restored = await ReplayHarness.DocumentsAsync(server.Client, prefix + ns);
        Assert.Equal(expected.Select(d => d.ToJson()), restored.Select(d => d.ToJson()));
    }

    /// <summary>
    /// The capture's postimage; the one case recorded without one (a retryable write's vectored insert, multiOpType 1,
    /// which is not a transaction) leaves the documents it inserts.
    /// </summary>
    private static (string Ns, IReadOnlyList<BsonDocument> Documents) Expected(CapturedTransaction captured)
    {
        if (captured.Postimage is { } postimage) return (captured.Namespace, postimage);
        var inserts = captured.Entries.SelectMany(e => e["o"]["applyOps"].AsBsonArray).Select(o => o.AsBsonDocument).ToList();
        return (inserts[0]["ns"].AsString, inserts.Select(o => o["o"].AsBsonDocument).OrderBy(d => d["_id"].ToInt32()).ToList());
    }
}
