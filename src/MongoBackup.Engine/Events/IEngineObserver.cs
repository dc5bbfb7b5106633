namespace MongoBackup.Engine.Events;

/// <summary>
/// How the engine tells its host what is happening. Called from worker threads: a PowerShell cmdlet queues
/// these and writes them on the pipeline thread; a test or benchmark can simply collect them.
/// </summary>
public interface IEngineObserver
{
    void Verbose(string message);
    void Warning(string message);
    void Progress(ProgressUpdate update);
    /// <summary>A failure confined to one namespace; the run goes on with the others.</summary>
    void NamespaceFailed(string ns, MongoBackupException error);

    /// <summary>
    /// Detail for someone looking into a problem (PowerShell's -Debug): what the server is, each namespace with its
    /// options and indexes, oplog positions. Never a secret. Observers that do not show it need not implement it.
    /// </summary>
    void Debug(string message) { }
}

/// <summary>One step of progress: overall when <see cref="Namespace"/> is null, else for that namespace.</summary>
public sealed record ProgressUpdate(
    string Activity,
    string? Namespace,
    long Documents,
    long Bytes,
    long? TotalDocuments,
    TimeSpan Elapsed,
    bool Completed = false)
{
    public double DocumentsPerSecond => Elapsed.TotalSeconds > 0 ? Documents / Elapsed.TotalSeconds : 0;
    public double BytesPerSecond => Elapsed.TotalSeconds > 0 ? Bytes / Elapsed.TotalSeconds : 0;

    /// <summary>For overall progress: namespaces finished and in all.</summary>
    public long NamespacesDone { get; init; }
    public long NamespacesTotal { get; init; }

    public int? PercentComplete => NamespacesTotal > 0 ? (int)Math.Min(100, NamespacesDone * 100 / NamespacesTotal)
        : TotalDocuments is > 0 ? (int)Math.Min(100, Documents * 100 / TotalDocuments.Value) : null;

    public TimeSpan? TimeLeft => TotalDocuments is > 0 && Documents > 0 && DocumentsPerSecond > 0
        ? TimeSpan.FromSeconds(Math.Max(0, TotalDocuments.Value - Documents) / DocumentsPerSecond)
        : null;
}

/// <summary>An observer that ignores everything (engine callers that want no events).</summary>
public sealed class NullObserver : IEngineObserver
{
    public static readonly NullObserver Instance = new();
    public void Verbose(string message) { }
    public void Warning(string message) { }
    public void Progress(ProgressUpdate update) { }
    public void NamespaceFailed(string ns, MongoBackupException error) { }
}
