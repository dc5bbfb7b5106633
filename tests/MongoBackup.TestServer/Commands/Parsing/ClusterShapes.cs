using static MongoBackup.TestServer.Commands.CommandShapes;
using static MongoBackup.TestServer.Commands.FieldRule;

namespace MongoBackup.TestServer.Commands;

/// <summary>
/// The shapes of the sharding commands the test cluster's mongos serves, as the named IDL file in mongodb/mongo
/// declares them (src/mongo/...). The commands a mongos parses by hand are listed in <see cref="UnshapedCommands"/>.
/// </summary>
internal static class ClusterShapes
{
    public static readonly Dictionary<string, CommandShape> All = new(StringComparer.Ordinal)
    {
        // s/request_types/shard_collection.idl ShardCollection (not strict). Initial chunks, hashed zone pre-splitting,
        // time-series sharding and a shard key index left uncreated are not served: the collection starts as one chunk
        // on its primary shard.
        ["shardCollection"] = Lenient("s/request_types/shard_collection.idl", Text,
            ("key", Document.Required()), ("unique", Bool), ("numInitialChunks", SafeInt64.NotServedWhenTrue()),
            ("presplitHashedZones", Bool.NotServedWhenTrue()), ("collation", Document), ("timeseries", Document.NotServed()),
            ("implicitlyCreateIndex", Bool.NotServedWhenFalse()), ("enforceUniquenessCheck", Bool.NotServedWhenFalse())),
        ["refineCollectionShardKey"] = Lenient("s/request_types/refine_collection_shard_key.idl", Text, ("key", Document.Required())),
        ["addShardToZone"] = Shape("s/request_types/add_shard_to_zone.idl", ("zone", Text.Required())),
        ["removeShardFromZone"] = Shape("s/request_types/remove_shard_from_zone.idl", ("zone", Text.Required())),
        // zone is a string, or null to remove the range (StringOrNull, parsed by update_zone_key_range_serialization.cpp).
        ["updateZoneKeyRange"] = Shape("s/request_types/update_zone_key_range.idl",
            ("min", Document.Required()), ("max", Document.Required()), ("zone", Any.Required())),
    };
}
