using MongoBackup.Engine.Formats;

namespace MongoBackup.Engine.Tests.Restore;

/// <summary>A dump that lists <paramref name="namespaces"/> and holds no documents: for planning a restore, which reads none.</summary>
internal sealed class ListedDump(IReadOnlyList<DumpNamespace> namespaces) : IDumpReader
{
    public string Location => "dump";
    public IReadOnlyList<DumpNamespace> Namespaces => namespaces;
    public bool HasOplog => false;

    public Task ReadBlocksAsync(IReadOnlyCollection<DumpNamespace> chosen, Func<DumpNamespace, IAsyncEnumerable<DocumentBlock>, Task> consume,
        int maxParallel, CancellationToken ct) => throw new NotSupportedException("planning reads no documents");

    public IAsyncEnumerable<byte[]> ReadOplogAsync(CancellationToken ct) => throw new NotSupportedException("planning reads no oplog");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
