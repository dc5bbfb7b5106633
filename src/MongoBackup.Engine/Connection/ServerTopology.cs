using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Connection;

/// <summary>What a connection reaches, from the server's hello reply.</summary>
public enum TopologyKind
{
    /// <summary>A single mongod without a replica set: no oplog.</summary>
    Standalone,

    /// <summary>A replica set member (hello has setName): it keeps local.oplog.rs.</summary>
    ReplicaSet,

    /// <summary>A mongos (hello msg "isdbgrid"): refused with ShardedClusterNotSupported, except where a command takes a cluster (a full backup, an oplog slice, a backup policy, a restore).</summary>
    Sharded,
}

/// <summary>What the connection reaches: recorded in every manifest (never with a credential).</summary>
public sealed record ServerTopology(TopologyKind Kind, string? ReplicaSetName, string ServerVersion, IReadOnlyList<string> Hosts)
{
    /// <summary>
    /// True for a replica set member: only those keep local.oplog.rs, so only they can have slices and point-in-time snapshots.
    /// </summary>
    public bool HasOplog => Kind == TopologyKind.ReplicaSet;

    /// <summary>
    /// A replica set's identity (settings.replicaSetId of its configuration, 24 hex digits): two sets of one name have
    /// different ids. Null for a standalone or a mongos, or when replSetGetConfig was refused (a user without the
    /// clusterMonitor privilege it needs): then nothing is compared by it.
    /// </summary>
    public string? ReplicaSetId { get; init; }

    /// <summary>
    /// True when the server refused replSetGetConfig to this user as unauthorized (code 13): the user lacks the
    /// replSetGetConfig action on the cluster resource. MongoDB's built-in clusterMonitor role grants it; the built-in
    /// backup role does not (src/mongo/db/auth/role_graph_builtins.cpp, addBackupPrivileges).
    /// </summary>
    public bool ReplicaSetIdRefused { get; init; }

    /// <summary>
    /// What a run writing <paramref name="what"/> (a snapshot, slices) warns when <see cref="ReplicaSetIdRefused"/>: the
    /// missing privilege, and that the set's identity goes unrecorded; null otherwise.
    /// </summary>
    public string? UnrecordedIdWarning(string server, string what) => !ReplicaSetIdRefused ? null :
        $"{server} refused replSetGetConfig to this user (Unauthorized): it needs the replSetGetConfig action on the cluster resource, which the " +
        $"built-in clusterMonitor role grants and the backup role does not. {what} records no replicaSetId, so a later slice or capture can tell " +
        $"replica set '{ReplicaSetName}' from another set of the same name only by its oplog, not by its identity. Grant the user clusterMonitor " +
        "(db.grantRolesToUser('<user>', ['clusterMonitor']) on admin) to have it recorded.";

    /// <summary>What a new snapshot of this server records as its source: kind, replica set, version and hosts.</summary>
    public SnapshotSource ToSnapshotSource() => new()
    {
        Topology = Kind.ToString(), ReplicaSetName = ReplicaSetName, ServerVersion = ServerVersion, Hosts = Hosts.ToList(),
        ReplicaSetId = ReplicaSetId,
    };

    /// <summary>
    /// ShardedClusterNotSupported: the connection reaches a mongos where this operation does not take one. Its target is
    /// <see cref="MongosTarget"/>, so a cmdlet can say in its own words what it takes instead (the engine does not know
    /// which cmdlet asked).
    /// </summary>
    public static MongoBackupException MongosRefused() => new(ErrorIds.ShardedClusterNotSupported,
        "The connection string points at a mongos (a sharded cluster), which this operation does not take yet.", target: MongosTarget);

    /// <summary>The target of <see cref="MongosRefused"/>'s error: "mongos".</summary>
    public const string MongosTarget = "mongos";

    /// <summary>
    /// Asks the server what it is; a mongos is refused rather than backed up wrongly, unless the caller takes a cluster
    /// (<paramref name="allowMongos"/>: a full backup, which then backs up each shard).
    /// </summary>
    public static async Task<ServerTopology> DiscoverAsync(IMongoClient client, CancellationToken ct, bool allowMongos = false)
    {
        var admin = client.GetDatabase("admin");
        // The first command of a run: a server that cannot answer (refused, unknown host, not MongoDB) fails it at once.
        var hello = await FirstContact.RunAsync(client, token => admin.RunCommandAsync<BsonDocument>(new BsonDocument("hello", 1), cancellationToken: token), ct);
        var build = await DriverErrors.Translate(() => admin.RunCommandAsync<BsonDocument>(new BsonDocument("buildInfo", 1), cancellationToken: ct), client);
        var version = build.GetValue("version", "unknown").AsString;

        if (hello.GetValue("msg", "").ToString() == "isdbgrid")
        {
            if (allowMongos)
                return new ServerTopology(TopologyKind.Sharded, null, version, client.Settings.Servers.Select(s => s.ToString()).ToList());
            throw MongosRefused();
        }

        if (ConnectionDiagnosis.ReadPreferenceUnservable(client.Settings.ReadPreference, hello) is { } unservable)
            throw new MongoBackupException(ErrorIds.ServerUnreachable, unservable, target: string.Join(",", client.Settings.Servers));
        var hosts = hello.TryGetValue("hosts", out var h) ? h.AsBsonArray.Select(x => x.AsString).ToList()
            : client.Settings.Servers.Select(s => s.ToString()).ToList();
        return hello.TryGetValue("setName", out var setName)
            ? await WithReplicaSetIdAsync(new ServerTopology(TopologyKind.ReplicaSet, setName.AsString, version, hosts), admin, ct)
            : new ServerTopology(TopologyKind.Standalone, null, version, hosts);
    }

    /// <summary>
    /// settings.replicaSetId of the set's configuration (replSetGetConfig; MongoDB's replica set configuration reference:
    /// "replicaSetId: ObjectId", created by replSetInitiate and never changed). Null when the command is refused (it needs
    /// the replSetGetConfig action, which a backup-only user may lack) or the configuration has none (before 3.2).
    /// </summary>
    private static async Task<ServerTopology> WithReplicaSetIdAsync(ServerTopology topology, IMongoDatabase admin, CancellationToken ct)
    {
        try
        {
            var reply = await admin.RunCommandAsync<BsonDocument>(new BsonDocument("replSetGetConfig", 1), cancellationToken: ct);
            return topology with
            {
                ReplicaSetId = reply.TryGetValue("config", out var config) && config is BsonDocument c && c.TryGetValue("settings", out var settings)
                    && settings is BsonDocument s && s.TryGetValue("replicaSetId", out var id) && id.IsObjectId ? id.AsObjectId.ToString() : null,
            };
        }
        catch (MongoCommandException e)
        {
            return topology with { ReplicaSetIdRefused = e.Code == UnauthorizedCode };
        }
    }

    private const int UnauthorizedCode = 13;
}
