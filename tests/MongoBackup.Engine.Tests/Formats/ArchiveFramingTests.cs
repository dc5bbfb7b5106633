using MongoBackup.Engine.Formats;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Formats;

/// <summary>
/// An archive's segments must belong to namespaces its header lists and end with their end markers, as mongorestore's
/// demultiplexer requires (common/archive/demultiplexer.go): otherwise documents would be dropped unseen.
/// </summary>
public sealed class ArchiveFramingTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("mongobackup-archive-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static string Metadata(string collection) => new CollectionMetadata { CollectionName = collection }.ToDumpJson();

    private async Task<CorruptDumpException> ReadAllFailsAsync(ArchiveBuilder builder)
    {
        var path = Path.Combine(_temp, "framing.archive");
        await File.WriteAllBytesAsync(path, builder.ToArray());
        await using var reader = DumpReaders.Open(path);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var error = await Assert.ThrowsAsync<CorruptDumpException>(() => reader.ReadAsync(reader.Namespaces, async (ns, docs) =>
        {
            await foreach (var document in docs) Assert.NotNull(ns);
        }, 1, timeout.Token));
        Assert.Equal(path, error.File);
        return error;
    }

    [Fact]
    public async Task A_segment_of_a_namespace_the_header_does_not_list_is_corrupt()
    {
        var builder = new ArchiveBuilder(("a", "one", Metadata("one"), ""));
        builder.Segment("a", "one", new BsonDocument("_id", 1));
        var offset = builder.Length;
        builder.Segment("a", "unlisted", new BsonDocument("_id", 2)).End("a", "one");
        var error = await ReadAllFailsAsync(builder);
        Assert.Equal(offset, error.Offset);
        Assert.Contains("'a.unlisted', which the archive's header does not list", error.Message);
    }

    [Fact]
    public async Task Documents_after_a_namespaces_end_marker_are_corrupt()
    {
        var builder = new ArchiveBuilder(("a", "one", Metadata("one"), ""));
        builder.Segment("a", "one", new BsonDocument("_id", 1)).End("a", "one");
        var offset = builder.Length;
        builder.Segment("a", "one", new BsonDocument("_id", 2));
        var error = await ReadAllFailsAsync(builder);
        Assert.Equal(offset, error.Offset);
        Assert.Contains("follows the end marker", error.Message);
    }

    /// <summary>
    /// Found by the fuzzer (seed 158719751, case 2120070351): mongo-tools' test.bar.archive with three bits flipped, two
    /// in its one document and one turning the end marker's CRC into GRC, restored the changed document as good, since a
    /// checksum that was not there was not checked. mongorestore refuses a header field it does not know, or of another
    /// type (common/archive/archive.go), and compares an absent CRC as 0 (demultiplexer.go).
    /// </summary>
    [Theory]
    [InlineData("GRC", "a field 'GRC' the archive format does not have")]
    [InlineData("CRC as int32", "a namespace header's CRC is a Int32, not a Int64")]
    [InlineData("no CRC", "do not match the checksum mongodump recorded (expected 0000000000000000")]
    public async Task An_end_marker_whose_checksum_is_renamed_retyped_or_missing_is_corrupt(string damage, string expected)
    {
        var builder = new ArchiveBuilder(("test", "bar", Metadata("bar"), ""));
        builder.Segment("test", "bar", new BsonDocument { { "_id", 1 }, { "noo", "bar" } });
        var offset = builder.Length;
        var end = new BsonDocument { { "db", "test" }, { "collection", "bar" }, { "EOF", true } };
        if (damage == "GRC") end.Add("GRC", 0x1234L);
        if (damage == "CRC as int32") end.Add("CRC", 0x1234);
        builder.RawBytes(end.ToBson()).RawBytes([0xff, 0xff, 0xff, 0xff]);
        var error = await ReadAllFailsAsync(builder);
        Assert.Equal(offset, error.Offset);
        Assert.Contains(expected, error.Message);
    }

    /// <summary>Found by the fuzzer: a NUL in a database name of the prelude reached the driver, which threw.</summary>
    [Theory]
    [InlineData("\0est", "bar")]
    [InlineData("te.st", "bar")]
    [InlineData("test", "")]
    [InlineData("test", "b\0ar")]
    public void A_namespace_MongoDB_cannot_hold_is_corrupt_naming_the_archive(string db, string collection)
    {
        var builder = new ArchiveBuilder((db, collection, "", "collection"));
        var path = Path.Combine(_temp, "names.archive");
        File.WriteAllBytes(path, builder.ToArray());
        var error = Assert.Throws<CorruptDumpException>(() => DumpReaders.Open(path));
        Assert.Equal(path, error.File);
        Assert.Contains("MongoDB cannot hold", error.Message);
    }
}
