namespace MongoBackup.Engine.Repository;

/// <summary>Slices that together hold every oplog entry after <see cref="Start"/> up to and including <see cref="End"/>.</summary>
public sealed record SliceSegment(OplogTimestamp Start, OplogTimestamp End, IReadOnlyList<SnapshotManifest> Slices)
{
    /// <summary>The end with its wall time, from the slice that reaches it.</summary>
    public ConsistencyPoint EndPoint => Slices.MaxBy(s => s.OplogEnd!.Value)!.ConsistentAt ?? new ConsistencyPoint(End, End.WallTime);

    /// <summary>Whether replaying this segment can move data from <paramref name="point"/> to any moment up to its end.</summary>
    public bool Covers(OplogTimestamp point) => Start <= point && point <= End;

    /// <summary>The slices a restore based at <paramref name="point"/> replays: those that end after it.</summary>
    public IReadOnlyList<SnapshotManifest> SlicesAfter(OplogTimestamp point) => Slices.Where(s => s.OplogEnd!.Value > point).ToList();
}

/// <summary>
/// Where the chain of slices breaks: after <see cref="From"/> (the end of the slices or full snapshot before it), the
/// next entries the repository holds are those of <see cref="ContinuedBy"/>. Either slices are missing (ContinuedBy
/// continues from <see cref="MissingUntil"/>, where no slice or full snapshot ends), or the oplog rolled over before
/// it was saved (ContinuedBy records the <see cref="OplogGap"/>), or both.
/// </summary>
public sealed record ChainBreak(OplogTimestamp From, SnapshotManifest ContinuedBy)
{
    /// <summary>Where the chain picks up again: the first entry after the break that the repository holds.</summary>
    public OplogTimestamp To => ContinuedBy.Gap?.To ?? ContinuedBy.PreviousSliceEnd ?? ContinuedBy.OplogStart ?? ContinuedBy.OplogEnd!.Value;

    /// <summary>Where the missing slices would have ended; null when no slice is missing (only the oplog was lost).</summary>
    public OplogTimestamp? MissingUntil => ContinuedBy.PreviousSliceEnd is { } previous && previous > From ? (OplogTimestamp?)previous : null;

    /// <inheritdoc/>
    public override string ToString()
    {
        var parts = new List<string>();
        if (MissingUntil is { } until)
            parts.Add($"oplog slices are missing from {From.WallTime:u} ({From}) to {until.WallTime:u} ({until}): slice {ContinuedBy.Id} " +
                      $"continues from {until}, where no slice in the repository ends");
        if (ContinuedBy.Cluster is { } cluster)
            parts.AddRange(cluster.Shards.Where(s => s.Gap is not null).Select(s =>
                $"the oplog of shard {s.Name} from {s.Gap!.From.WallTime:u} ({s.Gap.From}) to {s.Gap.To.WallTime:u} ({s.Gap.To}) rolled over before it was saved " +
                $"(recorded by cluster slice {ContinuedBy.Id})"));
        else if (ContinuedBy.Gap is { } gap)
            parts.Add($"the oplog from {gap.From.WallTime:u} ({gap.From}) to {gap.To.WallTime:u} ({gap.To}) rolled over before it was saved " +
                      $"(recorded by slice {ContinuedBy.Id})");
        return string.Join(", and ", parts);
    }
}

/// <summary>
/// The oplog slices of one source, merged into segments. A slice continues a segment when it starts at or before the
/// segment's end (slices may overlap, as when a scheduled Backup-MongoOplog runs beside a -Continuous one); after a
/// recorded gap, when its first entry is at or before the segment's end. A slice that adds nothing past the segment's
/// end is left out of it. Between two segments is a <see cref="ChainBreak"/>.
/// </summary>
public sealed class OplogChain
{
    private OplogChain(List<SliceSegment> segments, List<ChainBreak> breaks)
    {
        Segments = segments;
        Breaks = breaks;
    }

    /// <summary>Oldest first.</summary>
    public IReadOnlyList<SliceSegment> Segments { get; }
    /// <summary>Where the chain is broken (a slice missing, or the oplog lost between two slices), oldest first.</summary>
    public IReadOnlyList<ChainBreak> Breaks { get; }

    /// <param name="slices">Complete oplog slices of one source.</param>
    /// <param name="fulls">The full snapshots of that source: a slice that continues from one's consistency point breaks nothing.</param>
    public static OplogChain Build(IEnumerable<SnapshotManifest> slices, IEnumerable<SnapshotManifest> fulls)
    {
        var segments = new List<SliceSegment>();
        var firsts = new List<SnapshotManifest>();
        foreach (var slice in slices.Where(s => s.OplogEnd is not null).OrderBy(StartOf).ThenByDescending(s => s.OplogEnd!.Value))
        {
            var current = segments.Count == 0 ? null : segments[^1];
            if (current is not null && StartOf(slice) <= current.End)
            {
                if (slice.OplogEnd!.Value > current.End)
                    segments[^1] = current with { End = slice.OplogEnd!.Value, Slices = [.. current.Slices, slice] };
                continue;
            }
            segments.Add(new SliceSegment(StartOf(slice), slice.OplogEnd!.Value, [slice]));
            firsts.Add(slice);
        }
        var fullPoints = fulls.Select(f => f.ConsistentAt?.Timestamp).OfType<OplogTimestamp>().ToList();
        var breaks = new List<ChainBreak>();
        for (var i = 0; i < segments.Count; i++)
        {
            var first = firsts[i];
            if (first.Gap is null && fullPoints.Contains(segments[i].Start)) continue;
            var before = segments.Take(i).Select(s => s.End).Concat(fullPoints).Where(e => e < segments[i].Start).DefaultIfEmpty().Max();
            if (before == default && first.Gap is null) continue; // nothing earlier: the chain simply begins here
            breaks.Add(new ChainBreak(before == default ? first.Gap!.From : before, first));
        }
        return new OplogChain(segments, breaks);
    }

    /// <summary>The break right after <paramref name="end"/> (a segment's end or a full snapshot's consistency point), if the chain breaks there.</summary>
    public ChainBreak? BreakAfter(OplogTimestamp end) => Breaks.FirstOrDefault(b => b.From == end);

    /// <summary>
    /// Where a slice's entries start, for merging: after its PreviousSliceEnd (exclusive); after a recorded gap, or
    /// with no previous end, its first entry (which it holds, so a segment ending there continues into it).
    /// </summary>
    private static OplogTimestamp StartOf(SnapshotManifest slice) =>
        slice.Gap is null && slice.PreviousSliceEnd is { } previous ? previous : slice.OplogStart ?? slice.OplogEnd!.Value;
}
