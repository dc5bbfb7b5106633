using MongoBackup.Engine.Formats;

namespace MongoBackup.Engine.Export;

/// <summary>
/// Where an export puts namespaces, in the order it is given them: one namespace (metadata, then its documents) at a
/// time, then the oplog. <see cref="StockDumpFolderWriter"/> and <see cref="StockArchiveWriter"/> write mongodump's two forms.
/// </summary>
internal interface IStockDumpSink : IAsyncDisposable
{
    /// <param name="dataCollection">The collection the documents are filed under (a time-series collection's buckets before server 8.3).</param>
    Task WriteNamespaceAsync(DumpNamespace ns, string dataCollection, IAsyncEnumerable<byte[]>? documents, CancellationToken ct);

    Task WriteOplogAsync(IAsyncEnumerable<byte[]> entries, CancellationToken ct);

    /// <summary>Finishes the output; nothing written is complete before this returns.</summary>
    Task CompleteAsync(CancellationToken ct);

    /// <summary>Documents and oplog entries written so far.</summary>
    long Documents { get; }
    long OplogEntries { get; }
}
