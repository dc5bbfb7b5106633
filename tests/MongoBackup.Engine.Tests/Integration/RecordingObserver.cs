using System.Collections.Concurrent;
using MongoBackup.Engine.Events;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>Keeps every engine event so tests can assert on warnings and failures.</summary>
public sealed class RecordingObserver : IEngineObserver
{
    public ConcurrentQueue<string> Verboses { get; } = new();
    public ConcurrentQueue<string> Warnings { get; } = new();
    public ConcurrentQueue<string> Debugs { get; } = new();
    public ConcurrentQueue<ProgressUpdate> Progresses { get; } = new();
    public ConcurrentQueue<(string Namespace, MongoBackupException Error)> Failures { get; } = new();

    /// <summary>Called with each verbose message once it is recorded: a test's way to act at a point of a run (stop it there).</summary>
    public Action<string>? OnVerbose { get; init; }

    public void Verbose(string message)
    {
        Verboses.Enqueue(message);
        OnVerbose?.Invoke(message);
    }
    public void Warning(string message) => Warnings.Enqueue(message);
    public void Debug(string message) => Debugs.Enqueue(message);
    public void Progress(ProgressUpdate update) => Progresses.Enqueue(update);
    public void NamespaceFailed(string ns, MongoBackupException error) => Failures.Enqueue((ns, error));
}
