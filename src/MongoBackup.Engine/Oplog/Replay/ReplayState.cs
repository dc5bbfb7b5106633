namespace MongoBackup.Engine.Oplog.Replay;

/// <summary>
/// What one replay knows beyond the entry in hand, from the snapshot's own oplog through the last slice: the
/// transactions waiting for their outcome, the indexes to build after it, the source namespaces the restore holds
/// (the dump's and those the replay created, so a dropDatabase drops only them), the target namespaces it wrote to, and the
/// namespaces that failed.
/// </summary>
public sealed class ReplayState
{
    private readonly HashSet<string> _held = new(StringComparer.Ordinal);
    private readonly HashSet<string> _timeseries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _failed = new(StringComparer.Ordinal);

    /// <summary>The transactions begun and not yet decided.</summary>
    public TransactionGatherer Transactions { get; } = new();

    /// <summary>The indexes to build once the replay is over.</summary>
    public DeferredIndexes Indexes { get; } = new();

    /// <summary>The target namespaces the replay sent writes or commands to.</summary>
    public ReplayWrites Written { get; } = new();

    /// <summary>Source namespaces that failed during the replay, with why; nothing more is written to them.</summary>
    public IReadOnlyDictionary<string, string> Failed => _failed;

    /// <summary>Notes that the restore holds a source namespace (restored from the dump, or created by the replay).</summary>
    public void Holds(string ns) => _held.Add(ns);

    /// <summary>Notes that the replay created time-series collection <paramref name="ns"/>, which the restore now holds.</summary>
    public void HoldsTimeseries(string ns)
    {
        _held.Add(ns);
        _timeseries.Add(ns);
    }

    /// <summary>
    /// Whether the replay created <paramref name="ns"/> as a time-series collection (what the report of a namespace the
    /// dump did not hold says it is; the dump's own namespaces are known from their metadata).
    /// </summary>
    public bool CreatedAsTimeseries(string ns) => _timeseries.Contains(ns);

    /// <summary>Notes that a source namespace is gone from the restore (dropped, or renamed away).</summary>
    public void Releases(string ns)
    {
        _held.Remove(ns);
        _timeseries.Remove(ns);
    }

    /// <summary>Whether the restore holds a source namespace now.</summary>
    public bool IsHeld(string ns) => _held.Contains(ns);

    /// <summary>The held namespaces of a database, in name order.</summary>
    public IReadOnlyList<string> HeldIn(string database) =>
        _held.Where(n => n.StartsWith(database + ".", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();

    /// <summary>Fails a source namespace (the first reason stays): the replay writes nothing more to it.</summary>
    public void Fail(string ns, string reason) => _failed.TryAdd(ns, reason);

    /// <summary>Whether a source namespace failed during the replay.</summary>
    public bool HasFailed(string ns) => _failed.ContainsKey(ns);
}
