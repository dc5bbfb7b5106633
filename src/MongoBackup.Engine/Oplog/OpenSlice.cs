using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Repository;
using MongoDB.Bson;

namespace MongoBackup.Engine.Oplog;

/// <summary>
/// A slice being written by a continuous capture: entries are appended as they arrive; closing it commits its
/// manifest (the slice exists from then on), abandoning it removes what was written. Its id, files and manifest go
/// through <see cref="PendingSnapshot"/>, as every other snapshot's do.
/// </summary>
public sealed class OpenSlice : IAsyncDisposable
{
    private readonly OplogSliceRequest _request;
    private readonly ServerTopology _topology;
    private readonly PendingSnapshot _pending;
    private readonly Stream _stream;
    private readonly ChunkedStreamWriter _writer;
    private readonly DateTimeOffset _started;
    private bool _streamsClosed;

    private OpenSlice(OplogSliceRequest request, ServerTopology topology, PendingSnapshot pending, Stream stream,
        DateTimeOffset started, OplogTimestamp previousEnd, OplogGap? gap)
    {
        _request = request;
        _topology = topology;
        _pending = pending;
        _stream = stream;
        // Not the run's token: a stop (Ctrl+C, SIGTERM) closes the open slice, which needs its writer still draining. Bound
        // to the stop, the writer quit at once and the close that followed failed, removing the slice instead of keeping it.
        _writer = new ChunkedStreamWriter(stream, CancellationToken.None);
        _started = started;
        PreviousEnd = previousEnd;
        Gap = gap;
    }

    /// <summary>The slice's snapshot id, reserved in the repository when it was started.</summary>
    public string Id => _pending.Id;

    /// <summary>Where the chain ended before this slice: its first entry comes after it.</summary>
    public OplogTimestamp PreviousEnd { get; }

    /// <summary>The span lost because the oplog rolled past <see cref="PreviousEnd"/>, or null.</summary>
    public OplogGap? Gap { get; }

    /// <summary>The first entry appended, or null while there is none.</summary>
    public OplogTimestamp? First { get; private set; }

    /// <summary>The last entry appended, or null while there is none.</summary>
    public OplogTimestamp? Last => LastPoint?.Timestamp;

    /// <summary>The last entry appended with its wall time.</summary>
    public ConsistencyPoint? LastPoint { get; private set; }

    /// <summary>Entries appended.</summary>
    public long Entries { get; private set; }

    /// <summary>Raw BSON bytes of the entries appended (before compression and encryption), what slice sizes are measured in.</summary>
    public long Bytes { get; private set; }

    /// <summary>Reserves the slice's id and opens its oplog file.</summary>
    /// <param name="request">The slice's connection, repository, compression, key source and tags.</param>
    /// <param name="topology">The source the slice is recorded as coming from.</param>
    /// <param name="previousEnd">Where the chain ended: the slice's first entry comes after it.</param>
    /// <param name="gap">The span lost because the oplog rolled past <paramref name="previousEnd"/>, or null.</param>
    /// <param name="catalog">The capture's catalog of the repository: a passphrase takes the salt its snapshots share.</param>
    /// <param name="warn">Where a clean-up failure is reported when the slice is abandoned.</param>
    /// <param name="ct">Cancels the start; the slice's writes are not cancellable (see <see cref="AppendAsync"/>).</param>
    /// <exception cref="MongoBackupException">As <see cref="PendingSnapshot.StartNewAsync"/>.</exception>
    public static async Task<OpenSlice> StartAsync(OplogSliceRequest request, ServerTopology topology, SnapshotCatalog catalog,
        OplogTimestamp previousEnd, OplogGap? gap, Action<string> warn, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var options = new NewSnapshotOptions(request.Compression, request.CompressionLevel, request.Encryption) { Ids = request.Ids, ChainOf = SliceChainEnd.ChainOf(topology) };
        var pending = await PendingSnapshot.StartNewAsync(catalog, "oplog", started, options, warn, ct);
        try
        {
            var stream = await pending.Files!.CreateAsync(DumpLayout.OplogFile(request.Compression), ct);
            return new OpenSlice(request, topology, pending, stream, started, previousEnd, gap);
        }
        catch
        {
            await pending.AbandonAsync();
            throw;
        }
    }

    /// <summary>
    /// Appends one entry (its raw BSON, as read) to the slice's file. Not cancellable: a full 1 MiB chunk of entries already
    /// counted is handed to the writer here, and a cancel while it waits for room would drop them from a slice that is then
    /// closed as holding them. It waits only on the slice's own file (at most four chunks behind).
    /// </summary>
    public async Task AppendAsync(RawBsonDocument entry, ConsistencyPoint point)
    {
        await RawDocumentBytes.WriteToAsync(entry, _writer, CancellationToken.None);
        First ??= point.Timestamp;
        LastPoint = point;
        Entries++;
        Bytes += RawDocumentBytes.Length(entry);
    }

    /// <summary>Completes the file and commits the manifest; on failure the slice is removed and the error thrown.</summary>
    /// <exception cref="MongoBackupException">The store's failures, SnapshotExists when another manifest holds the id.</exception>
    public async Task<SnapshotManifest> CloseAsync(CancellationToken ct)
    {
        try
        {
            await _writer.CompleteAsync(ct);
            await CloseStreamsAsync();
        }
        catch
        {
            await AbandonAsync();
            throw;
        }
        var end = Last ?? PreviousEnd;
        var manifest = new SnapshotManifest
        {
            Id = Id, Kind = SnapshotKind.Oplog, Status = SnapshotStatus.Complete, ToolVersion = EngineVersion.Current,
            Source = _topology.ToSnapshotSource(),
            StartTime = _started, EndTime = DateTimeOffset.UtcNow,
            PreviousSliceEnd = PreviousEnd, OplogStart = First, OplogEnd = end,
            ConsistentAt = LastPoint ?? new ConsistencyPoint(end, end.WallTime), PointInTimeConsistent = Gap is null,
            OplogEntries = Entries, Gap = Gap, Compression = _request.Compression, CompressionLevel = _pending.Files!.Level,
            Tags = new Dictionary<string, string>(_request.Tags, StringComparer.Ordinal),
        };
        return await _pending.CommitAsync(manifest, ct);
    }

    /// <summary>Removes an unfinished slice (nothing was in it, or the run failed). Never throws: a clean-up failure is a warning.</summary>
    public async Task AbandonAsync()
    {
        try { await CloseStreamsAsync(); }
        catch (Exception)
        {
            // The file is being deleted: a failure to finish it changes nothing, and must not hide the run's own error.
        }
        await _pending.AbandonAsync();
    }

    private async Task CloseStreamsAsync()
    {
        if (_streamsClosed) return;
        _streamsClosed = true;
        try { await _writer.DisposeAsync(); }
        finally { await _stream.DisposeAsync(); }
    }

    /// <summary>Abandons the slice unless it was closed.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_pending.IsCommitted) await AbandonAsync();
    }
}
