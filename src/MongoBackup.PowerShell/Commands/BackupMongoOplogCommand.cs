using System.Collections;
using System.Management.Automation;
using MongoBackup.Engine.Cluster;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.PowerShell.Pipeline;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// Saves the oplog since the repository's chain ended as one slice (for a scheduler), or with -Continuous tails it,
/// closing a slice every interval or size until the duration ends, the user presses Ctrl+C or the process gets SIGTERM.
/// </summary>
[Cmdlet(VerbsData.Backup, "MongoOplog", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = OnceSet)]
[OutputType(typeof(MongoSnapshot), typeof(MongoPlannedAction))]
public sealed class BackupMongoOplogCommand : MongoReadingCmdlet
{
    private const string OnceSet = "Once";
    private const string ContinuousSet = "Continuous";

    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    [RepositoryArgument]
    public string Repository { get; set; } = "";

    [Parameter]
    public Compression Compression { get; set; } = BackupCompression.Default;

    /// <summary>How hard gzip or zstd works: Fastest, Optimal (the default: no larger than mongodump --gzip) or SmallestSize.</summary>
    [Parameter]
    [ValidateSet(nameof(System.IO.Compression.CompressionLevel.Fastest), nameof(System.IO.Compression.CompressionLevel.Optimal),
        nameof(System.IO.Compression.CompressionLevel.SmallestSize))]
    public System.IO.Compression.CompressionLevel CompressionLevel { get; set; } = System.IO.Compression.CompressionLevel.Optimal;

    [Parameter]
    public Hashtable? Tag { get; set; }

    /// <summary>For a sharded cluster: shard member addresses as config.shards names them mapped to the names this machine reaches them by.</summary>
    [Parameter]
    public Hashtable? ShardHostMap { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ContinuousSet)]
    public SwitchParameter Continuous { get; set; }

    [Parameter(ParameterSetName = ContinuousSet)]
    [DurationArgument]
    public TimeSpan SliceInterval { get; set; } = TimeSpan.FromMinutes(10);

    [Parameter(ParameterSetName = ContinuousSet)]
    [ValidateRange(1, 1024 * 1024)]
    public int SliceSizeMB { get; set; } = 256;

    [Parameter(ParameterSetName = ContinuousSet)]
    [DurationArgument]
    public TimeSpan? Duration { get; set; }

    /// <summary>
    /// How long a capture that lost its server waits for it (retrying every 2 seconds) before it stops with
    /// ServerUnreachable, keeping the slices written and closing the open one; 10 minutes by default.
    /// </summary>
    [Parameter(ParameterSetName = ContinuousSet)]
    [DurationArgument]
    public TimeSpan ReconnectTimeout { get; set; } = TimeSpan.FromMinutes(10);

    protected override void ProcessRecord() => RunCommand(() =>
    {
        var repositoryPath = DescribeRepository(Repository);
        var connection = BuildReadingConnection();
        RequirePositive(SliceInterval, "-SliceInterval");
        if (Duration is { } duration) RequirePositive(duration, "-Duration");
        RequirePositive(ReconnectTimeout, "-ReconnectTimeout");

        // The chain continues a full snapshot kept there, so a missing folder is a mistake, not a new repository.
        var slice = new OplogSliceRequest
        {
            Connection = connection,
            Repository = OpenRepositoryArgument(Repository, IsWhatIf() ? RepositoryAccess.Read : RepositoryAccess.Write),
            Compression = Compression,
            CompressionLevel = CompressionArguments.Level(this, Compression, CompressionLevel),
            Tags = TagArguments.ToDictionary(Tag),
            Encryption = EncryptionKeys,
            ShardHostMap = ShardHostMapArguments.ToDictionary(ShardHostMap),
        };
        if (IsWhatIf())
        {
            WritePlan(slice, repositoryPath);
            return;
        }
        var action = Continuous
            ? $"Tail the oplog into {repositoryPath}, a slice every {SliceInterval} or {SliceSizeMB} MB, {(Duration is { } d ? $"for {d}" : "until stopped")}"
            : $"Save the oplog since the last slice into {repositoryPath}";
        if (!ShouldProcess(connection.DisplayName, action)) return;

        if (!Continuous)
        {
            var manifest = RunEngine((observer, ct) => new OplogBackup(observer).RunAsync(slice, ct));
            if (manifest is null)
            {
                // Not silent: a primary in use writes to its oplog at least every 10 seconds (a no-op when idle:
                // periodicNoopIntervalSecs, SERVER-23892), so a run that finds nothing is worth a line in a job's log.
                // A warning rather than an object: the pipeline gets only snapshots written (Invoke-MongoBackupPolicy's
                // result says Nothing as an object).
                WriteWarning(NothingNew(repositoryPath, "this run came seconds after the last one"));
                return;
            }
            WriteObject(MongoSnapshot.Committed(manifest, slice.Repository));
            return;
        }

        // Each slice is emitted the moment its manifest is committed, while the capture goes on. A SIGTERM (systemctl
        // stop, docker stop, kill) stops the capture as Ctrl+C does, closing and keeping the open slice, but lets the
        // script go on, so the process ends on its own with exit code 0; registered only while the capture runs.
        var folder = slice.Repository;
        using var signals = new StopSignals(RequestStop);
        var emitted = RunEngine((events, ct) =>
        {
            var announcing = new CommitAnnouncingRepository(folder, manifest => events.Output(MongoSnapshot.Committed(manifest, folder)));
            var capture = new ContinuousCaptureRequest
            {
                Slice = slice with { Repository = announcing },
                SliceInterval = SliceInterval,
                SliceSizeBytes = SliceSizeMB * 1024L * 1024L,
                Duration = Duration,
                ReconnectTimeout = ReconnectTimeout,
            };
            return new OplogBackup(events).RunContinuousAsync(capture, ct);
        });
        signals.Dispose();
        if (signals.Received is { } signal)
            WriteVerbose($"{signal} received: the capture stopped and closed its last slice ({emitted.Count} slice(s) written in this run).");
        // The same warning as the one-shot run's: a capture that wrote nothing is as worth a line in a job's log.
        if (emitted.Count == 0) WriteWarning(NothingNew(repositoryPath, "the capture was shorter than that"));
    });

    /// <summary>
    /// The warning for a run (one-shot or continuous) that wrote no slice: not silent, since a primary in use writes to
    /// its oplog at least every 10 seconds (a no-op when idle: periodicNoopIntervalSecs, SERVER-23892).
    /// </summary>
    /// <param name="firstCause">The likely cause particular to the form of the run.</param>
    private static string NothingNew(string repositoryPath, string firstCause) =>
        $"Nothing new in the oplog since the end of the chain in {repositoryPath} (-Verbose gives the point): no slice written. " +
        $"An active replica set's primary writes to its oplog at least every 10 seconds (a no-op when idle), so either {firstCause}, " +
        "or it reads from a member that is not replicating (see -ReadPreference).";

    /// <summary>
    /// The dry run: what the run checks (a replica set, a chain to continue, the key as the run judges it: a refused key
    /// makes WouldRun false with its error id), and the span a slice would hold now.
    /// </summary>
    private void WritePlan(OplogSliceRequest slice, string repositoryPath)
    {
        var plan = RunEngine((observer, ct) => new OplogBackup(observer).PlanAsync(slice, ct));
        var refusal = plan.KeyRefusal;
        var from = $"after {plan.ChainEnd} ({plan.ChainEnd.WallTime:u})";
        var gap = plan.Gap is { } g ? $"; GAP: the oplog has rolled past the chain's end, writes between {g.From.WallTime:u} and {g.To.WallTime:u} are lost" : "";
        if (Continuous)
            WritePlannedAction("Tail oplog", repositoryPath,
                $"entries {from} onward, a slice every {DurationArgumentAttribute.Describe(SliceInterval)} or {SliceSizeMB} MB, {(Duration is { } d ? $"for {DurationArgumentAttribute.Describe(d)}" : "until stopped")}{gap}",
                slice.Connection.DisplayName, refusal);
        else if (plan.Newest is { } newest)
            WritePlannedAction("Save oplog", repositoryPath, $"entries {from} up to {newest} ({newest.WallTime:u}) as one slice{gap}", slice.Connection.DisplayName,
                refusal);
        else
            // The run judges its key before it finds nothing new: a key it refuses is refused then too.
            WritePlannedAction("Nothing", repositoryPath, $"the oplog holds nothing {from}: no slice would be written", slice.Connection.DisplayName,
                refusal);
    }

    private static void RequirePositive(TimeSpan value, string parameter)
    {
        if (value <= TimeSpan.Zero)
            throw new MongoBackupException(ErrorIds.InvalidArgument, $"{parameter} must be longer than zero; it is {value}.");
    }
}
