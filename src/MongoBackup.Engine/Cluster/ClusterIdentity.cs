using MongoBackup.Engine.Connection;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// Which cluster a mongos fronts: config.version's clusterId, an ObjectId the config server makes once, when it first
/// becomes primary, and keeps for the cluster's life (MongoDB's s/catalog/type_config_version.cpp: the one document
/// {_id: 1, clusterId}; sh.status() shows it as "sharding version"). Two clusters whose shards have the same names
/// (a staging and a production cluster) still have different ids; a cluster restored from its config server's backup keeps its id.
/// </summary>
internal static class ClusterIdentity
{
    private const int Unauthorized = 13;

    /// <summary>The clusterId as 24 hex digits; null when config.version holds none or the user may not read it.</summary>
    /// <exception cref="MongoBackupException">The connection's translated failures.</exception>
    public static async Task<string?> ReadAsync(IMongoClient mongos, CancellationToken ct)
    {
        var version = mongos.GetDatabase("config").GetCollection<BsonDocument>("version");
        try
        {
            using var cursor = await version.FindAsync(new BsonDocument("_id", 1), new FindOptions<BsonDocument> { Limit = 1 }, ct);
            var document = await cursor.FirstOrDefaultAsync(ct);
            return document?.GetValue("clusterId", BsonNull.Value) is BsonObjectId id ? id.Value.ToString() : null;
        }
        catch (MongoCommandException e) when (e.Code == Unauthorized)
        {
            // A role without find on the config database: the shards' own entries still tie the chain (ClusterChainContinuity).
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException && DriverErrors.Describe(e, mongos) is { } described)
        {
            throw described;
        }
    }
}
