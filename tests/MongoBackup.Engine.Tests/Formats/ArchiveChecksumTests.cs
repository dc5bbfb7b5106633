using System.Collections.Concurrent;
using MongoBackup.Engine.Formats;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Formats;

/// <summary>
/// An archive namespace's end marker records the CRC-64 of its documents (mongo-tools common/archive/spec.md): a mismatch
/// with the framing intact is that namespace's damage alone, and the oplog's is known before any entry is handed on.
/// </summary>
public sealed class ArchiveChecksumTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("mongobackup-crc-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static string Metadata(string collection) => new CollectionMetadata { CollectionName = collection }.ToDumpJson();

    private static BsonDocument[] Documents(int count) => Enumerable.Range(0, count).Select(i => new BsonDocument("_id", i)).ToArray();

    private string Write(ArchiveBuilder builder)
    {
        var path = Path.Combine(_temp, $"{Guid.NewGuid():N}.archive");
        File.WriteAllBytes(path, builder.ToArray());
        return path;
    }

    [Fact]
    public async Task A_namespace_whose_documents_fail_their_checksum_fails_alone_at_its_end_marker()
    {
        var builder = new ArchiveBuilder(("shop", "a", Metadata("a"), ""), ("shop", "b", Metadata("b"), ""), ("shop", "c", Metadata("c"), ""));
        builder.Segment("shop", "a", Documents(30)).Segment("shop", "b", Documents(30)).Segment("shop", "c", Documents(30));
        var endOfA = builder.Length;
        builder.End("shop", "a", crc: 42).End("shop", "b").End("shop", "c");
        var path = Write(builder);

        await using var reader = DumpReaders.Open(path);
        var read = new ConcurrentDictionary<string, int>();
        var errors = new ConcurrentDictionary<string, CorruptDumpException>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await reader.ReadAsync(reader.Namespaces, async (ns, documents) =>
        {
            try
            {
                await foreach (var _ in documents) read.AddOrUpdate(ns.FullName, 1, (_, n) => n + 1);
            }
            catch (CorruptDumpException e)
            {
                errors[ns.FullName] = e;
            }
        }, 1, timeout.Token);

        var error = Assert.Single(errors);
        Assert.Equal("shop.a", error.Key);
        Assert.Equal((path, endOfA), (error.Value.File, error.Value.Offset));
        Assert.Contains("the documents of 'shop.a' do not match the checksum mongodump recorded (expected 000000000000002a", error.Value.Message);
        Assert.Equal(30, read["shop.b"]);
        Assert.Equal(30, read["shop.c"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_oplog_that_fails_its_checksum_is_refused_before_any_entry_is_read(bool afterTheDataPass)
    {
        var builder = new ArchiveBuilder(("shop", "a", Metadata("a"), ""), ("", "oplog", "", ""));
        builder.Segment("shop", "a", Documents(3)).End("shop", "a");
        builder.Segment("", "oplog", new BsonDocument { { "ts", new BsonTimestamp(1, 1) }, { "op", "n" } });
        var endOfOplog = builder.Length;
        builder.End("", "oplog", crc: 42);
        var path = Write(builder);

        await using var reader = DumpReaders.Open(path);
        if (afterTheDataPass)
            await reader.ReadAsync(reader.Namespaces, async (_, documents) => { await foreach (var document in documents) Assert.NotEmpty(document); }, 1, CancellationToken.None);
        var error = await Assert.ThrowsAsync<CorruptDumpException>(() => reader.VerifyOplogAsync(CancellationToken.None));

        Assert.Equal((path, endOfOplog), (error.File, error.Offset));
        Assert.Contains("the oplog's entries do not match the checksum mongodump recorded (expected 000000000000002a", error.Message);
    }

    [Fact]
    public async Task An_oplog_cut_before_its_end_marker_is_the_oplogs_damage_not_the_whole_namespaces()
    {
        var builder = new ArchiveBuilder(("shop", "a", Metadata("a"), ""), ("", "oplog", "", ""));
        builder.Segment("shop", "a", Documents(3)).End("shop", "a");
        builder.Segment("", "oplog", new BsonDocument { { "ts", new BsonTimestamp(1, 1) }, { "op", "n" } });
        var path = Write(builder);

        await using var reader = DumpReaders.Open(path);
        var read = 0;
        await reader.ReadAsync(reader.Namespaces, async (_, documents) => { await foreach (var document in documents) read++; }, 1, CancellationToken.None);
        var error = await Assert.ThrowsAsync<CorruptDumpException>(() => reader.VerifyOplogAsync(CancellationToken.None));

        Assert.Equal(3, read);
        Assert.Contains("the archive ends before the end marker of the oplog: it is truncated", error.Message);
    }

    [Fact]
    public async Task An_intact_oplog_verifies_and_reads_whole()
    {
        var builder = new ArchiveBuilder(("", "oplog", "", ""));
        builder.Segment("", "oplog", new BsonDocument { { "ts", new BsonTimestamp(1, 1) }, { "op", "n" } }, new BsonDocument { { "ts", new BsonTimestamp(1, 2) }, { "op", "n" } });
        builder.End("", "oplog");
        await using var reader = DumpReaders.Open(Write(builder));

        await reader.VerifyOplogAsync(CancellationToken.None);
        Assert.Equal(2, await reader.ReadOplogAsync(CancellationToken.None).CountAsync());
    }
}
