using System.Buffers.Binary;
using MongoBackup.Engine.Codecs;
using MongoBackup.Engine.Formats;
using MongoDB.Bson;

namespace MongoBackup.Engine.Export;

/// <summary>
/// Writes a mongodump --archive file (mongo-tools common/archive/spec.md): the magic number, a header, one metadata
/// document per namespace and one for the oplog ({db: "", collection: "oplog"}, as mongodump lists it), a terminator,
/// then each namespace as one segment of its documents followed by its end marker with the CRC-64 of those documents.
/// The whole stream is gzip with --gzip. The prelude comes first, so every namespace is known before any is written.
/// </summary>
internal sealed class StockArchiveWriter : IStockDumpSink
{
    private static readonly byte[] Terminator = [0xff, 0xff, 0xff, 0xff];
    private readonly Stream _out;

    public StockArchiveWriter(string file, bool gzip)
    {
        var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        _out = CompressionCodec.WrapForWrite(stream, gzip ? Compression.Gzip : Compression.None);
    }

    public long Documents { get; private set; }
    public long OplogEntries { get; private set; }

    /// <param name="namespaces">Each namespace with the collection its documents are filed under and its size in bytes.</param>
    public async Task WritePreludeAsync(string serverVersion, IEnumerable<(DumpNamespace Ns, string DataCollection, long Bytes)> namespaces,
        bool hasOplog, CancellationToken ct)
    {
        var magic = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(magic, ArchivePrelude.MagicNumber);
        await _out.WriteAsync(magic, ct);
        await WriteAsync(new BsonDocument
        {
            { "concurrent_collections", 1 }, { "version", "0.1" }, { "server_version", serverVersion },
            { "tool_version", "MongoBackup " + EngineVersion.Current },
        }, ct);
        foreach (var (ns, _, bytes) in namespaces)
            await WriteAsync(new BsonDocument
            {
                { "db", ns.Database }, { "collection", ns.Collection }, { "metadata", ns.Metadata?.ToDumpJson() ?? "" },
                { "size", bytes <= int.MaxValue ? new BsonInt32((int)bytes) : new BsonInt64(bytes) },
                { "type", ns.Metadata?.Type ?? "" },
            }, ct);
        if (hasOplog)
            await WriteAsync(new BsonDocument { { "db", "" }, { "collection", ArchivePrelude.OplogCollection }, { "metadata", "" }, { "size", 0 }, { "type", "" } }, ct);
        await _out.WriteAsync(Terminator, ct);
    }

    public async Task WriteNamespaceAsync(DumpNamespace ns, string dataCollection, IAsyncEnumerable<byte[]>? documents, CancellationToken ct)
    {
        // A view has no documents, but like every namespace of the prelude it gets its end marker: mongorestore waits
        // for one per namespace ("archive finished before all collections were seen").
        Documents += await WriteSegmentAsync(ns.Database, dataCollection, documents ?? NoDocuments(), ct);
    }

    public async Task WriteOplogAsync(IAsyncEnumerable<byte[]> entries, CancellationToken ct) =>
        OplogEntries += await WriteSegmentAsync("", ArchivePrelude.OplogCollection, entries, ct);

    public Task CompleteAsync(CancellationToken ct) => _out.FlushAsync(ct);

    public ValueTask DisposeAsync() => _out.DisposeAsync();

    private async Task<long> WriteSegmentAsync(string db, string collection, IAsyncEnumerable<byte[]> documents, CancellationToken ct)
    {
        var crc = new Crc64Ecma();
        long count = 0;
        await foreach (var document in documents.WithCancellation(ct))
        {
            // A segment holds one or more documents: its header waits for the first.
            if (count == 0) await WriteAsync(Header(db, collection, eof: false, 0), ct);
            crc.Append(document);
            await _out.WriteAsync(document, ct);
            count++;
        }
        if (count > 0) await _out.WriteAsync(Terminator, ct);
        await WriteAsync(Header(db, collection, eof: true, crc.Value), ct);
        await _out.WriteAsync(Terminator, ct);
        return count;
    }

    private static async IAsyncEnumerable<byte[]> NoDocuments()
    {
        await Task.CompletedTask;
        yield break;
    }

    private static BsonDocument Header(string db, string collection, bool eof, ulong crc) =>
        new() { { "db", db }, { "collection", collection }, { "EOF", eof }, { "CRC", unchecked((long)crc) } };

    private Task WriteAsync(BsonDocument document, CancellationToken ct) => _out.WriteAsync(document.ToBson(), ct).AsTask();
}
