using MongoBackup.Engine.Oplog.Replay;
using MongoDB.Bson;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// What a replay of oplog segments creates (<see cref="OplogNamespaceProbe.CreatedAsync"/>), found one entry at a time, so
/// that a pass reading the entries for another reason (the check of a dump's oplog before the replay,
/// <see cref="Formats.IDumpReader.OplogCheckReadsEntries"/>) finds them on its way instead of the oplog being read again.
/// Entries are given in the replay's order, each with the segment it belongs to: one at or before the segment's After is
/// skipped, and those beyond its Limit are not the replay's (the replay stops there), as the replay itself reads them.
/// </summary>
internal sealed class OplogCreationFinder(Func<string, string, bool> covers)
{
    private readonly List<OplogCreatedNamespace> _found = [];
    private readonly HashSet<(string, string)> _seen = [];
    // The replay's own transaction logic: a transaction's creates count only when it commits within the range read,
    // as the replay applies it; one aborted, or still undecided at the limit, creates nothing.
    private readonly TransactionGatherer _transactions = new();
    private OplogSegment? _ended;

    /// <summary>What was found so far, in the order first met, each namespace with its first creation.</summary>
    public IReadOnlyList<OplogCreatedNamespace> Found => _found;

    /// <summary>
    /// Takes one entry of <paramref name="segment"/>; false once the entry is beyond the segment's Limit (this and its
    /// later entries are not replayed, and are ignored if given).
    /// </summary>
    public bool Add(OplogSegment segment, byte[] raw)
    {
        if (ReferenceEquals(_ended, segment)) return false;
        using var entry = new RawBsonDocument(raw);
        if (segment.Limit is not null && segment.Limit.IsBeyond(entry))
        {
            _ended = segment;
            return false;
        }
        if (segment.After is { } after && entry.GetValue("ts", BsonNull.Value) is BsonTimestamp ts && OplogTimestamp.FromBsonTimestamp(ts) <= after) return true;
        var step = _transactions.Add(entry, raw);
        var applied = step.Kind switch
        {
            TransactionStepKind.NotTransaction => OplogNamespaceProbe.Creations(entry),
            TransactionStepKind.Committed => step.Operations.SelectMany(OplogNamespaceProbe.Creations),
            _ => [],
        };
        foreach (var created in applied)
            if (covers(created.Database, created.Collection) && _seen.Add((created.Database, created.Collection))) _found.Add(created);
        return true;
    }

    /// <summary>
    /// Reads each of <paramref name="segments"/> again from its start (<see cref="OplogSegment.Reread"/>) to its Limit,
    /// finding what it creates. An oplog that cannot be read to its end (damaged, a file gone) is read up to there: the
    /// replay stops there too.
    /// </summary>
    /// <exception cref="InvalidOperationException">A segment cannot be read again.</exception>
    public async Task ReadAsync(IEnumerable<OplogSegment> segments, CancellationToken ct)
    {
        try
        {
            foreach (var segment in segments)
            {
                var entries = segment.Reread ?? throw new InvalidOperationException($"The replay's oplog segment '{segment.Name}' cannot be read again to check its targets.");
                await foreach (var raw in entries().WithCancellation(ct))
                    if (!Add(segment, raw)) break;
            }
        }
        catch (Exception e) when (e is Formats.CorruptDumpException or MongoBackupException or IOException)
        {
            // Damaged or gone part-way: the replay stops at the same entry, and says so; what it creates before is found.
        }
    }
}
