namespace MongoBackup.Engine.Cluster;

/// <summary>
/// One shard's saved oplog files in chain order (a cluster snapshot's, then its part of each slice) as one stream in
/// timestamp order, each entry once. A file holds the entries up to its cut, then the late commit entries past the cut
/// (<see cref="PreparedAtCut"/>); the next file begins right after that cut and holds those commits again in their place.
/// A late commit is therefore held until an entry of a later file passes its timestamp (the same entry there replaces
/// it), so the entries between a cut and a late commit are not skipped as repeats.
/// </summary>
internal sealed class ShardOplogChain
{
    private readonly SortedDictionary<OplogTimestamp, byte[]> _late = [];
    private OplogTimestamp? _last;

    /// <summary>What to give for <paramref name="entry"/> of a file whose cut is <paramref name="cut"/>: held late commits it passed, then itself (nothing for a repeat or a late commit).</summary>
    public IEnumerable<byte[]> Take(byte[] entry, OplogTimestamp cut)
    {
        var ts = OplogCutSplit.TimestampOf(entry);
        if (_last is { } given && ts <= given) yield break;
        if (ts > cut)
        {
            _late.TryAdd(ts, entry);
            yield break;
        }
        while (_late.Count > 0 && _late.First() is var held && held.Key <= ts)
        {
            _late.Remove(held.Key);
            if (held.Key < ts) yield return held.Value;
        }
        _last = ts;
        yield return entry;
    }

    /// <summary>The late commits no later file reached, in order.</summary>
    public IEnumerable<byte[]> Rest()
    {
        foreach (var (ts, entry) in _late)
        {
            _last = ts;
            yield return entry;
        }
        _late.Clear();
    }
}
