namespace MongoBackup.Engine.Model;

/// <summary>
/// What a snapshot (full, or an oplog slice) of a sharded cluster adds to its manifest (<see cref="SnapshotManifest.Cluster"/>): the one cluster time
/// every shard's saved oplog reaches, and per shard the folder (a mongodump layout of its own) and oplog range. The
/// manifest's files list every shard's files under their folders; its own namespace list stays empty, each shard's is here.
/// </summary>
public sealed class ClusterSection
{
    /// <summary>T: the cut. Every shard's oplog was saved up to and including it, and no further.</summary>
    public ConsistencyPoint ClusterTime { get; set; } = new(new OplogTimestamp(0, 0), DateTimeOffset.UnixEpoch);

    /// <summary>
    /// The cluster's identity: config.version's clusterId (24 hex digits), which the config server makes once and keeps for
    /// the cluster's life. A slice continues a chain only from a snapshot of the same cluster. Null in manifests written
    /// before it was recorded, and where the cluster's config.version could not be read.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? ClusterId { get; set; }

    /// <summary>The shards, in config.shards order.</summary>
    public List<ShardSection> Shards { get; set; } = [];

    /// <summary>The folder holding the config server's cluster metadata (config.databases, collections, chunks, shards, tags) as BSON files; empty in an oplog slice, which holds none.</summary>
    public string MetadataFolder { get; set; } = "";

    /// <summary>
    /// With -IncludeUsersAndRoles, the cluster's users and roles (admin.system.users, system.roles and the auth schema's
    /// system.version, read through mongos from the config servers, where a cluster keeps them), saved in the metadata
    /// folder as a mongodump layout of admin; empty without.
    /// </summary>
    public List<ManifestNamespace> UsersAndRoles { get; set; } = [];

    /// <summary>
    /// admin's own collections (admin.appdata and the like: not its auth or key collections), which a cluster keeps on its
    /// config servers: read through mongos once every shard had passed the cut, with every database or -Database admin,
    /// and saved in the metadata folder as a mongodump layout of admin, beside the users and roles. They are as the config
    /// servers held them when read, after the cut, not at it: the config servers' oplog is not saved, so no slice or
    /// point-in-time restore carries their later changes. Empty when none were taken, and in manifests written before
    /// they were.
    /// </summary>
    public List<ManifestNamespace> AdminCollections { get; set; } = [];
}

/// <summary>
/// One shard of a cluster snapshot (a full snapshot or an oplog slice): its name (config.shards _id), the folder its files sit in, the replica set it was read
/// from, its oplog range (from where its copy started to its last entry at or before the cut) and what it holds.
/// </summary>
public sealed class ShardSection
{
    /// <summary>The shard's id, config.shards _id.</summary>
    public string Name { get; set; } = "";
    /// <summary>The folder under the snapshot, '/'-free: a stock mongorestore --dir=SNAPSHOT/FOLDER --oplogReplay restores this shard alone.</summary>
    public string Folder { get; set; } = "";
    /// <summary>The shard's replica set, as its members named it.</summary>
    public string? ReplicaSetName { get; set; }
    /// <summary>host:port of the members, never with credentials.</summary>
    public List<string> Hosts { get; set; } = [];
    /// <summary>Where the shard's oplog copy started (as <see cref="SnapshotManifest.OplogStart"/> of a replica-set snapshot).</summary>
    public OplogTimestamp? OplogStart { get; set; }
    /// <summary>The last entry the shard's oplog file holds: at or before the cluster's cut, or the last of its <see cref="LateCommits"/>.</summary>
    public OplogTimestamp? OplogEnd { get; set; }
    /// <summary>How many entries the shard's oplog file holds.</summary>
    public long OplogEntries { get; set; }
    /// <summary>
    /// How many of those entries come after the cut: each the commitTransaction entry of a transaction the shard prepared
    /// at or before the cut and committed at a commitTimestamp at or before it (part of the cluster at the cut, its commit
    /// entry written later), saved after the entries up to the cut.
    /// </summary>
    public long LateCommits { get; set; }
    /// <summary>The shard's own consistency point: its last saved entry (see <see cref="OplogEnd"/>), with its wall time.</summary>
    public ConsistencyPoint? ConsistentAt { get; set; }
    /// <summary>
    /// The shard's newest oplog entry at or before the cluster's cut, with its wall time to the millisecond, whether or not
    /// this snapshot saved it (an idle shard's may be older than the snapshot): the entry of this shard the chain ends at,
    /// which the shard's oplog must hold when a later slice reads it from before that entry. Null in manifests written before it was recorded.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public ConsistencyPoint? LastEntryAtCut { get; set; }
    /// <summary>
    /// For a cluster oplog slice: the cut of the cluster snapshot this shard's part continues (its entries come after it).
    /// With no entry in the slice, <see cref="OplogEnd"/> and <see cref="ConsistentAt"/> are this point.
    /// </summary>
    public OplogTimestamp? PreviousSliceEnd { get; set; }
    /// <summary>For a cluster oplog slice: the span of this shard's oplog lost because it rolled past <see cref="PreviousSliceEnd"/>, or null.</summary>
    public OplogGap? Gap { get; set; }
    /// <summary>The shard's namespaces: its part of each collection (documents and raw BSON bytes).</summary>
    public List<ManifestNamespace> Namespaces { get; set; } = [];
}
