using MongoBackup.Tests;
using MongoBackup.TestServer.Query;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;

namespace MongoBackup.TestServer.Tests;

public class QueryOplogDiffTests
{
    private static BsonDocument Doc(string json) => BsonDocument.Parse(json);

    private static string DiffOf(string before, string after) => OplogDiff.Compute(Doc(before), Doc(after))["diff"].ToJson();

    [Theory]
    [InlineData("{_id: 1, a: 1, b: 2}", "{_id: 1, a: 1, b: 3}", "{u: {b: 3}}")]
    [InlineData("{_id: 1, a: 1}", "{_id: 1, a: 1, c: 'x'}", "{i: {c: 'x'}}")]
    [InlineData("{_id: 1, a: 1, b: 2}", "{_id: 1, a: 1}", "{d: {b: false}}")]
    [InlineData("{_id: 1, a: 1}", "{_id: 1, a: 1.0}", "{u: {a: 1.0}}")]
    [InlineData("{_id: 1, a: 1}", "{_id: 1, a: 1}", "{}")]
    [InlineData("{_id: 1, n: {x: 1, y: 'a long enough string to make a diff pay'}}", "{_id: 1, n: {x: 2, y: 'a long enough string to make a diff pay'}}", "{sn: {u: {x: 2}}}")]
    [InlineData("{_id: 1, l: ['aaaaaaaaaa', 'bbbbbbbbbb']}", "{_id: 1, l: ['aaaaaaaaaa', 'bbbbbbbbbb', 'c']}", "{sl: {a: true, u2: 'c'}}")]
    [InlineData("{_id: 1, l: ['aaaaaaaaaa', 'bbbbbbbbbb', 'c']}", "{_id: 1, l: ['aaaaaaaaaa']}", "{sl: {a: true, l: 1}}")]
    [InlineData("{_id: 1, a: 1, b: 2}", "{_id: 1, b: 2, a: 1}", "{i: {a: 1}}")]
    public void Compute_writes_MongoDB_delta_sections(string before, string after, string expectedDiff) =>
        Assert.Equal(Doc(expectedDiff).ToJson(), DiffOf(before, after));

    [Fact]
    public void Compute_marks_the_format_version_2()
    {
        var o = OplogDiff.Compute(Doc("{a: 1}"), Doc("{a: 2}"));
        Assert.Equal(2, o["$v"].AsInt32);
        Assert.Equal("$v", o.GetElement(0).Name);
    }

    [Theory]
    // An insert of an existing field moves it to the end; an update of a missing one appends it.
    [InlineData("{_id: 1, a: 1, b: 2}", "{i: {a: 5}}", "{_id: 1, b: 2, a: 5}")]
    [InlineData("{_id: 1, a: 1}", "{u: {z: 5}, i: {y: 6}}", "{_id: 1, a: 1, z: 5, y: 6}")]
    [InlineData("{_id: 1, a: 1, b: 2}", "{d: {a: false}}", "{_id: 1, b: 2}")]
    [InlineData("{_id: 1, a: {x: 1}}", "{sa: {i: {y: 2}}}", "{_id: 1, a: {x: 1, y: 2}}")]
    [InlineData("{_id: 1, a: [1, 2, 3]}", "{sa: {a: true, l: 2, u0: 9}}", "{_id: 1, a: [9, 2]}")]
    [InlineData("{_id: 1, a: [1]}", "{sa: {a: true, u3: 4}}", "{_id: 1, a: [1, null, null, 4]}")]
    [InlineData("{_id: 1, a: [{x: 1}]}", "{sa: {a: true, s0: {u: {x: 2}}}}", "{_id: 1, a: [{x: 2}]}")]
    // A sub-diff meeting the wrong type is being re-applied; mongod writes null there.
    [InlineData("{_id: 1, a: 5}", "{sa: {u: {x: 1}}}", "{_id: 1, a: null}")]
    [InlineData("{_id: 1}", "{sa: {u: {x: 1}}}", "{_id: 1}")]
    public void Apply_follows_mongod_delta_semantics(string doc, string diff, string expected)
    {
        var o = new BsonDocument { { "$v", 2 }, { "diff", Doc(diff) } };
        Assert.Equal(Doc(expected).ToJson(), OplogDiff.Apply(Doc(doc), o).ToJson());
    }

    [Fact]
    public void Apply_handles_legacy_modifiers_and_replacements()
    {
        Assert.Equal(Doc("{_id: 0, x: 1}").ToJson(), OplogDiff.Apply(Doc("{_id: 0, x: 0}"), Doc("{$set: {x: 1}}")).ToJson());
        Assert.Equal(Doc("{_id: 0, y: 2}").ToJson(), OplogDiff.Apply(Doc("{_id: 0, x: 0}"), Doc("{$v: 1, $set: {y: 2}, $unset: {x: true}}")).ToJson());
        Assert.Equal(Doc("{_id: 0, z: 3}").ToJson(), OplogDiff.Apply(Doc("{_id: 0, x: 0}"), Doc("{_id: 0, z: 3}")).ToJson());
    }

    [Fact]
    public void Apply_rejects_malformed_diffs()
    {
        var duplicate = new BsonDocument { { "$v", 2 }, { "diff", Doc("{u: {a: 1}, i: {a: 2}}") } };
        Assert.Equal(4728000, Assert.Throws<CommandFailure>(() => OplogDiff.Apply(Doc("{a: 0}"), duplicate)).Code);
        var unknown = new BsonDocument { { "$v", 2 }, { "diff", Doc("{x: {a: 1}}") } };
        Assert.Throws<CommandFailure>(() => OplogDiff.Apply(Doc("{a: 0}"), unknown));
    }

    [Fact]
    public void Compute_then_apply_reproduces_random_documents_byte_for_byte()
    {
        var random = new Random(20240611);
        for (var round = 0; round < 2000; round++)
        {
            var before = RandomDocuments.Document(random, depth: 0);
            var after = RandomDocuments.Mutate(random, before, depth: 0);
            var o = OplogDiff.Compute(before, after);
            var applied = OplogDiff.Apply(before, o);
            Assert.True(applied.ToBson().AsSpan().SequenceEqual(after.ToBson()),
                $"round {round}\nbefore: {before}\nafter:  {after}\ndiff:   {o}\ngot:    {applied}");
            // Deletions name old fields, so a diff may outgrow the new document, never both versions together.
            Assert.True(o.ToBson().Length <= before.ToBson().Length + after.ToBson().Length + 64, $"diff too large in round {round}: {o}");
        }
    }

    [Fact]
    public void Compute_is_small_for_a_small_change_in_a_large_document()
    {
        var before = new BsonDocument("_id", 1);
        for (var i = 0; i < 200; i++) before.Add("f" + i, new string('x', 50));
        var after = (BsonDocument)before.DeepClone();
        after["f100"] = "changed";
        var o = OplogDiff.Compute(before, after);
        Assert.Equal(Doc("{u: {f100: 'changed'}}").ToJson(), o["diff"].ToJson());
    }

    [Fact]
    public void Transaction_fixtures_replay_to_their_postimages()
    {
        var cases = BsonDocument.Parse(File.ReadAllText(FixturePaths.Get("common/txn/testdata/oplog_entries.json")));
        Assert.True(cases.ElementCount >= 10);
        var replayed = 0;
        foreach (var testCase in cases)
        {
            var spec = testCase.Value.AsBsonDocument;
            if (!spec.Contains("postimage")) continue; // cases that only exercise the transaction reader
            var collection = OplogReplay.Replay(spec["ops"].AsBsonArray.Select(v => v.AsBsonDocument), spec["ns"].AsString);
            var expected = spec["postimage"].AsBsonArray.Select(v => v.AsBsonDocument.ToJson()).ToList();
            Assert.True(expected.SequenceEqual(collection.Select(d => d.ToJson())),
                $"{testCase.Name}: expected {string.Join(", ", expected)} got {string.Join(", ", collection)}");
            replayed++;
        }
        Assert.True(replayed >= 10);
    }

    [Fact]
    public void Timeseries_fixture_diffs_apply_to_the_dumped_buckets()
    {
        var folder = FixturePaths.Get("mongorestore/testdata/timeseries_tests/ts_dump_with_oplog");
        var buckets = ReadBson(Path.Combine(folder, "timeseries_test", "system.buckets.foo_ts.bson"))
            .ToDictionary(d => d["_id"], d => d, BsonValueOrder.Instance);
        var updates = ReadBson(Path.Combine(folder, "oplog.bson")).Where(e => e["op"] == "u").ToList();
        Assert.True(updates.Count > 800);
        Assert.All(updates, u => Assert.Equal(2, u["o"]["$v"].ToInt32()));
        var touched = 0;
        foreach (var entry in updates)
        {
            var id = entry["o2"]["_id"];
            if (!buckets.TryGetValue(id, out var bucket)) continue;
            buckets[id] = OplogDiff.Apply(bucket, entry["o"].AsBsonDocument);
            touched++;
        }
        Assert.True(touched > 0, "no oplog update matched a dumped bucket");
        foreach (var bucket in buckets.Values)
        {
            // A consistent bucket: every data column has keys 0..n-1 in order, and control.max.ts is the newest time.
            var data = bucket["data"].AsBsonDocument;
            var counts = data.Elements.Select(c => c.Value.AsBsonDocument.ElementCount).Distinct().ToList();
            Assert.Single(counts);
            foreach (var column in data.Elements)
                Assert.Equal(Enumerable.Range(0, counts[0]).Select(i => i.ToString()), column.Value.AsBsonDocument.Names);
            var newest = data["ts"].AsBsonDocument.Values.Max(v => v.ToUniversalTime());
            Assert.Equal(newest, bucket["control"]["max"]["ts"].ToUniversalTime());
        }
    }

    private static IEnumerable<BsonDocument> ReadBson(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BsonBinaryReader(stream);
        while (stream.Position < stream.Length)
            yield return BsonSerializer.Deserialize<BsonDocument>(reader);
    }
}

/// <summary>Replays CRUD oplog entries (plain, or inside applyOps transactions) into one collection's documents.</summary>
internal static class OplogReplay
{
    public static List<BsonDocument> Replay(IEnumerable<BsonDocument> entries, string ns)
    {
        var all = entries.ToList();
        var aborted = all.Any(e => e["op"] == "c" && e["o"].AsBsonDocument.Contains("abortTransaction"));
        var crud = all.SelectMany(Flatten).Where(e => e["ns"] == ns && !aborted).ToList();
        var documents = new List<BsonDocument>();
        foreach (var op in crud)
        {
            switch (op["op"].AsString)
            {
                case "i":
                    documents.Add(op["o"].AsBsonDocument);
                    break;
                case "u":
                    var index = documents.FindIndex(d => BsonValueOrder.Instance.Equals(d["_id"], op["o2"]["_id"]));
                    documents[index] = OplogDiff.Apply(documents[index], op["o"].AsBsonDocument);
                    break;
                case "d":
                    documents.RemoveAll(d => BsonValueOrder.Instance.Equals(d["_id"], op["o"]["_id"]));
                    break;
            }
        }
        return documents;
    }

    private static IEnumerable<BsonDocument> Flatten(BsonDocument entry) =>
        entry["op"] == "c" && entry["o"].AsBsonDocument.TryGetValue("applyOps", out var inner)
            ? inner.AsBsonArray.Select(v => v.AsBsonDocument).SelectMany(Flatten)
            : [entry];
}

/// <summary>Random nested documents and random edits of them, for round-trip tests.</summary>
internal static class RandomDocuments
{
    private static readonly string[] Names = ["a", "b", "c", "d", "e", "sa", "u", "i", "0", "1", "long_field_name"];

    public static BsonDocument Document(Random random, int depth)
    {
        var doc = new BsonDocument();
        var count = random.Next(0, depth == 0 ? 8 : 5);
        foreach (var name in Names.OrderBy(_ => random.Next()).Take(count))
            doc.Add(name, Value(random, depth + 1));
        return doc;
    }

    private static BsonArray Array(Random random, int depth)
    {
        var array = new BsonArray();
        var count = random.Next(0, 6);
        for (var i = 0; i < count; i++) array.Add(Value(random, depth + 1));
        return array;
    }

    public static BsonValue Value(Random random, int depth) => random.Next(depth >= 3 ? 6 : 9) switch
    {
        0 => random.Next(100),
        1 => (double)random.Next(100),
        2 => (long)random.Next(100),
        3 => new string((char)('a' + random.Next(26)), random.Next(1, 30)),
        4 => BsonNull.Value,
        5 => random.Next(2) == 0,
        6 or 7 => Document(random, depth),
        _ => Array(random, depth),
    };

    public static BsonDocument Mutate(Random random, BsonDocument source, int depth)
    {
        var result = new BsonDocument();
        foreach (var element in source)
        {
            switch (random.Next(10))
            {
                case 0: break; // delete
                case 1: result.Add(element.Name, Value(random, depth + 1)); break; // replace
                case 2 or 3: result.Add(element.Name, MutateValue(random, element.Value, depth)); break;
                default: result.Add(element.Name, element.Value.DeepClone()); break;
            }
        }
        if (random.Next(4) == 0 && result.ElementCount > 1)
        {
            // move a field to the end
            var moved = result.GetElement(random.Next(result.ElementCount));
            result.Remove(moved.Name);
            result.Add(moved);
        }
        foreach (var name in Names.Where(n => !result.Contains(n) && random.Next(8) == 0))
            result.Add(name, Value(random, depth + 1));
        return result;
    }

    private static BsonValue MutateValue(Random random, BsonValue value, int depth) => value switch
    {
        BsonDocument d => Mutate(random, d, depth + 1),
        BsonArray a => MutateArray(random, a, depth + 1),
        _ => Value(random, depth + 1),
    };

    private static BsonArray MutateArray(Random random, BsonArray source, int depth)
    {
        var result = new BsonArray(source.Select(v => random.Next(4) == 0 ? MutateValue(random, v, depth) : v.DeepClone()));
        switch (random.Next(3))
        {
            case 0 when result.Count > 0: result.RemoveAt(result.Count - 1 - random.Next(result.Count)); break;
            case 1: result.Add(Value(random, depth + 1)); break;
        }
        return result;
    }
}
