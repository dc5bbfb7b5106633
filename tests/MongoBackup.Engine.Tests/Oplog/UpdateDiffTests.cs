using MongoBackup.Engine.Oplog.Replay;
using MongoBackup.Tests;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;

namespace MongoBackup.Engine.Tests.Oplog;

/// <summary>
/// The "$v: 2" update deltas applied by the engine itself (a replay through mongos has no applyOps): the sections of
/// document_diff_serialization.h and document_diff_applier.cpp one by one, and the 800+ deltas a real MongoDB wrote for time-series buckets
/// (mongo-tools' ts_dump_with_oplog) applied to the dumped buckets, which must come out whole.
/// </summary>
public sealed class UpdateDiffTests
{
    private static BsonDocument Doc(string json) => BsonDocument.Parse(json);

    [Fact]
    public void Deletes_updates_in_place_and_inserts_at_the_end()
    {
        var after = UpdateDiff.Apply(Doc("{_id: 1, a: 1, b: 2, c: 3}"), Doc("{d: {a: false}, u: {b: 20, z: 9}, i: {c: 30, n: 1}}"));
        // b stays in place; z (updated but absent) and then the inserts come last; c, inserted, moves to the end.
        Assert.Equal(Doc("{_id: 1, b: 20, z: 9, c: 30, n: 1}").ToJson(), after.ToJson());
    }

    [Fact]
    public void Nested_diffs_reach_sub_documents_and_arrays_with_resizes_and_padding()
    {
        var before = Doc("{_id: 1, s: {x: 1, y: {k: 1}}, arr: [1, 2, 3, 4], grow: [1]}");
        var diff = Doc("{ss: {u: {x: 2}, sy: {i: {j: 2}}}, sarr: {a: true, l: 2, u1: 'two'}, sgrow: {a: true, u3: 4}}");
        Assert.Equal(Doc("{_id: 1, s: {x: 2, y: {k: 1, j: 2}}, arr: [1, 'two'], grow: [1, null, null, 4]}").ToJson(), UpdateDiff.Apply(before, diff).ToJson());
    }

    [Fact]
    public void A_nested_diff_on_a_value_now_of_another_kind_gives_null_and_on_an_absent_field_nothing_as_the_server_does()
    {
        var after = UpdateDiff.Apply(Doc("{_id: 1, s: 5, arr: [{a: 1}, 2]}"),
            Doc("{ss: {u: {x: 1}}, smissing: {u: {y: 1}}, sarr: {a: true, s1: {u: {b: 1}}, s3: {u: {c: 1}}}}"));
        Assert.Equal(Doc("{_id: 1, s: null, arr: [{a: 1}, null, null, null]}").ToJson(), after.ToJson());
    }

    [Fact]
    public void A_section_not_in_the_format_is_refused()
    {
        Assert.Throws<FormatException>(() => UpdateDiff.Apply(Doc("{_id: 1}"), Doc("{x: {a: 1}}")));
        Assert.Throws<FormatException>(() => UpdateDiff.Apply(Doc("{_id: 1, a: [1]}"), Doc("{sa: {a: true, q0: 1}}")));
        Assert.Throws<FormatException>(() => UpdateDiff.Apply(Doc("{_id: 1, a: 1}"), Doc("{d: {a: false}, u: {a: 2}}")));
    }

    [Fact]
    public void The_deltas_a_real_server_wrote_for_time_series_buckets_apply_to_the_dumped_buckets()
    {
        var folder = FixturePaths.Get("mongorestore/testdata/timeseries_tests/ts_dump_with_oplog");
        var buckets = Read(Path.Combine(folder, "timeseries_test", "system.buckets.foo_ts.bson")).ToDictionary(d => d["_id"].ToString()!);
        var updates = Read(Path.Combine(folder, "oplog.bson")).Where(e => e["op"] == "u").ToList();
        Assert.True(updates.Count > 800);
        var touched = 0;
        foreach (var entry in updates)
        {
            if (!buckets.TryGetValue(entry["o2"]["_id"].ToString()!, out var bucket)) continue;
            buckets[entry["o2"]["_id"].ToString()!] = UpdateDiff.Apply(bucket, entry["o"]["diff"].AsBsonDocument);
            touched++;
        }
        Assert.True(touched > 0);
        foreach (var bucket in buckets.Values)
        {
            // Whole: every data column has keys 0..n-1 in order, and control.max.ts is the newest time.
            var data = bucket["data"].AsBsonDocument;
            var count = Assert.Single(data.Elements.Select(c => c.Value.AsBsonDocument.ElementCount).Distinct());
            Assert.All(data.Elements, c => Assert.Equal(Enumerable.Range(0, count).Select(i => i.ToString()), c.Value.AsBsonDocument.Names));
            Assert.Equal(data["ts"].AsBsonDocument.Values.Max(v => v.ToUniversalTime()), bucket["control"]["max"]["ts"].ToUniversalTime());
        }
    }

    private static List<BsonDocument> Read(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BsonBinaryReader(stream);
        var documents = new List<BsonDocument>();
        while (stream.Position < stream.Length) documents.Add(BsonSerializer.Deserialize<BsonDocument>(reader));
        return documents;
    }
}
