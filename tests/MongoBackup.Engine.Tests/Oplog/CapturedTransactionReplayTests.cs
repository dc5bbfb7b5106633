using MongoBackup.Engine.Oplog.Replay;
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
        await ReplayHarness.ReplayAsync(server.Client, captured.Entries, new NamespaceMap().Add("*.*", prefix + "*.*"), Written(captured));

        var (ns, expected) = Expected(captured);
        var restored = await ReplayHarness.DocumentsAsync(server.Client, prefix + ns);
        Assert.Equal(expected.Select(d => d.ToJson()), restored.Select(d => d.ToJson()));
    }

    /// <summary>
    /// A chain begun in a snapshot's own oplog (which may start at the oldest transaction open when the backup began)
    /// and committed in the slices after it: one replay carries it across, so it applies whole, and a cut in the slices
    /// before its commit applies none of it. The slice also repeats the snapshot's last entry (a slice may begin before
    /// the snapshot's consistency point): it is skipped, not gathered twice.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_chain_from_the_snapshot_oplog_into_the_slices_applies_only_at_its_commit(bool commitInRange)
    {
        var chain = CapturedTransaction.Get(CapturedTransaction.RestoreCases, "large, unprepared");
        var prefix = TestDatabases.NewName("across") + "_";
        var snapshotOplog = chain.Entries.Take(1).ToList();
        var slices = chain.Entries.ToList();
        var consistentAt = OplogTimestamp.FromBsonTimestamp(snapshotOplog[^1]["ts"].AsBsonTimestamp);
        var cut = commitInRange ? null : OplogLimit.AtClusterTime(OplogTimestamp.FromBsonTimestamp(chain.Entries[1]["ts"].AsBsonTimestamp));

        var outcome = await ReplayHarness.ReplayAsync(server.Client,
        [
            new OplogSegment("snapshot", ReplayHarness.ToAsync(snapshotOplog.Select(e => e.ToBson()))),
            new OplogSegment("slices", ReplayHarness.ToAsync(slices.Select(e => e.ToBson()))) { After = consistentAt, Limit = cut },
        ], ReplayCoverage.Everything, new NamespaceMap().Add("*.*", prefix + "*.*"), Written(chain));

        var restored = await ReplayHarness.DocumentsAsync(server.Client, prefix + chain.Namespace);
        Assert.Null(outcome.Error);
        Assert.Equal(commitInRange ? chain.Postimage!.Select(d => d.ToJson()) : [], restored.Select(d => d.ToJson()));
        Assert.Equal(commitInRange ? new long[] { 0, 3 } : [0, 0], outcome.AppliedBySegment);
        Assert.Equal(commitInRange ? 0 : 1, outcome.OpenTransactions.Count);
    }

    /// <summary>The namespaces the case writes: the collections the restore's dump would hold.</summary>
    private static IEnumerable<string> Written(CapturedTransaction captured) =>
        captured.Entries.SelectMany(OplogNamespaceProbe.NamespacesOf).Select(ns => ns.Database + "." + ns.Collection).Distinct();

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
