using System.Diagnostics;
using MongoBackup.Engine.Catalog;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// One shard's part of a cluster backup, as a replica-set backup takes it: where its oplog copy starts (noted before its
/// catalog is listed), its collections dumped into its folder, and once the cluster's cut T is chosen, its oplog from
/// that start up to and including T. Its own connection, closed when this is disposed.
/// </summary>
internal sealed class ShardCopy : ICutShard, IDisposable
{
    /// <summary>
    /// Databases a shard holds for the cluster's own bookkeeping (config.cache.*, migrationCoordinators, rangeDeletions)
    /// and its replica set's: not user data. A shard's admin is its own too (the cluster's admin lives on the config
    /// servers, which a cluster backup does not dump as a shard).
    /// </summary>
    private static readonly HashSet<string> InternalDatabases = ["config", "local", "admin"];

    private readonly MongoConnection _connection;
    private readonly OplogSource _oplog;
    private readonly SnapshotFileSet _files;
    private OplogPosition _start;
    private List<ManifestNamespace> _namespaces = [];

    private ShardCopy(ShardTarget target, MongoConnection connection, ServerTopology topology, SnapshotFileSet files)
    {
        Target = target;
        _connection = connection;
        Topology = topology;
        _oplog = new OplogSource(connection.Client);
        _files = files;
    }

    /// <summary>Whether <paramref name="database"/> is one a shard keeps for the cluster or its replica set, not user data.</summary>
    internal static bool IsInternal(string database) => InternalDatabases.Contains(database);

    public ShardTarget Target { get; }
    public ServerTopology Topology { get; }
    public MongoDB.Driver.IMongoClient Client => _connection.Client;

    /// <summary>Connects to the shard's replica set; its files go to <paramref name="files"/> (the shard's folder).</summary>
    /// <exception cref="MongoBackupException">BackupFailed when the shard is not a replica set; InvalidArgument when it is another replica set than the shard's; the connection's translated failures.</exception>
    public static async Task<ShardCopy> OpenAsync(ShardTarget target, SnapshotFileSet files, CancellationToken ct)
    {
        var (connection, topology) = await target.OpenReplicaSetAsync(ErrorIds.BackupFailed, "cut", ct);
        return new ShardCopy(target, connection, topology, files);
    }

    /// <summary>Notes where the oplog copy starts, lists the chosen collections (the shard's user data) and dumps them.</summary>
    public async Task DumpAsync(BackupRunner dumper, BackupRequest request, Stopwatch clock, CancellationToken ct)
    {
        var client = _connection.Client;
        _start = await DriverErrors.Translate(() => OplogCopyStart.FindAsync(client, _oplog, ct), client)
            ?? throw new MongoBackupException(ErrorIds.BackupFailed, $"Shard {Target.Name} has an empty oplog.", target: Target.Name);
        // A shard holds only some of the cluster's databases: the names the filter gives are checked against the cluster's list.
        var listed = await DriverErrors.Translate(() => CollectionCatalog.ListAsync(client, request.Filter, ct, namedMustExist: false), client);
        var collections = listed.Where(c => !InternalDatabases.Contains(c.Database)).ToList();
        _namespaces = await dumper.DumpCollectionsAsync(client, _files, collections, request.ParallelCollections, request.SplitThresholdDocuments,
            query: null, clock, ct, activity: $"Backing up shard {Target.Name}");
    }

    /// <summary>The shard's newest oplog entry, with its wall time.</summary>
    public async Task<ConsistencyPoint> NewestPointAsync(CancellationToken ct) =>
        await _oplog.NewestPointAsync(ct) ?? throw new MongoBackupException(ErrorIds.BackupFailed, $"Shard {Target.Name} has an empty oplog.", target: Target.Name);

    /// <summary>The shard's newest oplog entry (what it has passed).</summary>
    public async Task<OplogTimestamp> NewestAsync(CancellationToken ct) =>
        await _oplog.NewestAsync(ct) ?? throw new MongoBackupException(ErrorIds.BackupFailed, $"Shard {Target.Name} has an empty oplog.", target: Target.Name);

    public Task<OplogTimestamp?> CommitPointAsync(CancellationToken ct) => MajorityCommitPoint.ReadAsync(_connection.Client, ct);

    /// <summary>
    /// Saves the oplog from the copy's start up to and including <paramref name="cut"/>, once the shard has passed it,
    /// then the late commit entries of transactions prepared by the cut and committed at or before it (<see cref="PreparedAtCut"/>).
    /// </summary>
    public async Task<ShardSection> SaveOplogAsync(OplogTimestamp cut, NamespaceFilter scope, string folder, IEngineObserver observer, CancellationToken ct)
    {
        await BackupRunner.EnsureNotRolledOverAsync(_oplog, _start.Timestamp, ct);
        var prepared = new PreparedAtCut();
        var entries = new CatalogChangeGuard(scope).WatchAsync(_oplog.ReadRangeAsync(_start, cut, ct), ct);
        ConsistencyPoint? last = null;
        var late = 0;
        async IAsyncEnumerable<MongoDB.Bson.RawBsonDocument> WithLateCommits()
        {
            await foreach (var entry in entries)
            {
                prepared.Observe(entry);
                yield return entry;
            }
            foreach (var commit in await prepared.LateCommitsAsync(Client, Target.Name, cut.ToBsonTimestamp(), observer, ct))
            {
                late++;
                yield return commit;
            }
        }
        var (count, _) = await RawDocumentFileWriter.WriteAsync(_files, DumpLayout.OplogFile(_files.Compression), Noting(WithLateCommits(), p => last = p), ct);
        await BackupRunner.EnsureNotRolledOverAsync(_oplog, _start.Timestamp, ct);
        // No entry after the start and up to the cut: the shard's data is as it was at its start.
        last ??= new ConsistencyPoint(_start.Timestamp, _start.Timestamp.WallTime);
        return new ShardSection
        {
            Name = Target.Name,
            Folder = folder,
            ReplicaSetName = Topology.ReplicaSetName,
            Hosts = Topology.Hosts.ToList(),
            OplogStart = _start.Timestamp,
            OplogEnd = last.Timestamp,
            OplogEntries = count,
            LateCommits = late,
            ConsistentAt = last,
            LastEntryAtCut = await DriverErrors.Translate(() => _oplog.NewestAtOrBeforeAsync(cut, ct), Client),
            Namespaces = _namespaces.OrderBy(n => n.Database, StringComparer.Ordinal).ThenBy(n => n.Collection, StringComparer.Ordinal).ToList(),
        };
    }

    private static async IAsyncEnumerable<MongoDB.Bson.RawBsonDocument> Noting(IAsyncEnumerable<MongoDB.Bson.RawBsonDocument> entries, Action<ConsistencyPoint> last)
    {
        await foreach (var entry in entries)
        {
            last(ConsistencyPoint.OfEntry(new MongoDB.Bson.BsonDocument { { "ts", entry["ts"] }, { "wall", entry.GetValue("wall", MongoDB.Bson.BsonNull.Value) } }));
            yield return entry;
        }
    }

    public void Dispose() => _connection.Dispose();
}
