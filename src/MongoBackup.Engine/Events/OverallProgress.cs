using System.Diagnostics;

namespace MongoBackup.Engine.Events;

/// <summary>Counts finished namespaces (and their documents and bytes) across parallel workers for the overall progress bar.</summary>
public sealed class OverallProgress(string activity, long totalNamespaces, IEngineObserver observer, Stopwatch clock)
{
    private long _namespaces, _documents, _bytes;

    public void NamespaceDone(long documents, long bytes)
    {
        var done = Interlocked.Increment(ref _namespaces);
        var docs = Interlocked.Add(ref _documents, documents);
        var total = Interlocked.Add(ref _bytes, bytes);
        observer.Progress(new ProgressUpdate(activity, null, docs, total, null, clock.Elapsed)
        {
            NamespacesDone = done,
            NamespacesTotal = totalNamespaces,
        });
    }
}
