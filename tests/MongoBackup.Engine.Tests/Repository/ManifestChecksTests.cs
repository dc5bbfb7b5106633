using MongoDB.Bson;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Housekeeping;
using MongoBackup.Engine.Tests.Model;

namespace MongoBackup.Engine.Tests.Repository;

/// <summary>What a manifest must say of itself: files bound to the namespaces it lists, an oplog range that holds together.</summary>
public sealed class ManifestChecksTests
{
    private static SnapshotManifest Full()
    {
        var manifest = SnapshotManifestTests.Sample();
        manifest.Integrity = SnapshotManifest.CurrentIntegrity;
        manifest.OplogEntries = 12;
        manifest.ConsistentAt = manifest.ConsistentAt! with { WallTime = manifest.OplogEnd!.Value.WallTime };
        manifest.Files = ManifestBinding.Bind(manifest.Files, manifest.Namespaces, Compression.Gzip);
        return manifest;
    }

    private static SnapshotManifest Slice()
    {
        var slice = SnapshotHistory.Slice("s1", 100, 200);
        slice.OplogEntries = 5;
        slice.PointInTimeConsistent = true;
        slice.ConsistentAt = new ConsistencyPoint(slice.OplogEnd!.Value, slice.OplogEnd.Value.WallTime);
        slice.Files = [new ManifestFile("oplog.bson", 10, new string('a', 64), ManifestFileKind.Oplog)];
        return slice;
    }

    [Fact]
    public void A_backup_s_manifest_holds_together()
    {
        Assert.Empty(ManifestChecks.Problems(Full()));
        Assert.Empty(ManifestChecks.Problems(Slice()));
        Assert.Equal("shop.orders", Full().Files[0].Namespace);
    }

    [Fact]
    public void A_file_bound_to_another_namespace_or_to_none_is_named()
    {
        var manifest = Full();
        manifest.Files[0] = manifest.Files[0] with { Namespace = "shop.customers" };
        manifest.Files.Add(new ManifestFile("shop/stray.bson.gz", 1, new string('d', 64), ManifestFileKind.Data));

        var problems = ManifestChecks.Problems(manifest);

        Assert.Contains(problems, p => p.Contains("binds 'shop/orders.bson.gz' to shop.customers, a namespace it does not list"));
        Assert.Contains(problems, p => p.Contains("'shop/stray.bson.gz', which belongs to none of its namespaces"));
        Assert.Contains(problems, p => p.Contains("records the collection shop.orders but lists no data file for it ('shop/orders.bson.gz', holding its 1,200 documents)"));
    }

    [Fact]
    public void A_role_that_does_not_match_the_file_name_is_named()
    {
        var manifest = Full();
        manifest.Files[1] = manifest.Files[1] with { Kind = ManifestFileKind.Data };

        Assert.Contains(ManifestChecks.Problems(manifest), p => p.Contains("records 'shop/orders.metadata.json.gz' as a data file, but its name makes it a metadata file"));
    }

    [Fact]
    public void A_consistency_point_moved_away_from_the_oplog_end_or_its_own_second_is_named()
    {
        var moved = Full();
        moved.ConsistentAt = moved.ConsistentAt! with { Timestamp = new OplogTimestamp(1600000000, 1) };
        Assert.Contains(ManifestChecks.Problems(moved), p => p.Contains("its saved oplog ends at"));

        var wall = Full();
        wall.ConsistentAt = wall.ConsistentAt! with { WallTime = wall.ConsistentAt.WallTime.AddYears(-5) };
        Assert.Contains(ManifestChecks.Problems(wall), p => p.Contains("days apart"));
    }

    [Fact]
    public void A_slice_that_does_not_start_after_the_end_it_continues_is_named()
    {
        var slice = Slice();
        slice.PreviousSliceEnd = new OplogTimestamp(150, 0);
        slice.OplogStart = new OplogTimestamp(120, 0);

        Assert.Contains(ManifestChecks.Problems(slice), p => p.Contains("not after the end it continues"));
    }

    private static byte[] Entry(OplogTimestamp ts, DateTimeOffset wall) => new MongoDB.Bson.BsonDocument
    {
        { "ts", ts.ToBsonTimestamp() }, { "op", "n" }, { "ns", "" }, { "o", new MongoDB.Bson.BsonDocument() }, { "wall", wall.UtcDateTime },
    }.ToBson();

    [Fact]
    public void A_full_snapshot_copied_from_its_start_inclusively_or_just_after_it_both_hold_together()
    {
        var at = new OplogTimestamp(1795558590, 7);
        var wall = at.WallTime.AddMilliseconds(250);
        // Copied inclusively from where it started, nothing written meanwhile: one entry, start and end the same.
        var inclusive = Full();
        (inclusive.OplogStart, inclusive.OplogEnd, inclusive.OplogEntries, inclusive.ConsistentAt) = (at, at, 1, new ConsistencyPoint(at, wall));
        Assert.Empty(ManifestChecks.Problems(inclusive));
        var check = new OplogFileCheck(inclusive, "oplog.bson");
        check.Observe(Entry(at, wall));
        Assert.Empty(check.Problems());

        // An older snapshot copied after its start: the entries begin later.
        var after = Full();
        (after.OplogStart, after.OplogEnd, after.OplogEntries, after.ConsistentAt) = (new OplogTimestamp(1795558500, 1), at, 1, new ConsistencyPoint(at, wall));
        var older = new OplogFileCheck(after, "oplog.bson");
        older.Observe(Entry(at, wall));
        Assert.Empty(older.Problems());

        // Entries from before the recorded start, or a last one that is not the consistency point, are named.
        var moved = new OplogFileCheck(inclusive, "oplog.bson");
        moved.Observe(Entry(new OplogTimestamp(1795558580, 1), wall));
        moved.Observe(Entry(new OplogTimestamp(1795558600, 1), wall));
        var problems = moved.Problems();
        Assert.Contains(problems, p => p.Contains("holds 2 oplog entries; its manifest records 1"));
        Assert.Contains(problems, p => p.Contains("starts at Timestamp(1795558580, 1)"));
        Assert.Contains(problems, p => p.Contains("ends at Timestamp(1795558600, 1), but its manifest records the oplog ending at Timestamp(1795558590, 7)"));
    }
}
