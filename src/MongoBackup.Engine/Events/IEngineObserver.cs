namespace MongoBackup.Engine.Events;

/// <summary>
/// How the engine tells its host what is happening. Called from worker threads: a PowerShell cmdlet queues
/// these and writes them on the pipeline thread; a test or benchmark can simply collect them.
/// </summary>
public interface IEngineObserver
{
    /// <summary>A step taken (PowerShell's -Verbose): what was read, written, chosen, and why.</summary>
    void Verbose(string message);

    /// <summary>Something the user should know that does not stop the run (a refused document, metadata kept only approximately).</summary>
    void Warning(string message);

    /// <summary>How far an activity has got; called often, from several threads, so it must be cheap.</summary>
    void Progress(ProgressUpdate update);

    /// <summary>A failure confined to one namespace; the run goes on with the others.</summary>
    void NamespaceFailed(string ns, MongoBackupException error);

    /// <summary>
    /// Detail for someone looking into a problem (PowerShell's -Debug): what the server is, each namespace with its
    /// options and indexes, oplog positions. Never a secret. Observers that do not show it need not implement it.
    /// </summary>
    void Debug(string message) { }
}

/// <summary>What the bytes of a <see cref="ProgressUpdate"/> count.</summary>
public enum ProgressBytes
{
    /// <summary>
    /// Raw BSON: the documents' own bytes, as the server sends them and as mongodump's .bson files hold them, before
    /// compression or encryption ("Backing up", "Restoring", "Exporting"; the manifest's namespace Bytes are these too).
    /// </summary>
    RawBson,

    /// <summary>Stored bytes: the files' sizes in the repository, compressed and encrypted as they are kept ("Testing snapshot", "Copying snapshot").</summary>
    Stored,
}

/// <summary>One step of progress: overall when <see cref="Namespace"/> is null, else for that namespace.</summary>
/// <param name="Activity">What is being done ("Backing up", "Restoring", "Testing snapshot ID", ...): one progress bar per activity.</param>
/// <param name="Namespace">"database.collection" for a namespace's own progress; null for the overall progress of the activity.</param>
/// <param name="Documents">Documents done so far (for the overall progress, in the namespaces finished).</param>
/// <param name="Bytes">Bytes done so far, in the unit <see cref="BytesAre"/> names; 0 when the activity does not count bytes.</param>
/// <param name="TotalDocuments">Documents expected in all (the server's estimate while backing up); null when unknown.</param>
/// <param name="Elapsed">Time since the activity (or the namespace) began.</param>
/// <param name="Completed">True on the last update of the activity or namespace.</param>
public sealed record ProgressUpdate(
    string Activity,
    string? Namespace,
    long Documents,
    long Bytes,
    long? TotalDocuments,
    TimeSpan Elapsed,
    bool Completed = false)
{
    /// <summary>
    /// What <see cref="Bytes"/> counts: raw BSON (the default: backup, restore and export) or stored bytes (verification
    /// and copies, which read files as they are kept). The two differ by the compression ratio, often 3 to 10 times.
    /// </summary>
    public ProgressBytes BytesAre { get; init; } = ProgressBytes.RawBson;

    /// <summary>Documents per second since the start (<see cref="Documents"/> over <see cref="Elapsed"/>); 0 before any time has passed.</summary>
    public double DocumentsPerSecond => Elapsed.TotalSeconds > 0 ? Documents / Elapsed.TotalSeconds : 0;

    /// <summary>Bytes per second since the start, in the unit of <see cref="Bytes"/> (<see cref="BytesAre"/>); 0 before any time has passed.</summary>
    public double BytesPerSecond => Elapsed.TotalSeconds > 0 ? Bytes / Elapsed.TotalSeconds : 0;

    /// <summary>For overall progress: namespaces (or files, when testing a snapshot) finished.</summary>
    public long NamespacesDone { get; init; }

    /// <summary>For overall progress: namespaces (or files) in all; 0 on a namespace's own progress.</summary>
    public long NamespacesTotal { get; init; }

    /// <summary>
    /// Percent done, 0 to 100: by namespaces for overall progress, else by documents against <see cref="TotalDocuments"/>;
    /// null when neither total is known.
    /// </summary>
    public int? PercentComplete => NamespacesTotal > 0 ? (int)Math.Min(100, NamespacesDone * 100 / NamespacesTotal)
        : TotalDocuments is > 0 ? (int)Math.Min(100, Documents * 100 / TotalDocuments.Value) : null;

    /// <summary>The documents left at the rate so far; null without a <see cref="TotalDocuments"/> or a rate.</summary>
    public TimeSpan? TimeLeft => TotalDocuments is > 0 && Documents > 0 && DocumentsPerSecond > 0
        ? TimeSpan.FromSeconds(Math.Max(0, TotalDocuments.Value - Documents) / DocumentsPerSecond)
        : null;
}

/// <summary>An observer that ignores everything (engine callers that want no events).</summary>
public sealed class NullObserver : IEngineObserver
{
    /// <summary>The one instance; it holds no state.</summary>
    public static readonly NullObserver Instance = new();

    /// <inheritdoc/>
    public void Verbose(string message) { }

    /// <inheritdoc/>
    public void Warning(string message) { }

    /// <inheritdoc/>
    public void Progress(ProgressUpdate update) { }

    /// <inheritdoc/>
    public void NamespaceFailed(string ns, MongoBackupException error) { }
}
