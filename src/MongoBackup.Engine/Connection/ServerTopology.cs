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

    /// <summary>A mongos (hello msg "isdbgrid"): refused with ShardedClusterNotSupported, except where a command takes a cluster (a full backup, an oplog slice, a backup policy, the restore of a cluster's snapshots).</summary>
    Sharded,
}

/// <summary>What the connection reaches: recorded in every manifest (never with a credential).</summary>
public sealed record ServerTopology(TopologyKind Kind, string? ReplicaSetName, string ServerVersion, IReadOnlyList<string> Hosts)
{
    /// <summary>
    /// True for a replica set member: only those keep local.oplog.rs, so only they can have slices and point-in-time snapshots.
    /// </summary>
    public bool HasOplog => Kind == TopologyKind.ReplicaSet;

    /// <summary>What a new snapshot of this server records as its source: kind, replica set, version and hosts.</summary>
    public SnapshotSource ToSnapshotSource() => new()
    {
        Topology = Kind.ToString(), ReplicaSetName = ReplicaSetName, ServerVersion = ServerVersion, Hosts = Hosts.ToList(),
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
        var hello = await DriverErrors.Translate(() => admin.RunCommandAsync<BsonDocument>(new BsonDocument("hello", 1), cancellationToken: ct), client);
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
            ? new ServerTopology(TopologyKind.ReplicaSet, setName.AsString, version, hosts)
            : new ServerTopology(TopologyKind.Standalone, null, version, hosts);
    }
}
