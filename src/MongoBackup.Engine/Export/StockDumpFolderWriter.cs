using System.Text;
using MongoBackup.Engine.Codecs;
using MongoBackup.Engine.Formats;

namespace MongoBackup.Engine.Export;

/// <summary>
/// Writes mongodump's folder layout: &lt;db&gt;/&lt;stem&gt;.metadata.json and &lt;db&gt;/&lt;stem&gt;.bson, each with ".gz"
/// and gzip content under --gzip, stems as mongodump shortens them, and oplog.bson at the top (gzip content, plain
/// name, as mongodump --gzip writes it).
/// </summary>
internal sealed class StockDumpFolderWriter(string root, bool gzip) : IStockDumpSink
{
    private Compression Compression => gzip ? Compression.Gzip : Compression.None;

    public long Documents { get; private set; }
    public long OplogEntries { get; private set; }

    public async Task WriteNamespaceAsync(DumpNamespace ns, string dataCollection, IAsyncEnumerable<byte[]>? documents, CancellationToken ct)
    {
        if (ns.Metadata is { } metadata)
            await using (var stream = Create(DumpLayout.MetadataFile(ns.Database, ns.Collection, Compression)))
                await stream.WriteAsync(Encoding.UTF8.GetBytes(metadata.ToDumpJson()), ct);
        if (documents is not null)
            Documents += await WriteDocumentsAsync(DumpLayout.DataFile(ns.Database, dataCollection, Compression), documents, ct);
    }

    public async Task WriteOplogAsync(IAsyncEnumerable<byte[]> entries, CancellationToken ct) =>
        OplogEntries += await WriteDocumentsAsync(DumpLayout.OplogFile(Compression), entries, ct);

    public Task CompleteAsync(CancellationToken ct) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<long> WriteDocumentsAsync(string relativePath, IAsyncEnumerable<byte[]> documents, CancellationToken ct)
    {
        long count = 0;
        await using var stream = Create(relativePath);
        await foreach (var document in documents.WithCancellation(ct))
        {
            await stream.WriteAsync(document, ct);
            count++;
        }
        return count;
    }

    private Stream Create(string relativePath)
    {
        var path = Path.Combine(root, relativePath.Replace('/', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        return CompressionCodec.WrapForWrite(file, Compression);
    }
}
