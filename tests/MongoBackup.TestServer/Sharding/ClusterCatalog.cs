using MongoDB.Bson;

namespace MongoBackup.TestServer.Sharding;

/// <summary>
/// The cluster's metadata in the config server's config database, in the forms MongoDB 7.0 stores them
/// (s/catalog/type_shard.h, type_database.idl, type_collection.idl, type_chunk.h): config.shards {_id, host
/// "set/host:port", state: 1, topologyTime}; config.databases {_id, primary, version: {uuid, timestamp, lastMod}};
/// config.collections {_id: ns, lastmodEpoch, lastmod, timestamp, uuid, key, unique, noBalance}; config.chunks {_id,
/// uuid, min, max, shard, lastmod: Timestamp(major, minor), onCurrentShardSince, history: [{validAfter, shard}]} (since 5.0
/// chunks name their collection by uuid, not ns); config.settings {_id: "balancer", mode, stopped}. Written with ordinary
/// commands on the config server, so its oplog holds them as the real one does.
/// </summary>
internal sealed class ClusterCatalog
{
    private readonly ClusterMember _config;
    private readonly Func<BsonTimestamp> _clusterTime;

    public ClusterCatalog(ClusterMember config, Func<BsonTimestamp> clusterTime)
    {
        _config = config;
        _clusterTime = clusterTime;
    }

    public List<BsonDocument> Find(string collection, BsonDocument filter, BsonDocument? sort = null)
    {
        var find = new BsonDocument { { "find", collection }, { "filter", filter } };
        if (sort != null) find.Add("sort", sort);
        return _config.Drain("config", find, new BsonDocument(), _clusterTime());
    }

    public BsonDocument? FindOne(string collection, BsonDocument filter) => Find(collection, filter).FirstOrDefault();

    public void Insert(string collection, params BsonDocument[] documents) =>
        CheckWrite(_config.RunChecked("config", new BsonDocument { { "insert", collection }, { "documents", new BsonArray(documents) } }, _clusterTime()));

    public void Update(string collection, BsonDocument filter, BsonDocument update, bool upsert = false, bool multi = false) =>
        CheckWrite(_config.RunChecked("config", new BsonDocument
        {
            { "update", collection },
            { "updates", new BsonArray { new BsonDocument { { "q", filter }, { "u", update }, { "upsert", upsert }, { "multi", multi } } } },
        }, _clusterTime()));

    public void Delete(string collection, BsonDocument filter) =>
        CheckWrite(_config.RunChecked("config", new BsonDocument
        {
            { "delete", collection }, { "deletes", new BsonArray { new BsonDocument { { "q", filter }, { "limit", 0 } } } },
        }, _clusterTime()));

    public List<BsonDocument> Shards() => Find("shards", new BsonDocument(), new BsonDocument("_id", 1));

    public BsonDocument? Database(string name) => FindOne("databases", new BsonDocument("_id", name));

    public BsonDocument? Collection(string ns) => FindOne("collections", new BsonDocument("_id", ns));

    public List<BsonDocument> Chunks(BsonValue uuid) => Find("chunks", new BsonDocument("uuid", uuid), new BsonDocument("min", 1));

    /// <summary>
    /// A new database entry whose primary is <paramref name="primary"/>. One whose name differs only in case from a
    /// database the cluster has is refused, DatabaseDifferCase (13297), as the config server refuses it
    /// (src/mongo/db/s/config/sharding_catalog_manager_database_operations.cpp, checkAgainstExistingDbDoc, which finds
    /// the existing entry by a case-insensitive match of _id).
    /// </summary>
    public BsonDocument AddDatabase(string name, string primary)
    {
        if (Find("databases", new BsonDocument()).Select(d => d["_id"].AsString).FirstOrDefault(d => Storage.Catalog.DifferOnlyInCase(d, name)) is { } held)
            throw CommandFailure.DatabaseDifferCase($"can't have 2 databases that just differ on case  have: {held} want to add: {name}");
        var entry = new BsonDocument
        {
            { "_id", name }, { "primary", primary },
            { "version", new BsonDocument { { "uuid", new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard) }, { "timestamp", _clusterTime() }, { "lastMod", 1 } } },
        };
        Insert("databases", entry);
        return entry;
    }

    /// <summary>
    /// config.version {_id: 1, clusterId: ObjectId}: the cluster's identity, made once when the config server first
    /// becomes primary and kept for the cluster's life (MongoDB 7.0 s/catalog/type_config_version.cpp, VersionType::toBSON
    /// writes only _id and clusterId; sh.status() shows it under "sharding version").
    /// </summary>
    public void InitializeVersion() =>
        Insert("version", new BsonDocument { { "_id", 1 }, { "clusterId", ObjectId.GenerateNewId() } });

    /// <summary>The balancer's mode: "full" unless config.settings says it was stopped.</summary>
    public string BalancerMode() =>
        FindOne("settings", new BsonDocument("_id", "balancer")) is { } settings && settings.GetValue("mode", "full").AsString == "off" ? "off" : "full";

    /// <summary>balancerStop / balancerStart: BalancerConfiguration::setBalancerMode upserts {mode, stopped}.</summary>
    public void SetBalancerMode(string mode) =>
        Update("settings", new BsonDocument("_id", "balancer"),
            new BsonDocument("$set", new BsonDocument { { "mode", mode }, { "stopped", mode == "off" } }), upsert: true);

    private static void CheckWrite(BsonDocument reply)
    {
        if (reply.GetValue("writeErrors", null) is BsonArray { Count: > 0 } errors)
            throw ClusterMember.Failure(errors[0].AsBsonDocument.Add("ok", 0));
    }
}
