using System.Text.Json;
using MongoBackup.Engine.Repository;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Model;

public class SnapshotManifestTests
{
    internal static SnapshotManifest Sample(string id = "20261124T221500Z-full-3f9a") => new()
    {
        Id = id,
        Kind = SnapshotKind.Full,
        Status = SnapshotStatus.Complete,
        ToolVersion = "0.1.0",
        Source = new SnapshotSource { Topology = "ReplicaSet", ReplicaSetName = "rs0", ServerVersion = "7.0.14", Hosts = ["db1:27017", "db2:27017"] },
        StartTime = new DateTimeOffset(2026, 11, 24, 23, 15, 0, TimeSpan.FromHours(1)),
        EndTime = new DateTimeOffset(2026, 11, 24, 22, 16, 30, TimeSpan.Zero),
        ConsistentAt = new ConsistencyPoint(new OplogTimestamp(1795558590, 7), new DateTimeOffset(2026, 11, 24, 22, 16, 30, TimeSpan.Zero)),
        PointInTimeConsistent = true,
        OplogStart = new OplogTimestamp(1795558500, 1),
        OplogEnd = new OplogTimestamp(1795558590, 7),
        Namespaces = [new ManifestNamespace("shop", "orders", "collection", 1200, 345_678)],
        Files =
        [
            new ManifestFile("shop/orders.bson.gz", 120_000, new string('a', 64), ManifestFileKind.Data),
            new ManifestFile("shop/orders.metadata.json.gz", 200, new string('b', 64), ManifestFileKind.Metadata),
            new ManifestFile("oplog.bson.gz", 900, new string('c', 64), ManifestFileKind.Oplog),
        ],
        Compression = Compression.Gzip,
        Tags = new() { ["env"] = "prod", ["ticket"] = "CHG-42" },
    };

    [Fact]
    public void A_namespace_listed_twice_is_a_damaged_manifest_named()
    {
        var manifest = Sample();
        manifest.Namespaces.Add(manifest.Namespaces[0] with { Documents = 1 });
        var error = Assert.Throws<InvalidDataException>(() => SnapshotManifest.Deserialize(manifest.Serialize(), "x/manifest.json"));
        Assert.Equal("Manifest 'x/manifest.json' is damaged: the namespace shop.orders is listed twice.", error.Message);
    }

    [Fact]
    public void A_scope_list_whose_name_damage_changed_is_a_damaged_manifest_named_not_a_crash()
    {
        // The dump fuzz test's case: bit flips turned "excludeCollections" into "exsludeCollectkons"; the scope was read
        // with that list null, and the restore crashed (NullReferenceException) describing the scope.
        var manifest = Sample();
        manifest.Scope = new SnapshotScope { Databases = ["shop"] };
        var damaged = manifest.Serialize().Replace("\"excludeCollections\"", "\"exsludeCollectkons\"", StringComparison.Ordinal);
        Assert.Contains("exsludeCollectkons", damaged);

        var error = Assert.Throws<InvalidDataException>(() => SnapshotManifest.Deserialize(damaged, "x/manifest.json"));

        Assert.Equal("Manifest 'x/manifest.json' is damaged: its scope has no list of excludeCollections.", error.Message);
    }

    [Fact]
    public void A_manifest_survives_a_round_trip_unchanged()
    {
        var manifest = Sample();
        var back = SnapshotManifest.Deserialize(manifest.Serialize(), "manifest.json");
        Assert.Equal(manifest.Serialize(), back.Serialize());
        Assert.Equal(manifest.ConsistentAt, back.ConsistentAt);
        Assert.Equal(manifest.Files, back.Files);
        Assert.Equal(manifest.Namespaces, back.Namespaces);
        Assert.Equal(manifest.StartTime, back.StartTime);
        Assert.Equal("prod", back.Tags["env"]);
    }

    [Fact]
    public void The_json_is_camel_case_indented_utc_with_timestamps_as_t_and_i()
    {
        var json = Sample().Serialize();
        using var parsed = JsonDocument.Parse(json);
        var root = parsed.RootElement;
        Assert.Contains("\n  \"id\": ", json);
        Assert.Equal("full", root.GetProperty("kind").GetString());
        Assert.Equal("complete", root.GetProperty("status").GetString());
        Assert.Equal("gzip", root.GetProperty("compression").GetString());
        Assert.Equal("2026-11-24T22:15:00+00:00", root.GetProperty("startTime").GetString());
        Assert.Equal(1795558590u, root.GetProperty("oplogEnd").GetProperty("t").GetUInt32());
        Assert.Equal(7u, root.GetProperty("consistentAt").GetProperty("timestamp").GetProperty("i").GetUInt32());
        Assert.Equal("data", root.GetProperty("files")[0].GetProperty("kind").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("encryption").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("previousSliceEnd").ValueKind);
        Assert.Equal("rs0", root.GetProperty("source").GetProperty("replicaSetName").GetString());
    }

    [Fact]
    public void Every_enum_a_manifest_holds_is_written_as_its_camel_case_name()
    {
        // Every enum reachable from the manifest, including those only some manifests set (compressionLevel): a change to
        // the options' converters (e.g. one per enum, tried for issue 19) must not write any of them as a number, which
        // would change manifests and what their seals cover unseen.
        var enums = EnumsReachableFrom(typeof(SnapshotManifest));
        Assert.Contains(typeof(System.IO.Compression.CompressionLevel), enums);
        foreach (var type in enums)
            foreach (var value in Enum.GetValues(type))
            {
                var json = JsonSerializer.Serialize(value, type, SnapshotManifest.JsonOptions);
                var name = value.ToString()!;
                Assert.Equal($"\"{char.ToLowerInvariant(name[0])}{name[1..]}\"", json);
                Assert.Equal(value, JsonSerializer.Deserialize(json, type, SnapshotManifest.JsonOptions));
            }

        var manifest = Sample();
        manifest.CompressionLevel = System.IO.Compression.CompressionLevel.SmallestSize;
        Assert.Contains("\"compressionLevel\": \"smallestSize\"", manifest.Serialize());
        Assert.Equal(manifest.Serialize(), SnapshotManifest.Deserialize(manifest.Serialize(), "manifest.json").Serialize());
    }

    private static HashSet<Type> EnumsReachableFrom(Type root)
    {
        var seen = new HashSet<Type>();
        var enums = new HashSet<Type>();
        var pending = new Stack<Type>([root]);
        while (pending.TryPop(out var type))
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (!seen.Add(type)) continue;
            if (type.IsEnum) { enums.Add(type); continue; }
            if (type.IsGenericType) foreach (var argument in type.GetGenericArguments()) pending.Push(argument);
            if (type.Namespace?.StartsWith("MongoBackup.", StringComparison.Ordinal) != true) continue;
            foreach (var property in type.GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance))
                pending.Push(property.PropertyType);
        }
        return enums;
    }

    [Theory]
    [InlineData("", "not valid")]
    [InlineData("{not json", "not valid")]
    [InlineData("null", "empty")]
    [InlineData("{\"id\":\"\"}", "no snapshot id")]
    [InlineData("{\"id\":\"x\",\"formatVersion\":99}", "format version 99")]
    [InlineData("{\"id\":\"x\",\"kind\":\"weekly\"}", "not valid")]
    public void A_bad_manifest_fails_naming_the_file(string json, string reason)
    {
        var error = Assert.Throws<InvalidDataException>(() => SnapshotManifest.Deserialize(json, "/repo/snap/manifest.json"));
        Assert.Contains("/repo/snap/manifest.json", error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Oplog_timestamps_order_by_seconds_then_increment_and_convert_to_bson()
    {
        var a = new OplogTimestamp(100, 5);
        var b = new OplogTimestamp(100, 6);
        var c = new OplogTimestamp(101, 0);
        Assert.True(a < b && b < c && c > a && a <= a);
        Assert.Equal([a, b, c], new[] { c, a, b }.Order());

        BsonTimestamp bson = new OplogTimestamp(uint.MaxValue, 3);
        Assert.Equal(uint.MaxValue, (uint)bson.Timestamp);
        Assert.Equal(new OplogTimestamp(uint.MaxValue, 3), (OplogTimestamp)bson);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(100), a.WallTime);
    }

    [Fact]
    public void Snapshot_ids_sort_by_start_time_and_do_not_collide()
    {
        var early = SnapshotIds.NewId(new DateTimeOffset(2026, 11, 24, 22, 15, 0, TimeSpan.Zero), "Full");
        var late = SnapshotIds.NewId(new DateTimeOffset(2026, 11, 24, 23, 0, 0, TimeSpan.FromHours(1)).AddSeconds(1), "oplog");
        Assert.Matches(@"^20261124T221500Z-full-[0-9a-f]{4}$", early);
        Assert.StartsWith("20261124T220001Z-oplog-", late);
        Assert.True(string.CompareOrdinal(late, early) < 0);
        var many = Enumerable.Range(0, 50).Select(_ => SnapshotIds.NewId(DateTimeOffset.UnixEpoch, "full")).Distinct().Count();
        Assert.True(many > 40, "random suffixes keep ids apart");
    }
}
