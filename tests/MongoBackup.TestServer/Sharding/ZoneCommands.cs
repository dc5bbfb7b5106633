using MongoBackup.TestServer.Commands;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sharding;

/// <summary>
/// Zones through mongos, as metadata: addShardToZone and removeShardFromZone keep a shard's zones in its config.shards
/// "tags" array; updateZoneKeyRange {ns, min, max, zone} adds a config.tags document {ns, tag, min, max} (TagsType, no
/// _id of its own) or, with zone: null, removes the one with exactly those bounds. A zone no shard has fails with
/// ZoneNotFound (177), a range overlapping another with RangeOverlapConflict (178), removing the last shard of a zone that has ranges with ZoneStillInUse (163) (codes: error_codes.yml). This balancer never acts on zones
/// (it never moves chunks by itself).
/// </summary>
internal sealed class ZoneCommands(ClusterRouter router) : ICommandGroup
{
    public void Register(CommandTable table)
    {
        table.Add("addShardToZone", c => ShardZone(c, "$addToSet"));
        table.Add("removeShardFromZone", c => ShardZone(c, "$pull"));
        table.Add("updateZoneKeyRange", UpdateZoneKeyRange);
    }

    private BsonDocument ShardZone(CommandContext context, string change)
    {
        MongosShardingCommands.RequireAdmin(context);
        var shard = router.Shard(context.CommandValue.AsString);
        var zone = context.Body.GetValue("zone", BsonNull.Value) is { IsString: true } named ? named.AsString
            : throw CommandFailure.TypeMismatch("BSON field 'zone' is missing or not a string");
        if (change == "$pull" && router.Catalog.FindOne("tags", new BsonDocument("tag", zone)) != null &&
            router.Catalog.Find("shards", new BsonDocument("tags", zone)).Count == 1)
            throw new CommandFailure(163, "ZoneStillInUse", $"zone {zone} is still in use: it has ranges and no other shard");
        router.Catalog.Update("shards", new BsonDocument("_id", shard.Name), new BsonDocument(change, new BsonDocument("tags", zone)));
        return new BsonDocument();
    }

    private BsonDocument UpdateZoneKeyRange(CommandContext context)
    {
        MongosShardingCommands.RequireAdmin(context);
        var ns = context.CommandValue.AsString;
        var min = context.DocumentArgument("min");
        var max = context.DocumentArgument("max");
        if (!min.Names.SequenceEqual(max.Names) || ShardKeyPattern.Compare(min, max) >= 0)
            throw CommandFailure.BadValue($"invalid zone range [{min.ToJson()}, {max.ToJson()}): min and max need the same fields and min < max");
        var zone = context.Body.GetValue("zone", BsonNull.Value);
        if (zone.IsBsonNull)
        {
            router.Catalog.Delete("tags", new BsonDocument { { "ns", ns }, { "min", min }, { "max", max } });
            return new BsonDocument();
        }
        if (router.Catalog.Find("shards", new BsonDocument("tags", zone)).Count == 0)
            throw new CommandFailure(177, "ZoneNotFound", $"zone {zone.AsString} does not exist");
        foreach (var other in router.Catalog.Find("tags", new BsonDocument("ns", ns)))
        {
            var sameRange = other["min"].Equals(min) && other["max"].Equals(max);
            var overlaps = ShardKeyPattern.Compare(min, other["max"].AsBsonDocument) < 0 && ShardKeyPattern.Compare(other["min"].AsBsonDocument, max) < 0;
            if (sameRange && other["tag"].Equals(zone)) return new BsonDocument();
            if (overlaps)
                throw new CommandFailure(178, "RangeOverlapConflict",
                    $"Zone range: [{min.ToJson()}, {max.ToJson()}) is overlapping with existing: [{other["min"].ToJson()}, {other["max"].ToJson()}) for zone {other["tag"]}");
        }
        router.Catalog.Insert("tags", new BsonDocument { { "ns", ns }, { "tag", zone }, { "min", min }, { "max", max } });
        return new BsonDocument();
    }
}
