using MongoBackup.Engine.Events;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// An observer that runs an action once, at the backup's first progress report (a namespace has been dumped, the
/// oplog start was noted before it and the end is noted after it), so what the action changes lands in the
/// snapshot's own oplog. Everything else is recorded as <see cref="RecordingObserver"/> does.
/// </summary>
public sealed class DuringBackupHook(Action action) : IEngineObserver
{
    private int _ran;
    public RecordingObserver Recorded { get; } = new();
    public bool Ran => Volatile.Read(ref _ran) == 1;

    public void Verbose(string message) => Recorded.Verbose(message);
    public void Warning(string message) => Recorded.Warning(message);
    public void NamespaceFailed(string ns, MongoBackupException error) => Recorded.NamespaceFailed(ns, error);

    public void Progress(ProgressUpdate update)
    {
        Recorded.Progress(update);
        if (Interlocked.Exchange(ref _ran, 1) == 0) action();
    }
}
