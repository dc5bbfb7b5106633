using System.IO.Compression;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Formats;
using MongoBackup.Engine.Tests.Oplog;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// Damage only a checksum sees (framing intact) belongs to the stream it covers (breaker8 findings 11 and 12): an
/// archive namespace whose documents fail their CRC-64 fails alone and is taken back while the others restore whole, and
/// a damaged oplog (an archive's CRC-64, a gzip oplog.bson's CRC-32) refuses the replay before any entry is applied,
/// keeping the namespaces restored from intact data.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class DamagedChecksumRestoreTests(MongoServerFixture server) : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string Metadata(string collection) => new CollectionMetadata { CollectionName = collection }.ToDumpJson();

    private static BsonDocument[] Documents(int from, int count) =>
        Enumerable.Range(from, count).Select(i => new BsonDocument { { "_id", i }, { "s", $"payload-{i}" } }).ToArray();

    /// <summary>shop.a, shop.b and shop.c interleaved, each 20 documents, and an oplog inserting _id 100 into b; a's and
    /// the oplog's end markers carry the given checksums (null: the right one).</summary>
    private string Archive(ulong? crcOfA = null, ulong? crcOfOplog = null)
    {
        var builder = new ArchiveBuilder(("shop", "a", Metadata("a"), ""), ("shop", "b", Metadata("b"), ""), ("shop", "c", Metadata("c"), ""), ("", "oplog", "", ""));
        for (var round = 0; round < 2; round++)
            foreach (var collection in new[] { "a", "b", "c" })
                builder.Segment("shop", collection, Documents(round * 10, 10));
        builder.End("shop", "a", crcOfA).End("shop", "b").End("shop", "c");
        builder.Segment("", "oplog", HandWrittenDump.Entry(1700000001, "i", "shop.b", new BsonDocument("_id", 100)));
        builder.End("", "oplog", crcOfOplog);
        var path = Path.Combine(_folder.Path, $"{Guid.NewGuid():N}.archive");
        File.WriteAllBytes(path, builder.ToArray());
        return path;
    }

    private Task<RestoreOutcome> RestoreAsync(string source, string target, RecordingObserver observer) =>
        new RestoreRunner(observer).RunAsync(new RestoreRequest
        {
            Connection = new ConnectionSettings { ConnectionString = server.ConnectionString },
            SourcePath = source, Map = new NamespaceMap().AddDatabaseRename("shop", target),
        }, CancellationToken.None);

    private async Task<List<int>> IdsAsync(string db, string collection) =>
        (await server.Client.GetDatabase(db).GetCollection<BsonDocument>(collection).Find(FilterDefinition<BsonDocument>.Empty).ToListAsync())
        .Select(d => d["_id"].AsInt32).Order().ToList();

    private async Task<List<string>> CollectionsAsync(string db) =>
        (await (await server.Client.GetDatabase(db).ListCollectionNamesAsync()).ToListAsync()).Order().ToList();

    [Fact]
    public async Task One_namespaces_checksum_mismatch_fails_it_alone_and_the_others_restore_with_the_replay()
    {
        var archive = Archive(crcOfA: 0x1234);
        var target = TestDatabases.NewName("crc");
        var observer = new RecordingObserver();

        var outcome = await RestoreAsync(archive, target, observer);

        var failed = Assert.Single(observer.Failures);
        Assert.Equal(ErrorIds.CorruptFile, failed.Error.ErrorId);
        Assert.Contains($"'{archive}' at byte offset", failed.Error.Message);
        Assert.Contains("the documents of 'shop.a' do not match the checksum mongodump recorded (expected 0000000000001234", failed.Error.Message);
        Assert.False(outcome.Namespaces.Single(n => n.SourceNamespace == "shop.a").Succeeded);
        Assert.All(outcome.Namespaces.Where(n => n.SourceNamespace != "shop.a"), n => Assert.True(n.Succeeded, n.Error));
        // a taken back (the restore's own records stay, as after any restore that did not succeed whole, for -Resume)
        Assert.Equal(["b", "c"], (await CollectionsAsync(target)).Where(c => !c.StartsWith("mongobackup.", StringComparison.Ordinal)));
        Assert.Equal([.. Enumerable.Range(0, 20), 100], await IdsAsync(target, "b"));
        Assert.Equal(Enumerable.Range(0, 20), await IdsAsync(target, "c"));
        Assert.Equal(1, outcome.OplogEntriesApplied);
        Assert.Null(outcome.OplogError);
    }

    [Fact]
    public async Task An_archive_oplog_that_fails_its_checksum_applies_no_entry_and_keeps_the_restored_namespaces()
    {
        var archive = Archive(crcOfOplog: 0x1234);
        var target = TestDatabases.NewName("oplogcrc");
        var observer = new RecordingObserver();

        var outcome = await RestoreAsync(archive, target, observer);

        Assert.False(outcome.Succeeded);
        Assert.Equal(0, outcome.OplogEntriesApplied);
        var failed = Assert.Single(observer.Failures);
        Assert.Equal(("oplog", ErrorIds.CorruptFile), (failed.Namespace, failed.Error.ErrorId));
        Assert.Equal(archive, failed.Error.Target);
        Assert.Contains("so it was not replayed: no entry of it was applied", outcome.OplogError);
        Assert.Contains($"'{archive}' at byte offset", outcome.OplogError);
        Assert.Contains("the oplog's entries do not match the checksum mongodump recorded (expected 0000000000001234", outcome.OplogError);
        Assert.Contains("The collections restored from intact data are kept", outcome.OplogError);
        Assert.All(outcome.Namespaces, n => Assert.True(n.Succeeded, n.Error));
        Assert.Equal(Enumerable.Range(0, 20), await IdsAsync(target, "b")); // not the oplog's _id 100
        Assert.Equal(Enumerable.Range(0, 20), await IdsAsync(target, "a"));
    }

    [Fact]
    public async Task A_gzip_oplog_bson_damaged_at_its_end_applies_no_entry()
    {
        // mongodump --gzip writes oplog.bson as gzip under its plain name; its CRC-32 (the member's trailer) is checked
        // only at the end, after every entry decompressed: the replay must not have applied them by then.
        BsonDocument[] oplog = [.. Enumerable.Range(1, 50).Select(i => HandWrittenDump.Entry((uint)(1700000000 + i), "i", "shop.items", new BsonDocument("_id", 100 + i)))];
        using var dump = new HandWrittenDump("shop", "items", Documents(0, 5), oplog);
        var file = Path.Combine(dump.Path, "oplog.bson");
        var plain = File.ReadAllBytes(file);
        using (var gzip = new GZipStream(File.Create(file), CompressionLevel.Optimal)) gzip.Write(plain);
        var bytes = File.ReadAllBytes(file);
        bytes[^8] ^= 0x01; // the first byte of the member's CRC-32
        File.WriteAllBytes(file, bytes);
        var target = TestDatabases.NewName("gzoplog");

        var outcome = await dump.RestoreAsync(server.ConnectionString, "shop", target);

        Assert.Equal(0, outcome.OplogEntriesApplied);
        Assert.Contains("no entry of it was applied", outcome.OplogError);
        Assert.Contains(file, outcome.OplogError);
        Assert.True(outcome.Namespaces.Single().Succeeded);
        Assert.Equal(Enumerable.Range(0, 5), await IdsAsync(target, "items"));
    }
}
