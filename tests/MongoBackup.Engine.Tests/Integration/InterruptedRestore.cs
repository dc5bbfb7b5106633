using MongoBackup.Engine.Events;
using MongoBackup.Engine.Restore;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// A restore stopped as Ctrl+C stops it (its token cancelled) once the documents of its namespaces are in, before its
/// indexes and the end of the run: what a -Resume is for, the targets under the record of this restore.
/// </summary>
internal static class InterruptedRestore
{
    /// <summary>
    /// Runs <paramref name="request"/> and stops it once the first namespace's documents are in, or, given
    /// <paramref name="source"/> (a source namespace such as "db.items"), once that namespace's documents are in:
    /// namespaces restore in parallel, so which one finishes first is the machine's choice.
    /// </summary>
    public static Task RunAsync(RestoreRequest request, string? source = null) =>
        RunAsync((observer, ct) => new RestoreRunner(observer).RunAsync(request, ct), source);

    /// <summary>Runs a restore (<paramref name="restore"/>: a point-in-time one, say) and stops it once the first namespace's documents (or <paramref name="source"/>'s) are in.</summary>
    public static async Task RunAsync(Func<IEngineObserver, CancellationToken, Task> restore, string? source = null)
    {
        using var stop = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => restore(new StopAfterData(stop, source), stop.Token));
    }

    private sealed class StopAfterData(CancellationTokenSource stop, string? source) : IEngineObserver
    {
        public void Verbose(string message)
        {
            if (message.Contains("documents restored from", StringComparison.Ordinal) && (source is null || message.EndsWith($" restored from {source}.", StringComparison.Ordinal))) stop.Cancel();
        }

        public void Warning(string message) { }
        public void Progress(ProgressUpdate update) { }
        public void NamespaceFailed(string ns, MongoBackupException error) { }
    }
}
