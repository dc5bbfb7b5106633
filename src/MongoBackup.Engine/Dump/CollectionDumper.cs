using System.Diagnostics;
using System.Text;
using MongoBackup.Engine.Catalog;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Repository;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Dump;

/// <summary>
/// Dumps one namespace: its metadata.json, and its documents as raw BSON straight from the cursor into the
/// codec stage, never deserialized. Memory is a few chunks whatever the collection's size.
/// One dumper serves a whole backup: every cursor it opens, of any collection or _id range, takes one of
/// <paramref name="maxReaders"/> slots, so the batches and chunks in flight (and so peak memory) depend on that
/// number, not on how many collections happen to be large enough to split.
/// </summary>
public sealed class CollectionDumper(
    IMongoClient client, SnapshotFileSet files, IEngineObserver observer, long splitThreshold, int maxReaders, DocumentQuery? query = null)
{
    private const int BatchSize = 4096;
    private readonly SemaphoreSlim _readerSlots = new(Math.Max(1, maxReaders));

    /// <summary>
    /// Writes the namespace's metadata file and (except for a view) its data file, and returns what the manifest records
    /// of it: its documents and their raw BSON bytes (as read from the server, before compression or encryption). Reports
    /// "Backing up" progress whose Bytes are those raw BSON bytes.
    /// </summary>
    public async Task<ManifestNamespace> DumpAsync(SourceCollection collection, CancellationToken ct)
    {
        await WriteMetadataAsync(collection, ct);
        if (!collection.HasData)
            return new ManifestNamespace(collection.Database, collection.Name, collection.TypeName, 0, 0);

        var (documents, bytes) = await WriteDataAsync(collection, ct);
        return new ManifestNamespace(collection.Database, collection.Name, collection.TypeName, documents, bytes);
    }

    private async Task WriteMetadataAsync(SourceCollection collection, CancellationToken ct)
    {
        var metadata = new CollectionMetadata
        {
            CollectionName = collection.Name,
            Type = collection.TypeName,
            Options = collection.Options,
            Indexes = collection.Indexes.ToList(),
            Uuid = collection.Uuid,
        };
        await using (var stream = await files.CreateAsync(DumpLayout.MetadataFile(collection.Database, collection.Name, files.Compression), ct))
            await stream.WriteAsync(Encoding.UTF8.GetBytes(metadata.ToDumpJson()), ct);
        if (MetadataJsonFidelity.Problem(metadata) is not { } problem) return;

        // Extended JSON cannot say it exactly: keep the exact BSON beside it, which our restore reads instead.
        await using (var exact = await files.CreateAsync(DumpLayout.ExactMetadataFile(collection.Database, collection.Name, files.Compression), ct))
            await exact.WriteAsync(metadata.ToBson(), ct);
        observer.Warning($"{collection.Namespace}: {problem}. The snapshot keeps the exact metadata beside its metadata.json, so "
                         + "Restore-MongoDatabase restores it as it is; stock mongorestore reads the JSON and would create this namespace "
                         + "with other options or indexes, or refuse it (mongodump itself refuses to dump such a collection).");
    }

    private async Task<(long Documents, long Bytes)> WriteDataAsync(SourceCollection collection, CancellationToken ct)
    {
        var source = client.GetDatabase(collection.Database).GetCollection<RawBsonDocument>(collection.DataCollection);
        // A query reads what matches in one cursor (the server picks the plan, as for mongodump --query); the count is unknown.
        var filter = query is null ? FilterDefinition<RawBsonDocument>.Empty : new BsonDocumentFilterDefinition<RawBsonDocument>(query.FilterFor(collection));
        var estimated = query is null ? await EstimateCountAsync(source, ct) : null;
        var ranges = query is null ? await IdRangePlanner.PlanAsync(source, collection, estimated, splitThreshold, maxReaders, ct) : [IdRange.Whole];
        var path = DumpLayout.DataFile(collection.Database, collection.DataCollection, files.Compression);
        var clock = Stopwatch.StartNew();
        long documents = 0, bytes = 0;

        await using var stream = await files.CreateAsync(path, ct);
        await using var writer = new ChunkedStreamWriter(stream, ct);
        if (ranges.Count > 1)
            observer.Verbose($"{collection.Namespace}: reading {ranges.Count} _id ranges in parallel.");
        await Parallel.ForEachAsync(ranges, new ParallelOptions { MaxDegreeOfParallelism = ranges.Count, CancellationToken = ct }, async (range, token) =>
        {
            await _readerSlots.WaitAsync(token);
            try
            {
                await ReadRangeAsync(range, token);
            }
            finally
            {
                _readerSlots.Release();
            }
        });
        await writer.CompleteAsync(ct);
        observer.Progress(new ProgressUpdate("Backing up", collection.Namespace, documents, bytes, estimated, clock.Elapsed, Completed: true));
        observer.Verbose($"{collection.Namespace}: {documents} documents, {bytes} bytes in {clock.Elapsed.TotalSeconds:0.0} s.");
        return (documents, bytes);

        async Task ReadRangeAsync(IdRange range, CancellationToken token)
        {
            var chunker = ranges.Count == 1 ? null : writer.CreateChunker();
            using var cursor = await source.FindAsync(filter, range.ToFindOptions(BatchSize), token);
            while (await cursor.MoveNextAsync(token))
            {
                long batchBytes = 0, batchDocuments = 0;
                foreach (var document in cursor.Current)
                {
                    using (document)
                    {
                        if (chunker is null) await writer.WriteDocumentAsync(document, token);
                        else await chunker.AppendAsync(document, token);
                        batchBytes += RawDocumentBytes.Length(document);
                        batchDocuments++;
                    }
                }
                var total = Interlocked.Add(ref documents, batchDocuments);
                observer.Progress(new ProgressUpdate("Backing up", collection.Namespace, total, Interlocked.Add(ref bytes, batchBytes), estimated, clock.Elapsed));
            }
            if (chunker is not null) await chunker.CompleteAsync(token);
        }
    }

    private static async Task<long?> EstimateCountAsync(IMongoCollection<RawBsonDocument> collection, CancellationToken ct)
    {
        try { return await collection.EstimatedDocumentCountAsync(cancellationToken: ct); }
        catch (MongoCommandException) { return null; } // progress without a total is still progress
    }
}
