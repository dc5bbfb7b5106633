using MongoDB.Bson;

namespace MongoBackup.Engine.Oplog.Replay;

/// <summary>
/// Decides what an oplog operation becomes on the target: left out when it lies outside what the restore covers
/// (<see cref="ReplayCoverage"/>) or changes nothing a restore brings back (<see cref="OplogForms"/>); else aimed at
/// the renamed namespace (in ns, in commands, in view definitions) and stripped of what only meant something on the
/// source (collection UUIDs, session fields). A non-transaction applyOps is taken apart into its operations, as
/// mongorestore does. Transactions reach it operation by operation, once committed (see <see cref="TransactionGatherer"/>).
/// Into a sharded cluster, the no-ops that record a collection's sharding are read too (<see cref="ShardingEvents"/>).
/// </summary>
public sealed class OplogEntryRewriter
{
    // Fields that name the source's collections, sessions or other oplog entries: meaningless on the target.
    private static readonly string[] SourceOnlyFields =
    [
        "ui", "lsid", "txnNumber", "stmtId", "prevOpTime", "multiOpType", "fromMigrate", "_id", "h",
        "needsRetryImage", "preImageOpTime", "postImageOpTime", "destinedRecipient",
    ];

    private readonly ReplayCoverage _coverage;
    private readonly NamespaceMap _map;
    private readonly ReplayState _state;
    private readonly ViewDefinitions _views;
    private readonly CommandRewriter _commands;
    private readonly ShardingEvents? _sharding;

    /// <summary>
    /// Rewrites within <paramref name="coverage"/>, renaming with <paramref name="map"/>, and keeps what the replay learns
    /// (collections created, indexes to build later) in <paramref name="state"/>. With <paramref name="shardedTarget"/>
    /// (a replay through a mongos), a collection sharded in the oplog is sharded on the target as it was. A view whose
    /// pipeline still reads a collection the restore did not put beside it is told to <paramref name="warn"/>.
    /// </summary>
    public OplogEntryRewriter(ReplayCoverage coverage, NamespaceMap map, ReplayState state, bool shardedTarget = false, Action<string>? warn = null)
    {
        if (shardedTarget) _sharding = new ShardingEvents(coverage, map, state);
        _coverage = coverage;
        _map = map;
        _state = state;
        _views = new ViewDefinitions(coverage, map, state, warn);
        _commands = new CommandRewriter(coverage, map, state, _views);
    }

    /// <summary>What one oplog entry (or one operation of a committed transaction) becomes on the target.</summary>
    /// <exception cref="MongoBackupException">A form a replay cannot apply (OplogReplayFailed), naming it and its timestamp.</exception>
    public Rewritten Rewrite(BsonDocument entry)
    {
        if (entry.GetValue("op", BsonNull.Value) is not BsonString { Value: var op })
            throw UnreplayableEntry.Error(entry, "an entry without an operation type", "the oplog file is not one MongoDB wrote");
        if (op == "n" && _sharding is not null) return _sharding.Rewrite(entry);
        if (OplogForms.IgnoredOperations.Contains(op)) return Rewritten.Nothing;
        if (op is not ("i" or "u" or "d" or "c"))
            throw UnreplayableEntry.Error(entry, $"an operation of type '{op}'", "this version does not know what it changes");
        var (database, collection) = NamespaceName.Split(entry.GetValue("ns", "").AsString);
        if (op == "c")
        {
            if (entry.GetValue("o", BsonNull.Value) is not BsonDocument { ElementCount: > 0 } o)
                throw UnreplayableEntry.Error(entry, "a command entry without a command", "the oplog file is not one MongoDB wrote");
            if (o.GetElement(0).Name == "applyOps") return Unpack(entry, o);
            return OplogForms.IsServerDatabase(database) ? Rewritten.Nothing : _commands.Rewrite(entry, database, o);
        }
        if (OplogForms.IsServerDatabase(database)) return Rewritten.Nothing;
        if (collection == SystemCollections.Views)
            return _views.Rewrite(entry, database);
        if (SystemCollections.IsServerOwned(collection)) return Rewritten.Nothing;
        var owner = database + "." + SystemCollections.OwnerOf(collection);
        if (!_coverage.Covers(database, collection) || _state.HasFailed(owner)) return Rewritten.Nothing;
        // A write to a collection the restore does not hold (neither restored from the dump nor created by an entry
        // replayed before) was made before the backup listed the catalog, to a collection gone by then: dropped, as an
        // entry after this one says. A backup's oplog starts before its listing (at the newest entry then, or the oldest
        // open transaction's first entry). MongoDB's applyOps refuses such a write (NamespaceNotFound) and never
        // creates the collection, and there is nothing on the target it could change, so it is left out.
        if (!_state.IsHeld(owner)) return Rewritten.Nothing;

        var (targetDb, targetCollection) = _map.MapStored(database, collection);
        var copy = StripSourceFields(entry);
        copy["ns"] = targetDb + "." + targetCollection;
        return Rewritten.Send(copy);
    }

    /// <summary>A copy without the fields that only meant something on the source.</summary>
    public static BsonDocument StripSourceFields(BsonDocument entry)
    {
        var copy = entry.DeepClone().AsBsonDocument;
        foreach (var field in SourceOnlyFields) copy.Remove(field);
        return copy;
    }

    /// <summary>A non-transaction applyOps (one a user or a retryable write's vectored insert ran): each operation by itself.</summary>
    private Rewritten Unpack(BsonDocument entry, BsonDocument o)
    {
        if (o["applyOps"] is not BsonArray operations)
            throw UnreplayableEntry.Error(entry, "an applyOps entry without an array of operations", "the oplog file is not one MongoDB wrote");
        var result = Rewritten.Nothing;
        foreach (var operation in operations)
        {
            var inner = operation.AsBsonDocument.DeepClone().AsBsonDocument;
            foreach (var field in new[] { "ts", "t", "wall" })
                if (!inner.Contains(field) && entry.TryGetValue(field, out var value)) inner[field] = value;
            result = result.Then(Rewrite(inner));
        }
        return result;
    }
}
