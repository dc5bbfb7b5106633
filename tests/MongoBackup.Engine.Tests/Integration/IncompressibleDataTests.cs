using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// Random bytes do not compress: compressed output is then larger than its input, and no size of data may make a
/// backup fail. Each collection's data adds up to a size at a buffer boundary of the write path (1 MiB document
/// chunks and compression blocks, 64 KiB encryption chunks, one byte either side), or holds a 16 MiB document, and
/// round-trips byte for byte through backup and restore for every compression, in the clear and encrypted.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class IncompressibleDataTests(MongoServerFixture server)
{
    private const int Block = 1 << 20;           // ChunkedStreamWriter.ChunkSize and the compression block size
    private const int EncryptionChunk = 64 * 1024;
    private const int MaxDocument = 16 * 1024 * 1024;
    private const int DocumentOverhead = 22;     // {_id: int32, b: BinData(n)} is n + 22 bytes of BSON

    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    /// <summary>Collection name and the total BSON bytes of its documents.</summary>
    private static readonly (string Name, long Bytes)[] Sizes =
    [
        ("block_minus_1", Block - 1), ("block", Block), ("block_plus_1", Block + 1), ("two_blocks_plus_1", 2L * Block + 1),
        ("enc_minus_1", EncryptionChunk - 1), ("enc", EncryptionChunk), ("enc_plus_1", EncryptionChunk + 1),
    ];

    [Theory]
    [InlineData(Compression.Gzip, false)]
    [InlineData(Compression.Zstd, false)]
    [InlineData(Compression.None, false)]
    [InlineData(Compression.Gzip, true)]
    [InlineData(Compression.Zstd, true)]
    [InlineData(Compression.None, true)]
    public async Task Random_bytes_at_every_buffer_boundary_round_trip_exactly(Compression compression, bool encrypted)
    {
        var database = TestDatabases.NewName("rand");
        var db = server.Client.GetDatabase(database);
        var random = new Random(17);
        // The reported case: 124 documents of 8 KiB random bytes, which failed with "Memory stream is not expandable".
        await db.GetCollection<BsonDocument>("issue").InsertManyAsync(Enumerable.Range(0, 124).Select(i => Document(i, 8192, random)));
        foreach (var (name, bytes) in Sizes)
            await db.GetCollection<BsonDocument>(name).InsertManyAsync(DocumentsTotalling(bytes, random));
        // The largest document the server stores, and the one byte smaller, each alone in a chunk of its own.
        await db.GetCollection<BsonDocument>("max_document").InsertOneAsync(Document(0, MaxDocument - DocumentOverhead, random));
        await db.GetCollection<BsonDocument>("max_document").InsertOneAsync(Document(1, MaxDocument - 1 - DocumentOverhead, random));
        var before = await DatabaseState.CaptureAsync(server.Client, database);
        Assert.Equal(Block + 1, before.Collections["block_plus_1"].Documents.Sum(d => d.Length / 2L));

        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var keys = encrypted ? EncryptionKeySource.FromPassphrase(SecureText.Of("random bytes")) : null;
        var manifest = await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Compression = compression, Encryption = keys,
            Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);
        Assert.Equal(SnapshotStatus.Complete, manifest.Status);

        var target = database + "_r";
        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, Snapshot = new RepositorySnapshot(repository, manifest.Id), Encryption = keys,
            Map = new NamespaceMap().AddDatabaseRename(database, target),
        }, CancellationToken.None);

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Namespaces.Where(n => n.Error != null).Select(n => n.Error)));
        before.AssertSameAs(await DatabaseState.CaptureAsync(server.Client, target));
        await server.Client.DropDatabaseAsync(database);
        await server.Client.DropDatabaseAsync(target);
    }

    [Theory]
    [InlineData(Compression.Gzip)]
    [InlineData(Compression.Zstd)]
    public async Task An_oplog_slice_of_random_bytes_is_saved_and_replays(Compression compression)
    {
        var database = TestDatabases.NewName("rand_oplog");
        var target = database + "_r";
        using var repo = new TempFolder();
        var repository = new FolderRepository(repo.Path);
        var items = server.Client.GetDatabase(database).GetCollection<BsonDocument>("items");
        await items.InsertOneAsync(new BsonDocument("_id", -1));
        await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Compression = compression, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);
        using var session = await server.Client.StartSessionAsync();
        var random = new Random(5);
        await items.InsertManyAsync(session, Enumerable.Range(0, 124).Select(i => Document(i, 8192, random)));
        var moment = OplogTimestamp.FromBsonTimestamp(session.OperationTime);

        var slice = await new OplogSliceRunner(new RecordingObserver()).RunAsync(
            new OplogSliceRequest { Connection = Connection, Repository = repository, Compression = compression }, CancellationToken.None);
        Assert.NotNull(slice);

        var outcome = await new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(new PointInTimeRestoreRequest
        {
            Repository = repository, Limit = OplogLimit.AtClusterTime(moment),
            Restore = new RestoreRequest { Connection = Connection, Map = new NamespaceMap().AddDatabaseRename(database, target) },
        }, CancellationToken.None);
        Assert.True(outcome.Restore.Succeeded, outcome.Restore.OplogError);
        var before = await DatabaseState.CaptureAsync(server.Client, database);
        before.AssertSameAs(await DatabaseState.CaptureAsync(server.Client, target));
        await server.Client.DropDatabaseAsync(database);
        await server.Client.DropDatabaseAsync(target);
    }

    private static BsonDocument Document(int id, int payload, Random random)
    {
        var bytes = new byte[payload];
        random.NextBytes(bytes);
        return new BsonDocument { { "_id", id }, { "b", new BsonBinaryData(bytes) } };
    }

    /// <summary>Documents of 8 KiB and less whose BSON adds up to exactly <paramref name="total"/> bytes.</summary>
    private static List<BsonDocument> DocumentsTotalling(long total, Random random)
    {
        var documents = new List<BsonDocument>();
        var left = total;
        while (left > 0)
        {
            // Never leave a remainder smaller than the smallest document.
            var size = left <= 8192 + DocumentOverhead ? left : Math.Min(8192, left - DocumentOverhead);
            documents.Add(Document(documents.Count, (int)size - DocumentOverhead, random));
            left -= size;
        }
        Assert.Equal(total, documents.Sum(d => (long)d.ToBson().Length));
        return documents;
    }
}
