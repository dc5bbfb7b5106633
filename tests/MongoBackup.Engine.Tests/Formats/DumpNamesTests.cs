using MongoBackup.Engine.Formats;
using MongoBackup.Tests;

namespace MongoBackup.Engine.Tests.Formats;

public class DumpNamesTests
{
    // Expected stems computed independently with Python's urllib.parse.quote_plus, which escapes as Go's
    // url.QueryEscape (what mongodump uses) does.
    [Theory]
    [InlineData("foo", "foo")]
    [InlineData("foo.bar", "foo.bar")]
    [InlineData("x~y-z_", "x~y-z_")]
    [InlineData("cafés", "caf%C3%A9s")]
    [InlineData("a b/c$d", "a+b%2Fc%24d")]
    [InlineData("日本", "%E6%97%A5%E6%9C%AC")]
    [InlineData("emoji😀", "emoji%F0%9F%98%80")]
    [InlineData("%41+", "%2541%2B")]
    public void Collection_names_escape_as_mongodump_escapes_them_and_round_trip(string name, string stem)
    {
        Assert.Equal(stem, DumpNames.EscapeCollection(name));
        Assert.Equal(name, DumpNames.UnescapeCollection(stem));
    }

    [Fact]
    public void The_special_character_fixture_file_name_unescapes_to_cafes()
    {
        var file = Path.GetFileName(FixturePaths.Get("mongorestore/testdata/specialcharacter/db1/caf%C3%A9s.bson"));
        Assert.Equal("cafés", DumpNames.UnescapeCollection(file[..^".bson".Length]));
    }

    [Theory]
    [InlineData(250, 'a', "{208 a}%24tdXj4PzM-0nXBKHhC8l86XYaFP4")]
    [InlineData(100, 'é', "%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%%2402mW-EhxMxXsZ8vh0-6fogZ0Bd4")]
    public void Long_names_are_cut_and_hashed_as_mongodump_does(int repeat, char c, string expected)
    {
        expected = expected.Replace("{208 a}", new string('a', 208));
        var name = new string(c, repeat);
        var stem = DumpNames.EscapeCollection(name);
        Assert.Equal(expected, stem);
        Assert.Equal(DumpNames.MaxStemLength, stem.Length);
        Assert.True(DumpNames.IsTruncated(stem));
        // The longest file mongodump writes for it still fits the 255-byte limit of common file systems.
        Assert.True((stem + ".metadata.json.gz").Length <= 255);
        Assert.Throws<ArgumentException>(() => DumpNames.UnescapeCollection(stem));
    }

    [Fact]
    public void A_name_just_under_the_limit_is_not_truncated()
    {
        var name = new string('b', DumpNames.MaxStemLength);
        Assert.Equal(name, DumpNames.EscapeCollection(name));
        Assert.False(DumpNames.IsTruncated(name));
    }

    [Theory]
    [InlineData("abc%")]
    [InlineData("abc%4")]
    [InlineData("abc%zz")]
    [InlineData("%FF%FE")]
    public void Malformed_stems_fail_with_a_message_naming_them(string stem)
    {
        var error = Assert.Throws<FormatException>(() => DumpNames.UnescapeCollection(stem));
        Assert.Contains(stem, error.Message);
    }

    [Fact]
    public void Database_names_are_kept_as_they_are_and_unsafe_ones_are_refused()
    {
        Assert.Equal("db1", DumpNames.EscapeDatabase("db1"));
        Assert.Equal("timeseries_test", DumpNames.UnescapeDatabase("timeseries_test"));
        var error = Assert.Throws<ArgumentException>(() => DumpNames.EscapeDatabase("a/b"));
        Assert.Contains("a/b", error.Message);
        Assert.Throws<ArgumentException>(() => DumpNames.EscapeDatabase("a.b"));
    }

    [Fact]
    public void Layout_places_files_as_mongodump_does()
    {
        Assert.Equal("db1/caf%C3%A9s.bson", DumpLayout.DataFile("db1", "cafés", Compression.None));
        Assert.Equal("db1/c1.bson.gz", DumpLayout.DataFile("db1", "c1", Compression.Gzip));
        Assert.Equal("db1/c1.metadata.json.gz", DumpLayout.MetadataFile("db1", "c1", Compression.Gzip));
        Assert.Equal("db1/c1.metadata.json.zst", DumpLayout.MetadataFile("db1", "c1", Compression.Zstd));
        Assert.Equal("oplog.bson", DumpLayout.OplogFile(Compression.None));
        // mongorestore --gzip --oplogReplay only finds "oplog.bson"; mongodump --gzip compresses its content under that name.
        Assert.Equal("oplog.bson", DumpLayout.OplogFile(Compression.Gzip));
        Assert.Equal("oplog.bson.zst", DumpLayout.OplogFile(Compression.Zstd));
    }
}
