using MongoDB.Bson;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// One pass over a merged cluster oplog, read as two parts: up to a snapshot's cut (ended by the first entry after it),
/// then the rest from that entry on. Nothing is skipped by timestamp in the second part: the merge gives a single shard's
/// held transaction chain at its closing entry, so entries at or before the cut may follow entries after it, and they
/// belong to the replay all the same. Read <see cref="BeforeCut"/> first, then <see cref="AfterCut"/>, each once.
/// </summary>
internal sealed class OplogCutSplit(IAsyncEnumerable<byte[]> merged, OplogTimestamp cut, CancellationToken ct) : IAsyncDisposable
{
    private readonly IAsyncEnumerator<byte[]> _merged = merged.GetAsyncEnumerator(ct);
    private byte[]? _firstAfterCut;
    private bool _ended;

    /// <summary>The entries before the first one whose timestamp is after the cut.</summary>
    public async IAsyncEnumerable<byte[]> BeforeCut()
    {
        while (await _merged.MoveNextAsync())
        {
            if (TimestampOf(_merged.Current) > cut)
            {
                _firstAfterCut = _merged.Current;
                yield break;
            }
            yield return _merged.Current;
        }
        _ended = true;
    }

    /// <summary>The rest: the entry that ended <see cref="BeforeCut"/>, and every one after it.</summary>
    public async IAsyncEnumerable<byte[]> AfterCut()
    {
        if (_firstAfterCut is { } first) yield return first;
        if (_ended) yield break;
        while (await _merged.MoveNextAsync()) yield return _merged.Current;
    }

    internal static OplogTimestamp TimestampOf(byte[] entry)
    {
        using var document = new RawBsonDocument(entry);
        return OplogTimestamp.FromBsonTimestamp(document["ts"].AsBsonTimestamp);
    }

    /// <summary>Closes the merged stream (and the files under it), read to its end or not.</summary>
    public ValueTask DisposeAsync() => _merged.DisposeAsync();
}
