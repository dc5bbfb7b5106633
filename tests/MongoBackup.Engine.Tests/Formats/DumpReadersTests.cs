using System.Collections.Concurrent;
using System.IO.Compression;
using MongoBackup.Engine.Codecs;
using MongoBackup.Engine.Formats;
using MongoBackup.Tests;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;

namespace MongoBackup.Engine.Tests.Formats;

public sealed class DumpReadersTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("mongobackup-formats-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    // Each dump in mongorestore/testdata: its namespaces as "db.coll:type=documents", whether it has an oplog and its entries.
    public static TheoryData<string, string, int> Dumps => new()
    {
        { "foodump", "test.foo:collection=1", -1 },
        { "specialcharacter", "db1.cafés:collection=1", -1 },
        { "usersdump", "admin.system.roles:collection=1 admin.system.users:collection=1 admin.system.version:collection=2", -1 },
        { "oplogdump", "admin.system.version:collection=1 db1.c1:collection=5", 3 },
        { "prelude_test/prelude_gzip", "test.foo:collection=1", -1 },
        { "prelude_test/prelude_top_level", "test.foo:collection=1", -1 },
        { "prelude_test/prelude_db_target", "test.foo:collection=1", -1 },
        { "prelude_test/server_version_unknown", "test.foo:collection=1", -1 },
        { "timeseries_tests/ts_dump", "admin.system.version:collection=1 admin.system.views:collection=0 timeseries_test.foo_ts:timeseries=10", -1 },
        { "timeseries_tests/ts_dump_with_oplog",
            "admin.system.version:collection=1 admin.system.views:collection=0 config.external_validation_keys:collection=0 "
            + "config.tenantMigrationDonors:collection=0 config.tenantMigrationRecipients:collection=0 timeseries_test.foo_ts:timeseries=10", 872 },
        { "duplicate_index_key_with_oplog", "test.foo:collection=2", 2 },
        { "dump_local_oplog", "local.oplog.rs:collection=100", -1 },
        { "indextestdump", "indextest.test_collection:collection=100", -1 },
        { "longindextestdump", "longindextest.test_collection:collection=100", -1 },
        // c2 and c3 have no usable metadata (none, and an empty file); db2's c1.bin is mongorestore's legacy extension.
        { "testdirs", "db1.c1:collection=100 db1.c2:-=0 db1.c3:-=0 db1.c4:collection=10 db2.c1:-=0", 0 },
        { "dump_oplog_conflict", "", 5 },
        { "test.bar.archive", "test.bar:collection=1 admin.system.version:collection=1", -1 },
    };

    [Theory]
    [MemberData(nameof(Dumps))]
    public async Task Every_fixture_dump_lists_its_namespaces_with_metadata_and_document_counts(string relative, string expected, int oplogEntries)
    {
        var path = FixturePaths.Get("mongorestore/testdata/" + relative);
        await using var reader = DumpReaders.Open(path);

        var counts = await CountAsync(reader, reader.Namespaces, maxParallel: 2);
        var actual = string.Join(" ", reader.Namespaces.Select(ns => $"{ns.FullName}:{ns.Metadata?.Type ?? "-"}={counts[ns.FullName]}"));
        Assert.Equal(expected, actual);
        Assert.Equal(oplogEntries >= 0, reader.HasOplog);
        Assert.Equal(Math.Max(oplogEntries, 0), await reader.ReadOplogAsync(default).CountAsync());
        foreach (var ns in reader.Namespaces.Where(n => n.Metadata is not null))
            Assert.Equal(ns.Collection, ns.Metadata!.CollectionName);
    }

    [Fact]
    public async Task Documents_arrive_intact_and_in_file_order()
    {
        var dump = FixturePaths.Get("mongorestore/testdata/oplogdump");
        await using var reader = DumpReaders.Open(dump);
        var c1 = reader.Namespaces.Single(n => n.FullName == "db1.c1");
        var documents = new List<byte[]>();
        await reader.ReadAsync([c1], async (_, docs) => { await foreach (var d in docs) documents.Add(d); }, 1, default);

        var file = FixturePaths.Get("mongorestore/testdata/oplogdump/db1/c1.bson");
        using var direct = new BsonDocumentReader(File.OpenRead(file), file);
        var expected = new List<byte[]>();
        while (direct.ReadNext() is { } d) expected.Add(d);
        Assert.Equal(expected, documents);
        Assert.EndsWith(Path.Combine("db1", "c1.bson"), c1.Location);
    }

    [Fact]
    public async Task Timeseries_documents_are_the_buckets_and_the_namespace_is_the_collection()
    {
        await using var reader = DumpReaders.Open(FixturePaths.Get("mongorestore/testdata/timeseries_tests/ts_dump"));
        var ts = Assert.Single(reader.Namespaces, n => n.Collection == "foo_ts");
        Assert.True(ts.Metadata!.IsTimeseries);
        Assert.EndsWith("system.buckets.foo_ts.bson", ts.Location);
        Assert.DoesNotContain(reader.Namespaces, n => n.Collection.StartsWith("system.buckets."));
    }

    [Fact]
    public async Task The_archive_fixture_carries_its_metadata()
    {
        await using var reader = DumpReaders.Open(FixturePaths.Get("mongorestore/testdata/test.bar.archive"));
        var bar = reader.Namespaces.Single(n => n.FullName == "test.bar");
        Assert.Equal("_id_", bar.Metadata!.Indexes.Single()["name"].AsString);
        Assert.Contains("test.bar.archive", bar.Location);
        Assert.Contains("test.bar.archive", reader.Location);
    }

    [Fact]
    public async Task The_bad_format_archive_marks_its_namespace_damaged_naming_it_and_the_offset_of_the_broken_metadata()
    {
        var path = FixturePaths.Get("mongorestore/testdata/bad-format.archive");
        await using var reader = DumpReaders.Open(path);
        var damaged = Assert.Single(reader.Namespaces, ns => ns.Damage is not null);
        Assert.Equal("test.ixtest", damaged.FullName);
        Assert.Equal(path, damaged.Damage!.File);
        Assert.Contains("bad-format.archive' at byte offset 106", damaged.Damage.Message);
    }

    [Fact]
    public async Task A_gzipped_copy_of_the_archive_fixture_reads_the_same()
    {
        var gz = Path.Combine(_temp, "test.bar.archive.gz");
        await using (var output = new GZipStream(File.Create(gz), CompressionLevel.Fastest))
        await using (var input = File.OpenRead(FixturePaths.Get("mongorestore/testdata/test.bar.archive")))
            await input.CopyToAsync(output);
        // An archive's name says nothing about its compression: mongodump --gzip --archive=x keeps the name.
        var renamed = Path.Combine(_temp, "plain-name.archive");
        File.Move(gz, renamed);

        await using var reader = DumpReaders.Open(renamed);
        var counts = await CountAsync(reader, reader.Namespaces, 1);
        Assert.Equal(1, counts["test.bar"]);
        Assert.Equal(1, counts["admin.system.version"]);
    }

    [Fact]
    public async Task An_interleaved_archive_feeds_every_namespace_at_once_without_deadlock()
    {
        // Far more documents than the channels hold, interleaved, so a reader that served namespaces one at a time would stall.
        var builder = new ArchiveBuilder(
            ("shop", "orders", Metadata("orders"), ""),
            ("shop", "customers", Metadata("customers"), ""),
            ("", "oplog", "", ""));
        for (var round = 0; round < 50; round++)
        {
            builder.Segment("shop", "orders", Enumerable.Range(0, 20).Select(i => new BsonDocument("_id", round * 20 + i)).ToArray());
            builder.Segment("shop", "customers", Enumerable.Range(0, 10).Select(i => new BsonDocument("_id", round * 10 + i)).ToArray());
        }
        builder.Segment("", "oplog", new BsonDocument { { "ts", new BsonTimestamp(1, 1) }, { "op", "n" } });
        builder.End("shop", "orders").End("shop", "customers").End("", "oplog");
        var path = Write("interleaved.archive", builder.ToArray());

        await using var reader = DumpReaders.Open(path);
        Assert.True(reader.HasOplog);
        Assert.Equal(["shop.orders", "shop.customers"], reader.Namespaces.Select(n => n.FullName));
        var ids = new ConcurrentDictionary<string, List<int>>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await reader.ReadAsync(reader.Namespaces, async (ns, docs) =>
        {
            var list = ids.GetOrAdd(ns.FullName, _ => []);
            await foreach (var d in docs) list.Add(BsonSerializer.Deserialize<BsonDocument>(d)["_id"].AsInt32);
        }, maxParallel: 1, timeout.Token);

        Assert.Equal(Enumerable.Range(0, 1000), ids["shop.orders"]);
        Assert.Equal(Enumerable.Range(0, 500), ids["shop.customers"]);
        Assert.Equal(1, await reader.ReadOplogAsync(default).CountAsync());
    }

    [Fact]
    public async Task Only_the_chosen_namespaces_are_fed_and_a_consumer_that_stops_early_blocks_nobody()
    {
        var builder = new ArchiveBuilder(("a", "one", Metadata("one"), ""), ("a", "two", Metadata("two"), ""), ("a", "three", Metadata("three"), ""));
        builder.Segment("a", "one", Enumerable.Range(0, 500).Select(i => new BsonDocument("_id", i)).ToArray());
        builder.Segment("a", "two", Enumerable.Range(0, 500).Select(i => new BsonDocument("_id", i)).ToArray());
        builder.Segment("a", "three", Enumerable.Range(0, 7).Select(i => new BsonDocument("_id", i)).ToArray());
        builder.End("a", "one").End("a", "two").End("a", "three");
        await using var reader = DumpReaders.Open(Write("partial.archive", builder.ToArray()));

        var seen = new ConcurrentDictionary<string, int>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var chosen = reader.Namespaces.Where(n => n.Collection != "two").ToList();
        await reader.ReadAsync(chosen, async (ns, docs) =>
        {
            await foreach (var _ in docs)
            {
                seen.AddOrUpdate(ns.Collection, 1, (_, n) => n + 1);
                if (ns.Collection == "one" && seen["one"] == 3) return; // stops after three documents
            }
        }, 1, timeout.Token);

        Assert.Equal(3, seen["one"]);
        Assert.Equal(7, seen["three"]);
        Assert.False(seen.ContainsKey("two"));
    }

    [Fact]
    public async Task A_document_changed_inside_the_archive_fixture_fails_its_checksum()
    {
        var bytes = File.ReadAllBytes(FixturePaths.Get("mongorestore/testdata/test.bar.archive"));
        const int valueOfFoo = 0x33a; // the 'b' of test.bar's {foo: "bar"}: the document stays well formed
        Assert.Equal((byte)'b', bytes[valueOfFoo]);
        bytes[valueOfFoo] = (byte)'c';
        var path = Write("changed.archive", bytes);

        await using var reader = DumpReaders.Open(path);
        var error = await Assert.ThrowsAsync<CorruptDumpException>(() => CountAsync(reader, reader.Namespaces, 1));
        Assert.Contains("test.bar", error.Message);
        Assert.Contains("checksum", error.Message);
        Assert.Equal(0x343, error.Offset); // test.bar's end marker
    }

    [Fact]
    public async Task A_wrong_end_marker_checksum_is_reported()
    {
        var builder = new ArchiveBuilder(("a", "one", Metadata("one"), ""));
        builder.Segment("a", "one", new BsonDocument("_id", 1)).End("a", "one", crc: 12345);
        await using var reader = DumpReaders.Open(Write("bad-crc.archive", builder.ToArray()));
        var error = await Assert.ThrowsAsync<CorruptDumpException>(() => CountAsync(reader, reader.Namespaces, 1));
        Assert.Contains("0000000000003039", error.Message);
    }

    [Fact]
    public async Task A_truncated_archive_fails_in_the_documents_stream_naming_the_file()
    {
        var builder = new ArchiveBuilder(("a", "one", Metadata("one"), ""));
        builder.Segment("a", "one", new BsonDocument("_id", 1), new BsonDocument("_id", 2));
        var whole = builder.ToArray();
        var path = Write("truncated.archive", whole[..^10]);
        await using var reader = DumpReaders.Open(path);

        var received = 0;
        var error = await Assert.ThrowsAsync<CorruptDumpException>(() => reader.ReadAsync(reader.Namespaces, async (_, docs) =>
        {
            await foreach (var doc in docs) received++;
        }, 1, default));
        Assert.Equal(path, error.File);
        Assert.Equal(1, received);
        Assert.Equal(whole.Length - 4 - new BsonDocument("_id", 2).ToBson().Length, error.Offset);
    }

    [Fact]
    public async Task An_archive_without_an_end_marker_is_reported_as_truncated()
    {
        var builder = new ArchiveBuilder(("a", "one", Metadata("one"), ""));
        builder.Segment("a", "one", new BsonDocument("_id", 1));
        await using var reader = DumpReaders.Open(Write("no-eof.archive", builder.ToArray()));
        var error = await Assert.ThrowsAsync<CorruptDumpException>(() => CountAsync(reader, reader.Namespaces, 1));
        Assert.Contains("a.one", error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public async Task A_damaged_document_inside_an_archive_is_reported_at_its_offset()
    {
        var builder = new ArchiveBuilder(("a", "one", Metadata("one"), ""));
        builder.Segment("a", "one", new BsonDocument("_id", 1));
        var badOffset = builder.Length - 4; // replace the terminator with a broken document
        var bytes = builder.ToArray()[..^4].Concat(new byte[] { 9, 0, 0, 0, 0x42, 0x61, 0, 0, 0 }).ToArray();
        await using var reader = DumpReaders.Open(Write("damaged.archive", bytes));
        var error = await Assert.ThrowsAsync<CorruptDumpException>(() => CountAsync(reader, reader.Namespaces, 1));
        Assert.Equal(badOffset, error.Offset);
        Assert.Contains("0x42", error.Message);
    }

    [Fact]
    public async Task A_snapshot_folder_reads_as_a_dump_ignoring_its_manifest_and_mixing_compressions()
    {
        var snapshot = Path.Combine(_temp, "snap");
        Directory.CreateDirectory(Path.Combine(snapshot, "shop"));
        File.WriteAllText(Path.Combine(snapshot, "manifest.json"), "{}");
        WriteDocuments(Path.Combine(snapshot, "shop", "orders.bson.zst"), Compression.Zstd, 3);
        WriteDocuments(Path.Combine(snapshot, "shop", "customers.bson.gz"), Compression.Gzip, 2);
        WriteDocuments(Path.Combine(snapshot, "shop", "plain.bson"), Compression.None, 1);
        WriteText(Path.Combine(snapshot, "shop", "orders.metadata.json.zst"), Compression.Zstd, new CollectionMetadata { CollectionName = "orders" }.ToDumpJson());
        WriteDocuments(Path.Combine(snapshot, "oplog.bson.gz"), Compression.Gzip, 4);

        await using var reader = DumpReaders.Open(snapshot);
        var counts = await CountAsync(reader, reader.Namespaces, 3);
        Assert.Equal(new Dictionary<string, int> { ["shop.customers"] = 2, ["shop.orders"] = 3, ["shop.plain"] = 1 }, counts);
        Assert.Equal("orders", reader.Namespaces.Single(n => n.Collection == "orders").Metadata!.CollectionName);
        Assert.Equal(4, await reader.ReadOplogAsync(default).CountAsync());
    }

    [Fact]
    public async Task A_mongodump_gzip_oplog_named_oplog_bson_is_read_through_its_gzip_content()
    {
        var dump = Path.Combine(_temp, "gzoplog");
        Directory.CreateDirectory(dump);
        WriteDocuments(Path.Combine(dump, "oplog.bson"), Compression.Gzip, 5);
        await using var reader = DumpReaders.Open(dump);
        Assert.True(reader.HasOplog);
        Assert.Equal(5, await reader.ReadOplogAsync(default).CountAsync());
    }

    [Fact]
    public async Task A_truncated_long_collection_name_is_taken_from_its_metadata()
    {
        var name = new string('x', 300);
        var stem = DumpNames.EscapeCollection(name);
        Directory.CreateDirectory(Path.Combine(_temp, "dump", "db"));
        WriteDocuments(Path.Combine(_temp, "dump", "db", stem + ".bson"), Compression.None, 2);
        File.WriteAllText(Path.Combine(_temp, "dump", "db", stem + ".metadata.json"), new CollectionMetadata { CollectionName = name }.ToDumpJson());
        await using var reader = DumpReaders.Open(Path.Combine(_temp, "dump"));
        Assert.Equal(name, Assert.Single(reader.Namespaces).Collection);
    }

    [Fact]
    public async Task A_damaged_gzip_file_fails_in_its_documents_stream_naming_the_file()
    {
        var dump = Path.Combine(_temp, "gzdump");
        Directory.CreateDirectory(Path.Combine(dump, "db"));
        var file = Path.Combine(dump, "db", "c.bson.gz");
        WriteDocuments(file, Compression.Gzip, 50);
        var bytes = File.ReadAllBytes(file);
        for (var i = 20; i < bytes.Length - 8; i++) bytes[i] ^= 0x5a;
        File.WriteAllBytes(file, bytes);

        await using var reader = DumpReaders.Open(dump);
        var error = await Assert.ThrowsAsync<CorruptDumpException>(() => CountAsync(reader, reader.Namespaces, 1));
        Assert.Equal(file, error.File);
    }

    [Fact]
    public void Paths_that_are_not_dumps_are_refused_with_their_name()
    {
        var missing = Path.Combine(_temp, "nothing-here");
        Assert.Contains(missing, Assert.Throws<FileNotFoundException>(() => DumpReaders.Open(missing)).Message);

        var json = FixturePaths.Get("mongorestore/testdata/transactions.json");
        Assert.Contains(json, Assert.Throws<InvalidDataException>(() => DumpReaders.Open(json)).Message);

        var empty = Directory.CreateDirectory(Path.Combine(_temp, "empty")).FullName;
        Assert.Contains(empty, Assert.Throws<NotADumpException>(() => DumpReaders.Open(empty)).Message);

        var dbFolder = FixturePaths.Get("mongorestore/testdata/foodump/test");
        var error = Assert.Throws<NotADumpException>(() => DumpReaders.Open(dbFolder));
        Assert.Contains("database folder", error.Message);
        Assert.Contains("-Database 'test'", error.Message);
    }

    /// <summary>
    /// One collection's file of a mongodump folder (mongorestore restores one with --db and --collection) is sound but
    /// not a dump: refused as such (not as damage), naming the collection and the dump folder to give with -Collection.
    /// A time-series collection's buckets file names the collection, as its folder's restore does; the oplog file names
    /// the folder that replays it. An archive named .bson is still read as the archive it is.
    /// </summary>
    [Theory]
    [InlineData("foodump/test/foo.bson", "data file (test.foo)", "foodump")]
    [InlineData("foodump/test/foo.metadata.json", "metadata file (test.foo)", "foodump")]
    [InlineData("prelude_test/prelude_gzip/test/foo.bson.gz", "data file (test.foo)", "prelude_gzip")]
    [InlineData("timeseries_tests/ts_dump/timeseries_test/system.buckets.foo_ts.bson", "data file (timeseries_test.foo_ts)", "ts_dump")]
    public void A_collection_file_is_refused_as_a_piece_of_a_dump_naming_the_folder_and_the_collection(string relative, string what, string dumpFolder)
    {
        var file = FixturePaths.Get("mongorestore/testdata/" + relative);
        var error = Assert.Throws<NotADumpException>(() => DumpReaders.Open(file));
        Assert.Contains($"'{file}' is one collection's {what} of a mongodump folder, not a dump or an archive", error.Message);
        var ns = what[(what.IndexOf('(') + 1)..^1];
        Assert.Contains($"give -Path the dump folder that holds its database folder '{ns[..ns.IndexOf('.')]}', '{FixturePaths.Get("mongorestore/testdata/" + relative[..relative.IndexOf(dumpFolder, StringComparison.Ordinal)] + dumpFolder)}', with -Collection '{ns}'", error.Message);
    }

    [Fact]
    public async Task An_oplog_file_is_refused_naming_its_dump_folder_and_an_archive_named_bson_is_read()
    {
        var dump = Path.Combine(_temp, "oplogonly");
        Directory.CreateDirectory(dump);
        var oplog = Path.Combine(dump, "oplog.bson");
        WriteDocuments(oplog, Compression.None, 1);
        Assert.Contains($"is the oplog file of a mongodump folder, not a dump or an archive: give -Path the dump folder that holds it, '{dump}'",
            Assert.Throws<NotADumpException>(() => DumpReaders.Open(oplog)).Message);

        var builder = new ArchiveBuilder(("a", "one", Metadata("one"), ""));
        builder.Segment("a", "one", new BsonDocument("_id", 1)).End("a", "one");
        await using var reader = DumpReaders.Open(Write("named.bson", builder.ToArray()));
        Assert.Equal(["a.one"], reader.Namespaces.Select(n => n.FullName));
    }

    [Fact]
    public void A_folder_of_dump_files_that_cannot_be_a_database_name_is_refused()
    {
        var dump = Path.Combine(_temp, "dump");
        Directory.CreateDirectory(Path.Combine(dump, "shop.old"));
        WriteDocuments(Path.Combine(dump, "shop.old", "orders.bson"), Compression.None, 1);
        var error = Assert.Throws<InvalidDataException>(() => DumpReaders.Open(dump));
        Assert.Contains("shop.old", error.Message);
    }

    [Fact]
    public async Task A_directory_reads_no_more_namespaces_at_once_than_allowed()
    {
        var dump = Path.Combine(_temp, "wide");
        Directory.CreateDirectory(Path.Combine(dump, "db"));
        for (var i = 0; i < 8; i++) WriteDocuments(Path.Combine(dump, "db", $"c{i}.bson"), Compression.None, 5);
        await using var reader = DumpReaders.Open(dump);
        var running = 0;
        var peak = 0;
        await reader.ReadAsync(reader.Namespaces, async (_, docs) =>
        {
            var now = Interlocked.Increment(ref running);
            lock (reader) peak = Math.Max(peak, now);
            await foreach (var d in docs) await Task.Delay(2);
            Interlocked.Decrement(ref running);
        }, maxParallel: 3, default);
        Assert.InRange(peak, 2, 3);
    }

    [Fact]
    public async Task Cancelling_an_archive_read_stops_it_instead_of_hanging()
    {
        var builder = new ArchiveBuilder(("a", "one", Metadata("one"), ""));
        builder.Segment("a", "one", Enumerable.Range(0, 2000).Select(i => new BsonDocument("_id", i)).ToArray()).End("a", "one");
        await using var reader = DumpReaders.Open(Write("cancel.archive", builder.ToArray()));
        using var cancel = new CancellationTokenSource();
        var read = 0;
        var task = reader.ReadAsync(reader.Namespaces, async (_, docs) =>
        {
            await foreach (var d in docs)
                if (++read == 10) await cancel.CancelAsync();
        }, 1, cancel.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(read < 2000);
    }

    [Fact]
    public void A_repository_root_is_refused_with_how_to_list_its_full_snapshots()
    {
        var repo = Path.Combine(_temp, "repo");
        Directory.CreateDirectory(Path.Combine(repo, "20261124T221500Z-full-3f9a", "db"));
        File.WriteAllText(Path.Combine(repo, "20261124T221500Z-full-3f9a", "manifest.json"), "{}");
        var error = Assert.Throws<NotADumpException>(() => DumpReaders.Open(repo));
        // The reader names no snapshot folder (the first it finds may be an oplog slice, which a restore refuses): it
        // says how to list the full ones; the cmdlet names the newest full one from the catalog.
        Assert.Contains($"'{repo}' is a snapshot repository, not a dump", error.Message);
        Assert.Contains($"Get-MongoSnapshot -Repository '{repo}' -Kind Full", error.Message);
    }

    private static async Task<Dictionary<string, int>> CountAsync(IDumpReader reader, IReadOnlyCollection<DumpNamespace> chosen, int maxParallel)
    {
        var counts = new ConcurrentDictionary<string, int>();
        await reader.ReadAsync(chosen, async (ns, docs) =>
        {
            var n = 0;
            await foreach (var _ in docs) n++;
            counts[ns.FullName] = n;
        }, maxParallel, default);
        return counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary();
    }

    private static string Metadata(string collection) => new CollectionMetadata { CollectionName = collection }.ToDumpJson();

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_temp, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static void WriteDocuments(string path, Compression compression, int count)
    {
        using var stream = CompressionCodec.WrapForWrite(File.Create(path), compression);
        for (var i = 0; i < count; i++) stream.Write(new BsonDocument { { "_id", i }, { "pad", new string('p', 100) } }.ToBson());
    }

    private static void WriteText(string path, Compression compression, string text)
    {
        using var stream = CompressionCodec.WrapForWrite(File.Create(path), compression);
        stream.Write(System.Text.Encoding.UTF8.GetBytes(text));
    }
}
