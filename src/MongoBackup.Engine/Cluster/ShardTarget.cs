using MongoBackup.Engine.Connection;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Cluster;

/// <summary>One shard of a cluster as config.shards names it, and how this machine connects to its replica set.</summary>
/// <param name="Name">The shard's id (config.shards _id), e.g. "shard0".</param>
/// <param name="ReplicaSetName">Its replica set, from the "rs/host:port,..." form of config.shards host.</param>
/// <param name="Hosts">The members connected to: as config.shards lists them, or the one member the host map renames.</param>
/// <param name="Connection">The mongos connection's credentials, TLS and options, pointed at those members.</param>
internal sealed record ShardTarget(string Name, string ReplicaSetName, IReadOnlyList<string> Hosts, ConnectionSettings Connection)
{
    /// <summary>The member, as config.shards names it, that -ShardHostMap renamed to <see cref="Hosts"/>; null when none was.</summary>
    public string? MappedFrom { get; init; }

    /// <summary>How the shard is reached, for messages: its members, and the -ShardHostMap entry that chose them.</summary>
    public string Reached => MappedFrom is null ? string.Join(",", Hosts) : $"{Hosts[0]} (-ShardHostMap maps '{MappedFrom}' to it)";

    /// <summary>
    /// The shards of the cluster behind <paramref name="mongos"/> (listShards, which reads config.shards), each reached
    /// with <paramref name="via"/>'s credentials and options, its members renamed by <paramref name="hostMap"/>.
    /// </summary>
    /// <exception cref="MongoBackupException">
    /// InvalidArgument when a host map key names no shard member, or a member it maps to answers as another replica set
    /// than the shard's; BackupFailed for a shard that is not a replica set (it has no oplog to cut); a shard that cannot
    /// be reached (ServerUnreachable, AuthenticationFailed) named with how it was reached. Every shard is asked before
    /// the caller writes anything.
    /// </exception>
    public static async Task<IReadOnlyList<ShardTarget>> ListAsync(IMongoClient mongos, ConnectionSettings via,
        IReadOnlyDictionary<string, string> hostMap, CancellationToken ct)
    {
        var reply = await DriverErrors.Translate(() => mongos.GetDatabase("admin")
            .RunCommandAsync<BsonDocument>(new BsonDocument("listShards", 1), cancellationToken: ct), mongos);
        var map = new Dictionary<string, string>(hostMap, StringComparer.OrdinalIgnoreCase);
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var shards = new List<ShardTarget>();
        foreach (var shard in reply["shards"].AsBsonArray.Select(s => s.AsBsonDocument))
        {
            var name = shard["_id"].AsString;
            var host = shard["host"].AsString;
            var slash = host.IndexOf('/');
            if (slash <= 0)
                throw new MongoBackupException(ErrorIds.BackupFailed,
                    $"Shard {name} ({host}) is not a replica set: it has no oplog, so the cluster cannot be cut at one moment.", target: name);
            var listed = host[(slash + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries);
            var mapped = listed.Where(map.ContainsKey).ToList();
            used.UnionWith(mapped);
            var renamed = mapped.Select(m => map[m]).ToList();
            // A replica set's members name each other as config.shards does, and the driver follows those names: a member
            // reached by another name is read directly, alone (as mongodump --host with directConnection).
            var members = renamed.Count > 0 ? renamed.Take(1).ToList() : listed.ToList();
            shards.Add(new ShardTarget(name, host[..slash], members,
                via with { ConnectionString = PointAt(via.ConnectionString, host[..slash], members, direct: renamed.Count > 0) })
            {
                MappedFrom = mapped.FirstOrDefault(),
            });
        }
        if (map.Keys.FirstOrDefault(k => !used.Contains(k)) is { } unknown)
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"-ShardHostMap names '{unknown}', which is no shard member of the cluster (config.shards lists: " +
                $"{string.Join(", ", reply["shards"].AsBsonArray.Select(s => s["host"].AsString))}).", target: "ShardHostMap");
        foreach (var shard in shards) await shard.RequireReachableAsync(ct);
        return shards;
    }

    /// <summary>
    /// The refusal when the server reached for this shard answers as replica set <paramref name="answered"/> (null: not a
    /// replica set member) rather than the shard's own: a wrong -ShardHostMap would otherwise back up another shard's data
    /// in this shard's place. Null when it is the shard's.
    /// </summary>
    public MongoBackupException? Mismatch(string? answered) =>
        answered == ReplicaSetName ? null : new MongoBackupException(ErrorIds.InvalidArgument,
            $"Shard {Name} is replica set '{ReplicaSetName}' (config.shards), but {Reached} answers as " +
            $"{(answered is null ? "a server that is no replica set member" : $"replica set '{answered}'")}" +
            (MappedFrom is null ? "." : $": correct the -ShardHostMap entry '{MappedFrom}' to a member of '{ReplicaSetName}'."),
            target: MappedFrom is null ? Name : "ShardHostMap");

    /// <summary>
    /// Connects to the shard's replica set to read it (a shard copy or a shard's part of a slice), asking the connection
    /// itself again that it is the shard's replica set (checked when the shards were listed). The caller owns the
    /// connection. <paramref name="notReplicaSet"/> is the error id when it answers as no replica set, and
    /// <paramref name="purpose"/> ends that message ("it has no oplog to ...").
    /// </summary>
    /// <exception cref="MongoBackupException"><paramref name="notReplicaSet"/>; InvalidArgument when it is another replica set than the shard's; the connection's translated failures.</exception>
    public async Task<(MongoConnection Connection, ServerTopology Topology)> OpenReplicaSetAsync(string notReplicaSet, string purpose, CancellationToken ct)
    {
        var connection = MongoConnection.Open(Connection);
        try
        {
            var topology = await ServerTopology.DiscoverAsync(connection.Client, ct);
            if (!topology.HasOplog)
                throw new MongoBackupException(notReplicaSet,
                    $"Shard {Name} ({Connection.DisplayName}) answered as a {topology.Kind}, not a replica set: it has no oplog to {purpose}.", target: Name);
            if (Mismatch(topology.ReplicaSetName) is { } elsewhere) throw elsewhere;
            return (connection, topology);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Asks the shard's members who they are (hello), before anything is written: reachable, and the shard's replica set.</summary>
    private async Task RequireReachableAsync(CancellationToken ct)
    {
        using var probe = MongoConnection.Open(Connection);
        BsonDocument hello;
        try
        {
            hello = await DriverErrors.Translate(() => probe.Client.GetDatabase("admin")
                .RunCommandAsync<BsonDocument>(new BsonDocument("hello", 1), cancellationToken: ct), probe.Client);
        }
        catch (MongoBackupException e) when (e.ErrorId is ErrorIds.ServerUnreachable or ErrorIds.AuthenticationFailed)
        {
            throw new MongoBackupException(e.ErrorId, $"Shard {Name} (replica set {ReplicaSetName}) at {Reached}: {e.Message}", e,
                MappedFrom is null ? Name : "ShardHostMap");
        }
        if (Mismatch(hello.TryGetValue("setName", out var setName) ? setName.AsString : null) is { } refused) throw refused;
    }

    /// <summary>
    /// The mongos connection string with its hosts replaced by a shard's members and its replicaSet set, or with one
    /// member alone (<paramref name="direct"/>) when it is reached by another name than the set's own.
    /// </summary>
    private static string PointAt(string connectionString, string replicaSet, IReadOnlyList<string> members, bool direct)
    {
        var url = new MongoUrlBuilder(ConnectionStringText.Normalize(connectionString))
        {
            Scheme = MongoDB.Driver.Core.Configuration.ConnectionStringScheme.MongoDB,
            Servers = members.Select(MongoServerAddress.Parse).ToList(),
            ReplicaSetName = direct ? null : replicaSet,
            DirectConnection = direct,
        };
        return url.ToString();
    }
}
