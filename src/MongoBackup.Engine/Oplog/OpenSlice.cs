using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Security;
using MongoDB.Bson;

namespace MongoBackup.Engine.Oplog;

/// <summary>
/// A slice being written by a continuous capture: entries are appended as they arrive; closing it commits its
/// manifest (the slice exists from then on), abandoning it removes what was written.
/// </summary>
public sealed class OpenSlice : IAsyncDisposable
{
    private readonly OplogSliceRequest _request;
    private readonly ServerTopology _topology;
    private readonly SnapshotFileSet _files;
    private readonly Stream _stream;
    private readonly ChunkedStreamWriter _writer;
    private readonly DateTimeOffset _started;
    private readonly DataKey? _dataKey;
    private readonly ManifestEncryption? _encryption;
    private bool _finished;

    private OpenSlice(OplogSliceRequest request, ServerTopology topology, SnapshotFileSet files, Stream stream,
        DateTimeOffset started, OplogTimestamp previousEnd, OplogGap? gap, DataKey? dataKey, ManifestEncryption? encryption, CancellationToken ct)
    {
        _dataKey = dataKey;
        _encryption = encryption;
        _request = request;
        _topology = topology;
        _files = files;
        _stream = stream;
        _writer = new ChunkedStreamWriter(stream, ct);
        _started = started;
        PreviousEnd = previousEnd;
        Gap = gap;
    }

    public string Id => _files.SnapshotId;
    public OplogTimestamp PreviousEnd { get; }
    public OplogGap? Gap { get; }
    public OplogTimestamp? First { get; private set; }
    public OplogTimestamp? Last => LastPoint?.Timestamp;
    public ConsistencyPoint? LastPoint { get; private set; }
    public long Entries { get; private set; }
    public long Bytes { get; private set; }

    /// <param name="catalog">The capture's catalog of the repository: a passphrase takes the salt its snapshots share.</param>
    public static async Task<OpenSlice> StartAsync(OplogSliceRequest request, ServerTopology topology, SnapshotCatalog catalog,
        OplogTimestamp previousEnd, OplogGap? gap, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var id = SnapshotIds.NewId(started, "oplog");
        var (dataKey, encryption) = await SnapshotKeys.ForNewSnapshotAsync(request.Encryption, catalog, id, ct);
        var files = new SnapshotFileSet(request.Repository, id, request.Compression, dataKey, request.CompressionLevel);
        var stream = await files.CreateAsync(DumpLayout.OplogFile(request.Compression), ct);
        return new OpenSlice(request, topology, files, stream, started, previousEnd, gap, dataKey, encryption, ct);
    }

    public async Task AppendAsync(RawBsonDocument entry, ConsistencyPoint point, CancellationToken ct)
    {
        await RawDocumentBytes.WriteToAsync(entry, _writer, ct);
        First ??= point.Timestamp;
        LastPoint = point;
        Entries++;
        Bytes += RawDocumentBytes.Length(entry);
    }

    /// <summary>Completes the file and commits the manifest.</summary>
    public async Task<SnapshotManifest> CloseAsync(CancellationToken ct)
    {
        _finished = true;
        await _writer.CompleteAsync(ct);
        await DisposeStreamsAsync();
        var end = Last ?? PreviousEnd;
        var manifest = new SnapshotManifest
        {
            Id = Id, Kind = SnapshotKind.Oplog, Status = SnapshotStatus.Complete, ToolVersion = EngineVersion.Current,
            Source = new SnapshotSource
            {
                Topology = _topology.Kind.ToString(), ReplicaSetName = _topology.ReplicaSetName,
                ServerVersion = _topology.ServerVersion, Hosts = _topology.Hosts.ToList(),
            },
            StartTime = _started, EndTime = DateTimeOffset.UtcNow,
            PreviousSliceEnd = PreviousEnd, OplogStart = First, OplogEnd = end,
            ConsistentAt = LastPoint ?? new ConsistencyPoint(end, end.WallTime), PointInTimeConsistent = Gap is null,
            OplogEntries = Entries, Gap = Gap, Compression = _request.Compression, CompressionLevel = _files.Level, Encryption = _encryption, Files = _files.Files.ToList(),
            Tags = new Dictionary<string, string>(_request.Tags, StringComparer.Ordinal),
        };
        // Sealed with the data key before it is let go.
        try { await SnapshotCommit.CommitNewAsync(_request.Repository, manifest, _dataKey, ct); }
        finally { _dataKey?.Dispose(); }
        return manifest;
    }

    /// <summary>Removes an unfinished slice (nothing was in it, or the run failed).</summary>
    public async Task AbandonAsync()
    {
        _finished = true;
        await DisposeStreamsAsync();
        _dataKey?.Dispose();
        await _request.Repository.DeleteSnapshotAsync(Id, CancellationToken.None);
    }

    private async Task DisposeStreamsAsync()
    {
        await _writer.DisposeAsync();
        await _stream.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_finished) await AbandonAsync();
    }
}
