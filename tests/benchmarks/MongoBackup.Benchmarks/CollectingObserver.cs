using MongoBackup.Engine.Model;
using MongoBackup.Engine.Events;

namespace MongoBackup.Benchmarks;

/// <summary>
/// Receives the engine's events during a run. Warnings are echoed; a failed namespace is kept so the phase can
/// refuse to report figures for a run that did not do all its work.
/// </summary>
public sealed class CollectingObserver : IEngineObserver
{
    private readonly List<string> _failures = [];
    private long _progressEvents;

    public IReadOnlyList<string> Failures { get { lock (_failures) return _failures.ToList(); } }
    public long ProgressEvents => Interlocked.Read(ref _progressEvents);

    public void Verbose(string message) { }
    public void Warning(string message) => Console.Error.WriteLine($"  engine warning: {message}");
    public void Progress(ProgressUpdate update) => Interlocked.Increment(ref _progressEvents);

    public void NamespaceFailed(string ns, MongoBackupException error)
    {
        lock (_failures) _failures.Add($"{ns}: {error.Message}");
    }

    public void ThrowIfAnyFailed(string run)
    {
        var failures = Failures;
        if (failures.Count > 0)
            throw new InvalidOperationException($"{run} did not complete, so its figures would mean nothing: {string.Join("; ", failures)}");
    }
}
