using System.Text;
using MongoBackup.Engine.Formats;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Formats;

/// <summary>
/// Every parser of a dump has a depth limit below the stack and a size limit below the memory, and says which file
/// broke it. Each limit is shown to hold at its edge on a thread with a quarter of the smallest default stack
/// (256 KB), so hostile input can only be refused, never crash the process.
/// </summary>
public sealed class ParserLimitsTests
{
    private const int SmallStack = 256 * 1024;

    private static string NestedJson(int levels)
    {
        // {"options":{"a":{"a":...{}...}}} nests exactly `levels` objects.
        var json = new StringBuilder("{\"options\":");
        for (var i = 2; i < levels; i++) json.Append("{\"a\":");
        json.Append("{}");
        json.Append('}', levels - 1);
        return json.ToString();
    }

    /// <summary>{a:{a:{...{}...}}} with <paramref name="levels"/> embedded documents, built from the inside out.</summary>
    private static byte[] Nest(int levels)
    {
        byte[] inner = [5, 0, 0, 0, 0];
        for (var i = 0; i < levels; i++)
        {
            var length = 4 + 1 + 2 + inner.Length + 1;
            var outer = new byte[length];
            BitConverter.TryWriteBytes(outer.AsSpan(0, 4), length);
            outer[4] = 0x03;
            outer[5] = (byte)'a';
            inner.CopyTo(outer, 7);
            inner = outer;
        }
        return inner;
    }

    private static T OnSmallStack<T>(Func<T> work)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try { result = work(); }
            catch (Exception e) { error = e; }
        }, SmallStack);
        thread.Start();
        thread.Join();
        if (error is not null) throw error;
        return result;
    }

    [Fact]
    public void Metadata_at_the_depth_limit_parses_on_a_small_stack()
    {
        var metadata = OnSmallStack(() => CollectionMetadata.Parse(NestedJson(JsonNesting.MaxDepth), "deep.metadata.json"));
        Assert.Equal(1, metadata.Options.ElementCount);
    }

    [Theory]
    [InlineData(JsonNesting.MaxDepth + 1)]
    [InlineData(100_000)]
    public void Metadata_nested_past_the_limit_is_refused_naming_the_file_and_offset(int levels)
    {
        var json = NestedJson(levels);
        var error = Assert.Throws<InvalidDataException>(() => OnSmallStack(() => CollectionMetadata.Parse(json, "deep.metadata.json")));
        Assert.Contains("deep.metadata.json", error.Message);
        Assert.Contains($"deeper than {JsonNesting.MaxDepth} levels at byte offset {11 + 5 * (JsonNesting.MaxDepth - 1)}", error.Message);
    }

    /// <summary>{a:{a:{...{}...}}} with <paramref name="levels"/> embedded documents, written in one pass (deep nests too).</summary>
    private static byte[] NestLinear(int levels)
    {
        var bytes = new byte[5 + 8 * levels];
        for (var i = 0; i < levels; i++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(7 * i, 4), bytes.Length - 8 * i);
            bytes[7 * i + 4] = 0x03;
            bytes[7 * i + 5] = (byte)'a';
        }
        BitConverter.TryWriteBytes(bytes.AsSpan(7 * levels, 4), 5);
        return bytes; // the inner terminators are the zeros left at the end
    }

    /// <summary>The exact BSON metadata a snapshot keeps beside its metadata.json: the same limit as the JSON, below the stack.</summary>
    [Fact]
    public void Exact_metadata_at_the_depth_limit_reads_on_a_small_stack_and_deeper_is_refused_naming_the_file()
    {
        Assert.Equal(NestLinear(3), Nest(3));
        Assert.Equal("", OnSmallStack(() => CollectionMetadata.FromBson(NestLinear(JsonNesting.MaxDepth - 1), "db/c.metadata.bsn")).CollectionName);
        foreach (var levels in new[] { JsonNesting.MaxDepth, 100_000 })
        {
            var deep = NestLinear(levels);
            var error = Assert.Throws<InvalidDataException>(() => OnSmallStack(() => CollectionMetadata.FromBson(deep, "db/c.metadata.bsn")));
            Assert.Contains("'db/c.metadata.bsn' is not a well-formed BSON document at byte offset", error.Message);
            Assert.Contains($"deeper than {JsonNesting.MaxDepth - 1} levels", error.Message);
        }
    }

    [Fact]
    public void Brackets_inside_strings_are_not_nesting()
    {
        var json = "{\"options\":{\"validator\":{\"note\":\"" + new string('{', 500) + "\\\"" + new string('[', 500) + "\"}}}";
        Assert.Null(JsonNesting.FindTooDeep(json));
        Assert.Equal(500, CollectionMetadata.Parse(json, "x").Options["validator"]["note"].AsString.Count(c => c == '{'));
    }

    [Fact]
    public void A_document_at_the_bson_depth_limit_validates_on_a_small_stack_and_one_level_more_is_refused()
    {
        Assert.Null(OnSmallStack(() => BsonStructureValidator.FindProblem(Nest(BsonStructureValidator.MaxDepth))));
        var problem = OnSmallStack(() => BsonStructureValidator.FindProblem(Nest(BsonStructureValidator.MaxDepth + 1)));
        Assert.Contains($"deeper than {BsonStructureValidator.MaxDepth} levels", problem!.Value.Problem);
    }

    [Fact]
    public void An_archive_control_document_at_its_depth_limit_decodes_on_a_small_stack_and_deeper_is_corrupt()
    {
        var atLimit = Nest(ArchiveDocuments.MaxDepth);
        Assert.Equal(1, OnSmallStack(() => ArchiveDocuments.Parse(atLimit, "a.archive", 4)).ElementCount);
        var error = Assert.Throws<CorruptDumpException>(() => ArchiveDocuments.Parse(Nest(ArchiveDocuments.MaxDepth + 1), "a.archive", 40));
        Assert.Equal(("a.archive", 40L), (error.File, error.Offset!.Value));
        Assert.Contains($"deeper than {ArchiveDocuments.MaxDepth} levels", error.Message);
    }

    [Fact]
    public void Invalid_utf8_in_an_archive_control_document_is_corrupt_naming_the_archive_and_offset()
    {
        var header = new BsonDocument { { "db", "shop" }, { "collection", "orders" } }.ToBson();
        header[Array.IndexOf(header, (byte)'s', 8)] = 0xff; // inside the value "shop"
        var error = Assert.Throws<CorruptDumpException>(() => ArchiveDocuments.Parse(header, "dump.archive", 1234));
        Assert.Equal(1234L, error.Offset);
        Assert.Contains("dump.archive", error.Message);
    }

    public static TheoryData<string, string> BadMetadata => new()
    {
        { "NUL in a key", "{\"options\":{\"a\\u0000b\":1},\"indexes\":[]}" },
        { "a number beyond Int64", "{\"options\":{\"size\":99999999999999999999},\"indexes\":[]}" },
        { "a $numberLong beyond Int64", "{\"options\":{\"size\":{\"$numberLong\":\"99999999999999999999\"}}}" },
        { "a lone surrogate", "{\"collectionName\":\"\\ud800\"}" },
        { "a NUL in a regular expression", "{\"options\":{\"validator\":{\"a\":{\"$regularExpression\":{\"pattern\":\"a\\u0000\",\"options\":\"\"}}}}}" },
        { "two documents", "{\"a\":1}{\"b\":2}" },
        { "an unterminated string", "{\"options\":{\"a\":\"" },
    };

    [Theory]
    [MemberData(nameof(BadMetadata))]
    public void Metadata_the_driver_cannot_read_or_write_is_invalid_data_naming_the_file(string what, string json)
    {
        var error = Assert.Throws<InvalidDataException>(() => CollectionMetadata.Parse(json, "db/coll.metadata.json"));
        Assert.Contains("db/coll.metadata.json", error.Message);
        Assert.False(string.IsNullOrEmpty(what));
    }

    [Fact]
    public void Metadata_text_is_read_up_to_its_limit_and_no_further()
    {
        var endless = new EndlessSpaces();
        var error = Assert.Throws<CorruptDumpException>(() => MetadataText.Read(endless, "bomb.metadata.json.gz"));
        Assert.Contains("larger than 16 MiB", error.Message);
        Assert.Equal(MetadataText.MaxBytes, error.Offset);
        Assert.Equal(MetadataText.MaxBytes + 1L, endless.Delivered);
    }

    [Fact]
    public async Task Metadata_text_that_is_not_utf8_is_corrupt_at_the_offset_of_the_bad_byte()
    {
        byte[] bytes = [.. "{\"collectionName\":\"ab"u8, 0xc3, 0x28, .. "\"}"u8];
        var error = await Assert.ThrowsAsync<CorruptDumpException>(() => MetadataText.ReadAsync(new MemoryStream(bytes), "x.metadata.json", default));
        Assert.Equal(21L, error.Offset);
        Assert.Equal("{\"a\":\"é\"}", MetadataText.Read(new MemoryStream([0xef, 0xbb, 0xbf, .. "{\"a\":\"é\"}"u8]), "bom.metadata.json"));
    }

    /// <summary>Spaces for ever (valid JSON whitespace), counting what was read.</summary>
    private sealed class EndlessSpaces : Stream
    {
        public long Delivered { get; private set; }
        public override int Read(byte[] buffer, int offset, int count)
        {
            buffer.AsSpan(offset, count).Fill((byte)' ');
            Delivered += count;
            return count;
        }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
