namespace MongoBackup.Engine.Oplog.Replay;

/// <summary>
/// What one replay knows beyond the entry in hand, from the snapshot's own oplog through the last slice: the
/// transactions waiting for their outcome, the indexes to build after it, the source namespaces the restore holds
/// (the dump's and those the replay created, so a dropDatabase drops only them), and the namespaces that failed.
/// </summary>
public sealed class ReplayState
{
    private readonly HashSet<string> _held = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _failed = new(StringComparer.Ordinal);

    public TransactionGatherer Transactions { get; } = new();
    public DeferredIndexes Indexes { get; } = new();

    /// <summary>Source namespaces that failed during the replay, with why; nothing more is written to them.</summary>
    public IReadOnlyDictionary<string, string> Failed => _failed;

    /// <summary>Notes that the restore holds a source namespace (restored from the dump, or created by the replay).</summary>
    public void Holds(string ns) => _held.Add(ns);

    public void Releases(string ns) => _held.Remove(ns);

    public bool IsHeld(string ns) => _held.Contains(ns);

    /// <summary>The held namespaces of a database, in name order.</summary>
    public IReadOnlyList<string> HeldIn(string database) =>
        _held.Where(n => n.StartsWith(database + ".", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();

    public void Fail(string ns, string reason) => _failed.TryAdd(ns, reason);

    public bool HasFailed(string ns) => _failed.ContainsKey(ns);
}
