using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// One shard's part of a cluster oplog slice: its oplog read directly from its replica set (as a replica set's slice
/// is), from the cut the cluster's chain ends at up to and including the slice's own cut, into the shard's folder. Its
/// own connection, closed when this is disposed.
/// </summary>
internal sealed class ShardOplog : ICutShard, IDisposable
{
    private readonly MongoConnection _connection;
    private readonly OplogSource _oplog;

    private ShardOplog(ShardTarget target, MongoConnection connection, ServerTopology topology)
    {
        Target = target;
        _connection = connection;
        Topology = topology;
        _oplog = new OplogSource(connection.Client);
    }

    public ShardTarget Target { get; }
    public ServerTopology Topology { get; }

    /// <summary>Connects to the shard's replica set.</summary>
    /// <exception cref="MongoBackupException">NoOplog when the shard answers as no replica set; InvalidArgument when it is another replica set than the shard's; the connection's translated failures.</exception>
    public static async Task<ShardOplog> OpenAsync(ShardTarget target, CancellationToken ct)
    {
        var (connection, topology) = await target.OpenReplicaSetAsync(ErrorIds.NoOplog, "back up", ct);
        return new ShardOplog(target, connection, topology);
    }

    public async Task<ConsistencyPoint> NewestPointAsync(CancellationToken ct) =>
        await DriverErrors.Translate(() => _oplog.NewestPointAsync(ct), _connection.Client) ?? throw Empty();

    public async Task<OplogTimestamp> NewestAsync(CancellationToken ct) => (await NewestPointAsync(ct)).Timestamp;

    public Task<OplogTimestamp?> CommitPointAsync(CancellationToken ct) =>
        DriverErrors.Translate(() => MajorityCommitPoint.ReadAsync(_connection.Client, ct), _connection.Client);

    /// <summary>The span lost when the shard's oplog rolled past <paramref name="previous"/> (the chain's end), or null.</summary>
    public Task<OplogGap?> RolledPastAsync(OplogTimestamp previous, CancellationToken ct) =>
        DriverErrors.Translate(() => _oplog.RolledPastAsync(previous, ct), _connection.Client);

    /// <summary>
    /// Whether the shard's oplog continues from <paramref name="recorded"/>, an entry a snapshot of the chain saved from a
    /// shard of this name: it holds that entry (<see cref="ChainContinuity.IsRecordedEntry"/>), or it rolled past it (then it is rightly gone).
    /// </summary>
    public Task<bool> ContinuesFromAsync(ConsistencyPoint recorded, CancellationToken ct) => DriverErrors.Translate(async () =>
        await _oplog.RolledPastAsync(recorded.Timestamp, ct) is not null || ChainContinuity.IsRecordedEntry(await _oplog.EntryAtAsync(recorded.Timestamp, ct), recorded),
        _connection.Client);

    /// <summary>
    /// Whether the shard wrote anything after <paramref name="previous"/> but the no-ops of the module's own cuts
    /// (appendOplogNote on the shards behind a cut, <see cref="ClusterCut.NoteMessage"/>), which alone are no reason for
    /// another slice. Other no-ops count: an idle shard's primary writes a periodic one every 10 s of silence
    /// (noop_writer.cpp), and a slice of them carries the window to the quiet time, as a replica set's slice does.
    /// </summary>
    public Task<bool> WroteAfterAsync(OplogTimestamp previous, CancellationToken ct) => DriverErrors.Translate(async () =>
    {
        var oplog = _connection.Client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs");
        var ownCutNote = new BsonDocument { { "op", "n" }, { "o.msg", ClusterCut.NoteMessage } };
        var filter = new BsonDocument { { "ts", new BsonDocument("$gt", previous.ToBsonTimestamp()) }, { "$nor", new BsonArray { ownCutNote } } };
        using var cursor = await oplog.FindAsync(filter, new FindOptions<BsonDocument> { Limit = 1, Projection = new BsonDocument("ts", 1) }, ct);
        return await cursor.AnyAsync(ct);
    }, _connection.Client);

    /// <summary>
    /// Saves the entries after <paramref name="previous"/> (from the oldest one left after a <paramref name="gap"/>) up to
    /// and including <paramref name="cut"/> into <paramref name="files"/> (the shard's folder), then the late commit entries
    /// of transactions prepared by the cut and committed at or before it, as a full cluster backup saves them
    /// (<see cref="PreparedAtCut"/>): a restore to the slice's end holds what the cluster shows at it, so the slice waits
    /// for those decisions (the window's end is not held back instead: a cut's restore would then never be whole while
    /// writes go on, and the snapshot and the slices would follow two rules), and describes them.
    /// </summary>
    /// <param name="commitWait">How long the shard's majority commit point may take to cover the late commit entries; <see cref="PreparedAtCut.CommitPointDeadline"/> when null.</param>
    /// <exception cref="MongoBackupException">BackupFailed when a transaction prepared by the cut is still undecided after <see cref="PreparedAtCut.DecisionDeadline"/>;
    /// <see cref="CommitPointBehindException"/> when a late commit entry is not majority-committed within <paramref name="commitWait"/>.</exception>
    public async Task<ShardSection> SaveAsync(SnapshotFileSet files, string folder, OplogTimestamp previous, OplogGap? gap, OplogTimestamp cut,
        IEngineObserver observer, CancellationToken ct, TimeSpan? commitWait = null)
    {
        OplogTimestamp? first = null;
        ConsistencyPoint? last = null;
        var prepared = new PreparedAtCut();
        var late = 0;
        async IAsyncEnumerable<RawBsonDocument> WithLateCommits()
        {
            await foreach (var entry in _oplog.ReadRangeAsync(OplogPosition.Resume(previous, gap), cut, ct))
            {
                prepared.Observe(entry);
                yield return entry;
            }
            foreach (var commit in await prepared.LateCommitsAsync(_connection.Client, Target.Name, cut.ToBsonTimestamp(), observer, ct, commitWait))
            {
                late++;
                yield return commit;
            }
        }
        var entries = Noting(WithLateCommits(), p => { first ??= p.Timestamp; last = p; });
        var (count, _) = await DriverErrors.Translate(() => RawDocumentFileWriter.WriteAsync(files, DumpLayout.OplogFile(files.Compression), entries, ct), _connection.Client);
        // With no entry: the shard's part ends where it began (as an empty replica-set slice would).
        last ??= new ConsistencyPoint(previous, previous.WallTime);
        return new ShardSection
        {
            Name = Target.Name,
            Folder = folder,
            ReplicaSetName = Topology.ReplicaSetName,
            Hosts = Topology.Hosts.ToList(),
            PreviousSliceEnd = previous,
            Gap = gap,
            OplogStart = first,
            OplogEnd = last.Timestamp,
            OplogEntries = count,
            LateCommits = late,
            ConsistentAt = last,
            LastEntryAtCut = await LastEntryAtAsync(cut, ct),
        };
    }

    /// <summary>The shard's newest entry at or before <paramref name="cut"/> (see <see cref="ShardSection.LastEntryAtCut"/>).</summary>
    private Task<ConsistencyPoint?> LastEntryAtAsync(OplogTimestamp cut, CancellationToken ct) =>
        DriverErrors.Translate(() => _oplog.NewestAtOrBeforeAsync(cut, ct), _connection.Client);

    private static async IAsyncEnumerable<RawBsonDocument> Noting(IAsyncEnumerable<RawBsonDocument> entries, Action<ConsistencyPoint> seen)
    {
        await foreach (var entry in entries)
        {
            seen(ConsistencyPoint.OfEntry(entry));
            yield return entry;
        }
    }

    private MongoBackupException Empty() =>
        new(ErrorIds.BackupFailed, $"Shard {Target.Name} has an empty oplog.", target: Target.Name);

    public void Dispose() => _connection.Dispose();
}
