using MongoBackup.Engine.Formats;
using MongoBackup.Tests;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Formats;

public class CollectionMetadataTests
{
    // Two fixtures were edited by hand after mongodump wrote them (a space after ':', a relaxed number),
    // so they are not in the exact shape mongodump writes.
    private static readonly string[] HandEdited =
    [
        "mongorestore/testdata/coll_with_geohaystack_index/geohaystack_test/foo.metadata.json",
        "mongorestore/testdata/coll_with_ttl_index/test/foo.metadata.json",
    ];

    private static IEnumerable<(string Relative, string Text)> MetadataFixtures() =>
        Directory.EnumerateFiles(FixturePaths.MongoTools, "*.metadata.json", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(f => (Path.GetRelativePath(FixturePaths.MongoTools, f).Replace('\\', '/'), File.ReadAllText(f).TrimEnd('\n')))
            .Where(f => f.Item2.Length > 0);

    /// <summary>Written by a current mongodump: it always records the collection name.</summary>
    public static TheoryData<string> CurrentShapeFixtures()
    {
        var data = new TheoryData<string>();
        foreach (var (relative, text) in MetadataFixtures())
            if (text.Contains("\"collectionName\"") && !HandEdited.Contains(relative)) data.Add(relative);
        return data;
    }

    public static TheoryData<string> AllFixtures()
    {
        var data = new TheoryData<string>();
        foreach (var (relative, _) in MetadataFixtures()) data.Add(relative);
        return data;
    }

    [Theory]
    [MemberData(nameof(CurrentShapeFixtures))]
    public void Re_serialising_a_current_mongodump_file_gives_the_same_bytes(string relative)
    {
        var path = FixturePaths.Get(relative);
        var text = File.ReadAllText(path).TrimEnd('\n');
        Assert.Equal(text, CollectionMetadata.Parse(text, path).ToDumpJson());
    }

    [Theory]
    [MemberData(nameof(AllFixtures))]
    public void Every_fixture_including_legacy_forms_keeps_its_options_indexes_and_uuid(string relative)
    {
        var path = FixturePaths.Get(relative);
        var parsed = CollectionMetadata.Parse(File.ReadAllText(path), path);
        var source = BsonDocument.Parse(File.ReadAllText(path));
        Assert.Equal(source.GetValue("indexes", new BsonArray()), new BsonArray(parsed.Indexes));
        Assert.Equal(source.GetValue("options", new BsonDocument()), parsed.Options);
        Assert.Equal(source.GetValue("uuid", BsonNull.Value).IsBsonNull ? null : source["uuid"].AsString, parsed.Uuid);

        var again = CollectionMetadata.Parse(parsed.ToDumpJson(), "re-serialised");
        Assert.Equal(parsed.Indexes, again.Indexes);
        Assert.Equal(parsed.Options, again.Options);
        Assert.Equal(parsed.Type, again.Type);
    }

    [Fact]
    public void Legacy_numbers_keep_their_bson_types()
    {
        var path = FixturePaths.Get("mongorestore/testdata/duplicate_index_key/indextest/duplicate_index_key.metadata.json");
        var metadata = CollectionMetadata.Parse(File.ReadAllText(path), path);
        Assert.Equal(5, metadata.Indexes.Count);
        Assert.Equal(BsonType.Int32, metadata.Indexes[0]["v"].BsonType);
        Assert.Equal(BsonType.Double, metadata.Indexes[2]["key"]["foo"].BsonType);
        Assert.Equal(BsonType.Int32, metadata.Indexes[3]["key"]["foo"].BsonType);
        Assert.Contains("{\"foo\":{\"$numberDouble\":\"1.0\"}}", metadata.ToDumpJson());
    }

    [Fact]
    public void Timeseries_metadata_reads_its_type_and_options()
    {
        var path = FixturePaths.Get("mongorestore/testdata/timeseries_tests/ts_dump/timeseries_test/foo_ts.metadata.json");
        var metadata = CollectionMetadata.Parse(File.ReadAllText(path), path);
        Assert.True(metadata.IsTimeseries);
        Assert.Equal("foo_ts", metadata.CollectionName);
        Assert.Equal("ts", metadata.Options["timeseries"]["timeField"].AsString);
        Assert.Null(metadata.Uuid);
    }

    [Fact]
    public void New_metadata_is_written_in_mongodump_key_order_without_empty_options()
    {
        var metadata = new CollectionMetadata
        {
            CollectionName = "orders",
            Indexes = [new BsonDocument { { "v", 2 }, { "key", new BsonDocument("_id", 1) }, { "name", "_id_" } }],
            Uuid = "0123456789abcdef0123456789abcdef",
        };
        Assert.Equal(
            "{\"indexes\":[{\"v\":{\"$numberInt\":\"2\"},\"key\":{\"_id\":{\"$numberInt\":\"1\"}},\"name\":\"_id_\"}],"
            + "\"uuid\":\"0123456789abcdef0123456789abcdef\",\"collectionName\":\"orders\",\"type\":\"collection\"}",
            metadata.ToDumpJson());
    }

    [Fact]
    public void A_view_is_written_with_its_options_and_no_uuid()
    {
        var metadata = new CollectionMetadata
        {
            CollectionName = "big orders",
            Type = CollectionMetadata.ViewType,
            Options = new BsonDocument { { "viewOn", "orders" }, { "pipeline", new BsonArray { new BsonDocument("$match", new BsonDocument("total", new BsonDocument("$gt", 100L))) } } },
        };
        Assert.Equal(
            "{\"options\":{\"viewOn\":\"orders\",\"pipeline\":[{\"$match\":{\"total\":{\"$gt\":{\"$numberLong\":\"100\"}}}}]},"
            + "\"indexes\":[],\"collectionName\":\"big orders\",\"type\":\"view\"}",
            metadata.ToDumpJson());
    }

    [Fact]
    public void Strings_keep_non_ascii_and_html_characters_and_escape_quotes_as_go_does()
    {
        var metadata = new CollectionMetadata { CollectionName = "cafés <&> \"q\"" };
        Assert.Contains("\"collectionName\":\"cafés <&> \\\"q\\\"\"", metadata.ToDumpJson());
    }

    [Fact]
    public void A_metadata_file_without_a_type_infers_view_from_view_on()
    {
        var metadata = CollectionMetadata.Parse("{\"options\":{\"viewOn\":\"c\",\"pipeline\":[]},\"indexes\":[]}", "v.metadata.json");
        Assert.True(metadata.IsView);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"indexes\":{}}")]
    [InlineData("{\"options\":[]}")]
    [InlineData("{\"uuid\":5}")]
    public void Malformed_metadata_fails_naming_the_file(string json)
    {
        var error = Assert.Throws<InvalidDataException>(() => CollectionMetadata.Parse(json, "db1/broken.metadata.json"));
        Assert.Contains("db1/broken.metadata.json", error.Message);
    }
}
