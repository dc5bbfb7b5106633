using System.Diagnostics;

namespace MongoBackup.Engine.Events;

/// <summary>
/// Counts finished namespaces (and their documents and raw BSON bytes) across parallel workers for the overall progress
/// bar of <paramref name="activity"/>; <paramref name="totalNamespaces"/> makes its percentage.
/// </summary>
public sealed class OverallProgress(string activity, long totalNamespaces, IEngineObserver observer, Stopwatch clock)
{
    private long _namespaces, _documents, _bytes;

    /// <summary>One namespace finished with <paramref name="documents"/> documents of <paramref name="bytes"/> raw BSON bytes: reports the totals so far.</summary>
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
