using System.IO.Compression;
using MongoBackup.Engine.Formats;
using MongoBackup.Tests;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;

namespace MongoBackup.Engine.Tests.Formats;

public class BsonDocumentReaderTests
{
    // Files under bsondump/testdata that bsondump --objcheck rejects (bsondump_test.go), and where the
    // broken document starts. invalid_field_name's last document is followed by one stray byte.
    public static TheoryData<string, long> BrokenFiles => new()
    {
        { "bsondump/testdata/bad_cstring.bson", 0 },
        { "bsondump/testdata/bad_type.bson", 0 },
        { "bsondump/testdata/partial_file.bson", 164 },
        { "bsondump/testdata/random_bytes.bson", 0 },
        { "bsondump/testdata/invalid_field_name.bson", 283 },
    };

    private static readonly HashSet<string> BrokenNames = BrokenFiles.Select(row => (string)row[0]).ToHashSet();

    public static TheoryData<string> ValidFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(FixturePaths.MongoTools, "*.bson", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(FixturePaths.MongoTools, file).Replace('\\', '/');
            if (!BrokenNames.Contains(relative)) data.Add(relative);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ValidFiles))]
    public void Every_valid_fixture_reads_as_documents_the_driver_can_decode(string relative)
    {
        var path = FixturePaths.Get(relative);
        using var reader = new BsonDocumentReader(File.OpenRead(path), path);
        long bytes = 0;
        while (reader.ReadNext() is { } raw)
        {
            bytes += raw.Length;
            // The driver agrees each dump document is whole: it decodes and re-encodes to the same bytes.
            // (bsondump's own samples hold DBPointers and 500 levels of nesting, which the driver refuses.)
            if (relative.StartsWith("mongorestore/", StringComparison.Ordinal))
                Assert.Equal(raw, BsonSerializer.Deserialize<BsonDocument>(raw).ToBson());
        }
        Assert.Equal(new FileInfo(path).Length, bytes);
        Assert.Equal(bytes, reader.Position);
    }

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public void Every_broken_fixture_fails_naming_the_file_and_the_document_offset(string relative, long offset)
    {
        var path = FixturePaths.Get(relative);
        using var reader = new BsonDocumentReader(File.OpenRead(path), path);
        var error = Assert.Throws<CorruptDumpException>(() => { while (reader.ReadNext() is not null) { } });
        Assert.Equal(path, error.File);
        Assert.Equal(offset, error.Offset);
        Assert.Contains(path, error.Message);
        Assert.Contains($"offset {offset}", error.Message);
    }

    [Fact]
    public void Counts_match_the_json_bsondump_made_of_sample()
    {
        var path = FixturePaths.Get("bsondump/testdata/sample.bson");
        var jsonLines = File.ReadAllLines(FixturePaths.Get("bsondump/testdata/sample.json")).Count(l => l.TrimStart().StartsWith('{'));
        using var reader = new BsonDocumentReader(File.OpenRead(path), path);
        var count = 0;
        while (reader.ReadNext() is not null) count++;
        Assert.Equal(jsonLines, count);
    }

    [Fact]
    public void Deeply_nested_documents_are_accepted_as_bsondump_accepts_them()
    {
        var path = FixturePaths.Get("bsondump/testdata/deep_nested.bson");
        using var reader = new BsonDocumentReader(File.OpenRead(path), path);
        Assert.NotNull(reader.ReadNext());
        Assert.Null(reader.ReadNext());
    }

    [Fact]
    public void Without_structure_validation_a_bad_element_type_passes_but_a_bad_length_does_not()
    {
        var badType = FixturePaths.Get("bsondump/testdata/bad_type.bson");
        using (var reader = new BsonDocumentReader(File.OpenRead(badType), badType, validateStructure: false))
            Assert.NotNull(reader.ReadNext());

        var random = FixturePaths.Get("bsondump/testdata/random_bytes.bson");
        using (var reader = new BsonDocumentReader(File.OpenRead(random), random, validateStructure: false))
            Assert.Throws<CorruptDumpException>(() => reader.ReadNext());
    }

    [Theory]
    [InlineData(new byte[] { 4, 0, 0, 0 }, "less than the minimum")]
    [InlineData(new byte[] { 5, 0, 0, 0, 1 }, "not terminated by a zero byte")]
    [InlineData(new byte[] { 12, 0, 0, 0 }, "truncated")]
    [InlineData(new byte[] { 12, 0 }, "truncated")]
    // {"a": "x"} whose string length claims 9 bytes.
    [InlineData(new byte[] { 14, 0, 0, 0, 2, 97, 0, 9, 0, 0, 0, 120, 0, 0 }, "string length 9")]
    // {"a": {}} whose embedded document claims 40 bytes.
    [InlineData(new byte[] { 13, 0, 0, 0, 3, 97, 0, 40, 0, 0, 0, 0, 0 }, "embedded document length 40")]
    // A field name that runs into the terminator.
    [InlineData(new byte[] { 8, 0, 0, 0, 16, 97, 98, 0 }, "field name is not terminated")]
    public void Malformed_documents_are_rejected_with_the_reason(byte[] bytes, string reason)
    {
        var twoGood = new BsonDocument("x", 1).ToBson().Concat(new BsonDocument("y", 2).ToBson()).ToArray();
        var stream = new MemoryStream(twoGood.Concat(bytes).ToArray());
        using var reader = new BsonDocumentReader(stream, "test.bson");
        Assert.NotNull(reader.ReadNext());
        Assert.NotNull(reader.ReadNext());
        var error = Assert.Throws<CorruptDumpException>(() => reader.ReadNext());
        Assert.Equal(twoGood.Length, error.Offset);
        Assert.Contains(reason, error.Message);
        Assert.Contains("test.bson", error.Message);
    }

    [Fact]
    public async Task Async_reading_gives_the_same_documents_as_sync_reading()
    {
        var path = FixturePaths.Get("bsondump/testdata/all_types.bson");
        var sync = new List<byte[]>();
        using (var reader = new BsonDocumentReader(File.OpenRead(path), path))
            while (reader.ReadNext() is { } d) sync.Add(d);
        var async = new List<byte[]>();
        using (var reader = new BsonDocumentReader(File.OpenRead(path), path))
            while (await reader.ReadNextAsync() is { } d) async.Add(d);
        Assert.Equal(20, sync.Count);
        Assert.Equal(sync, async);
    }

    [Fact]
    public async Task Blocks_stop_before_the_document_that_would_overflow_them_and_keep_every_document_in_order()
    {
        // 3,000 documents of 700-1,300 bytes: no block may need a larger buffer than the one it was rented with (its
        // last document used to be copied into a buffer twice its size), and together they give back every document.
        var random = new Random(7);
        var documents = Enumerable.Range(0, 3000)
            .Select(i => new BsonDocument { { "_id", i }, { "pad", new string('x', random.Next(700, 1300)) } }.ToBson()).ToList();
        using var stream = new MemoryStream(documents.SelectMany(d => d).ToArray());
        using var reader = new BsonDocumentReader(stream, "blocks.bson");
        var read = new List<byte[]>();
        var blocks = 0;
        await foreach (var block in reader.ReadBlocksAsync(CancellationToken.None))
        {
            using (block)
            {
                blocks++;
                Assert.True(block.Length <= DocumentBlock.TargetBytes, $"a block holds {block.Length} bytes");
                Assert.Equal(1024 * 1024, block.Buffer.Length); // the pooled buffer it was rented with, never grown
                read.AddRange(block.ToArrays());
            }
        }
        Assert.Equal(documents, read);
        Assert.InRange(blocks, 3, 4); // about 3 MB in blocks of up to 1 MiB, each filled to within a document of it
    }

    [Fact]
    public async Task A_document_larger_than_a_block_gets_a_block_of_its_own()
    {
        var small = new BsonDocument { { "_id", 1 } }.ToBson();
        var large = new BsonDocument { { "_id", 2 }, { "pad", new string('y', DocumentBlock.TargetBytes + 10) } }.ToBson();
        using var stream = new MemoryStream([.. small, .. large, .. small]);
        using var reader = new BsonDocumentReader(stream, "large.bson");
        var counts = new List<int>();
        await foreach (var block in reader.ReadBlocksAsync(CancellationToken.None))
            using (block) counts.Add(block.Count);
        Assert.Equal([1, 1, 1], counts);
    }
}
