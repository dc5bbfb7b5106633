using MongoBackup.Engine.Oplog.Replay;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Oplog;

/// <summary>
/// How the gatherer reads the transaction forms of mongo-tools' captures: what it holds, when it releases a
/// transaction's writes, and which entries it lets through as not being transactions.
/// </summary>
public sealed class TransactionGathererTests
{
    private static List<TransactionStep> AddAll(TransactionGatherer gatherer, IEnumerable<BsonDocument> entries) =>
        entries.Select(e => gatherer.Add(e, e.ToBson())).ToList();

    private static BsonDocument Entry(string file, string name, int index) => CapturedTransaction.Get(file, name).Entries[index];

    [Theory]
    [MemberData(nameof(CapturedCases))]
    public void A_captured_case_releases_its_writes_only_at_its_commit(string file, string name)
    {
        var captured = CapturedTransaction.Get(file, name);
        var steps = AddAll(new TransactionGatherer(), captured.Entries);
        var committed = steps.Where(s => s.Kind == TransactionStepKind.Committed).ToList();
        var direct = steps.Where(s => s.Kind == TransactionStepKind.NotTransaction).ToList();

        if (name.StartsWith("not transaction", StringComparison.Ordinal) || name == "applyops not transaction")
        {
            Assert.Equal(captured.Entries.Count, direct.Count);
            return;
        }
        var decided = name.Contains("aborted") || name.Contains("incomplete") ? 0 : 1;
        Assert.Equal(decided, committed.Count);
        Assert.All(steps.SkipLast(1), s => Assert.Equal(TransactionStepKind.Held, s.Kind));
        if (decided == 0) return;
        var operations = captured.Entries.Where(e => e["o"].AsBsonDocument.Contains("applyOps")).SelectMany(e => e["o"]["applyOps"].AsBsonArray).ToList();
        Assert.Equal(operations.Select(o => o["o"].ToJson()), committed[0].Operations.Select(o => o["o"].ToJson()));
        Assert.Equal(captured.Entries.Count, committed[0].Entries);
    }

    public static TheoryData<string, string> CapturedCases() => CapturedTransaction.All();

    [Fact]
    public void Each_operation_of_a_transaction_carries_the_timestamp_of_the_entry_that_held_it()
    {
        var entries = CapturedTransaction.Get(CapturedTransaction.RestoreCases, "large, unprepared").Entries;
        var step = AddAll(new TransactionGatherer(), entries)[^1];

        Assert.Equal(entries.SelectMany(e => e["o"]["applyOps"].AsBsonArray.Select(_ => e["ts"])), step.Operations.Select(o => o["ts"]));
    }

    [Fact]
    public void A_chain_cut_before_its_commit_stays_open_and_releases_nothing()
    {
        var gatherer = new TransactionGatherer();
        var entries = CapturedTransaction.Get(CapturedTransaction.RestoreCases, "large, unprepared").Entries;
        var steps = AddAll(gatherer, entries.Take(2));

        Assert.All(steps, s => Assert.Equal(TransactionStepKind.Held, s.Kind));
        var open = Assert.Single(gatherer.Open);
        Assert.Equal(2, open.Entries);
        Assert.False(open.Prepared);
        Assert.Equal(entries[0]["ts"].AsBsonTimestamp, open.FirstEntry.ToBsonTimestamp());
    }

    [Fact]
    public void A_commit_whose_first_entries_were_never_seen_is_refused_rather_than_applied_in_part()
    {
        var entries = CapturedTransaction.Get(CapturedTransaction.RestoreCases, "large, unprepared").Entries;
        var gatherer = new TransactionGatherer();
        Assert.Equal(TransactionStepKind.Held, gatherer.Add(entries[1], entries[1].ToBson()).Kind);

        var error = Assert.Throws<MongoBackupException>(() => gatherer.Add(entries[2], entries[2].ToBson()));
        Assert.Equal(ErrorIds.OplogReplayFailed, error.ErrorId);
        Assert.Contains("Timestamp(1515616500, 3)", error.Message);
    }

    [Fact]
    public void A_chain_missing_an_entry_in_the_middle_is_refused_at_its_commit()
    {
        var entries = CapturedTransaction.Get(CapturedTransaction.RestoreCases, "large, unprepared").Entries;
        var gatherer = new TransactionGatherer();
        gatherer.Add(entries[0], entries[0].ToBson());

        Assert.Throws<MongoBackupException>(() => gatherer.Add(entries[2], entries[2].ToBson()));
    }

    [Fact]
    public void A_commitTransaction_without_a_commitTimestamp_still_commits_its_prepared_transaction()
    {
        var prepare = Entry(CapturedTransaction.RestoreCases, "small, prepared, committed", 0);
        var commit = Entry(CapturedTransaction.RestoreCases, "small, prepared, committed", 1).DeepClone().AsBsonDocument;
        commit["o"].AsBsonDocument.Remove("commitTimestamp");
        var steps = AddAll(new TransactionGatherer(), [prepare, commit]);

        Assert.Equal(TransactionStepKind.Committed, steps[1].Kind);
        Assert.Equal(prepare["o"]["applyOps"].AsBsonArray.Count, steps[1].Operations.Count);
    }

    [Fact]
    public void A_commitTransaction_for_a_transaction_prepared_before_the_replay_is_refused()
    {
        var commit = Entry(CapturedTransaction.RestoreCases, "small, prepared, committed", 1);
        var error = Assert.Throws<MongoBackupException>(() => new TransactionGatherer().Add(commit, commit.ToBson()));
        Assert.Contains("Timestamp(1515616500, 20)", error.Message);
    }

    [Fact]
    public void Interleaved_transactions_of_two_sessions_are_gathered_apart()
    {
        var first = CapturedTransaction.Get(CapturedTransaction.RestoreCases, "large, unprepared").Entries;
        var otherSession = new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard);
        var second = CapturedTransaction.Get(CapturedTransaction.TxnCases, "large, unprepared").Entries
            .Select(e => { var copy = e.DeepClone().AsBsonDocument; copy["lsid"]["id"] = otherSession; return copy; })
            .ToList();
        var gatherer = new TransactionGatherer();
        var steps = AddAll(gatherer, [first[0], second[0], first[1], second[1], first[2]]);

        Assert.Equal(TransactionStepKind.Committed, steps[^1].Kind);
        Assert.Equal(6, steps[^1].Operations.Count);
        Assert.Equal(2, Assert.Single(gatherer.Open).Entries);
    }

    /// <summary>
    /// mongorestore/testdata/oplogs/bson/linked_vectored_inserts.bson's form: lsid, txnNumber and a prevOpTime chain, but
    /// a multiOpType: a batched write, not a transaction. 1 (kApplyOpsAppliedSeparately, 8.0) applies each operation on its
    /// own, 2 (kApplyOpsAppliedAtomically, later servers: SERVER-126370) the entry's operations at once; either way the
    /// entry applies now. The second entry of one retryable write links to the first: gathered as a transaction, it
    /// read as a chain whose start was missing, and the replay stopped.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Linked_vectored_inserts_of_a_retryable_write_are_not_a_transaction(int multiOpType)
    {
        var lsid = new BsonDocument("id", new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard));
        BsonDocument Entry(uint increment) => new()
        {
            { "lsid", lsid }, { "txnNumber", 1L }, { "op", "c" }, { "ns", "admin.$cmd" },
            { "o", new BsonDocument("applyOps", new BsonArray { new BsonDocument { { "op", "i" }, { "ns", "shop.orders" }, { "o", new BsonDocument("_id", (int)increment) } } }) },
            { "ts", new BsonTimestamp(1719861048, (int)increment) },
            { "prevOpTime", increment == 2 ? new BsonDocument { { "ts", new BsonTimestamp(0, 0) }, { "t", -1L } } : new BsonDocument { { "ts", new BsonTimestamp(1719861048, (int)increment - 1) }, { "t", 1L } } },
            { "multiOpType", multiOpType },
        };
        var gatherer = new TransactionGatherer();

        Assert.Equal([TransactionStepKind.NotTransaction, TransactionStepKind.NotTransaction], AddAll(gatherer, [Entry(2), Entry(3)]).Select(s => s.Kind));
        Assert.Empty(gatherer.Open);
    }
}
