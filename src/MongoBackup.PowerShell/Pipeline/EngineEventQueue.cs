using System.Threading.Channels;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Events;

namespace MongoBackup.PowerShell.Pipeline;

/// <summary>Something the engine reported from a worker thread, waiting to be written on the pipeline thread.</summary>
public abstract record EngineEvent;
public sealed record VerboseEvent(string Message) : EngineEvent;
public sealed record DebugEvent(string Message) : EngineEvent;
public sealed record WarningEvent(string Message) : EngineEvent;
public sealed record ProgressEvent(ProgressUpdate Update) : EngineEvent;
public sealed record NamespaceFailedEvent(string Namespace, MongoBackupException Error) : EngineEvent;
/// <summary>An output object ready before the run ends (a slice closed during a continuous capture).</summary>
public sealed record OutputEvent(object Value) : EngineEvent;

/// <summary>
/// The engine's observer for a cmdlet. PowerShell only lets the pipeline thread write, so engine workers
/// enqueue here and the cmdlet drains the queue until the engine run completes it.
/// </summary>
public sealed class EngineEventQueue : IEngineObserver, IDisposable
{
    // A channel rather than a BlockingCollection: that one wakes a waiting consumer at CompleteAdding by cancelling a
    // token, an exception thrown and caught at the end of every cmdlet run (issue 19); a channel's completion throws nothing.
    private readonly Channel<EngineEvent> _events = Channel.CreateUnbounded<EngineEvent>(new UnboundedChannelOptions { SingleReader = true });

    public void Verbose(string message) => Add(new VerboseEvent(message));
    public void Debug(string message) => Add(new DebugEvent(message));
    public void Warning(string message) => Add(new WarningEvent(message));
    public void Progress(ProgressUpdate update) => Add(new ProgressEvent(update));
    public void NamespaceFailed(string ns, MongoBackupException error) => Add(new NamespaceFailedEvent(ns, error));

    /// <summary>Emits <paramref name="value"/> on the pipeline while the run goes on, rather than when it ends.</summary>
    public void Output(object value) => Add(new OutputEvent(value));

    /// <summary>No more events: the engine run has ended.</summary>
    public void Complete() => _events.Writer.TryComplete();

    /// <summary>Blocks on the calling (pipeline) thread, yielding events until <see cref="Complete"/>.</summary>
    public IEnumerable<EngineEvent> Drain()
    {
        var reader = _events.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            while (reader.TryRead(out var e))
                yield return e;
    }

    /// <summary>Nothing to release (kept so callers' using blocks stay as they are).</summary>
    public void Dispose() { }

    // An event raised after the run ended (a late worker callback) has nobody left to show it to: TryWrite refuses it.
    private void Add(EngineEvent e) => _events.Writer.TryWrite(e);
}
