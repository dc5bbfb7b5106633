using System.Collections;
using System.Management.Automation;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Policy;
using MongoBackup.Engine.Repository;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// The one command a scheduler runs every few minutes: under a repository lease, a full snapshot when one is due
/// (-FullEvery), otherwise an oplog slice (of a replica set, or of a sharded cluster through its mongos); then retention
/// when -Keep* rules are given. A run that finds the lease
/// held by another run returns Action Skipped at once instead of failing.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "MongoBackupPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(MongoPolicyResult), typeof(MongoPlannedAction))]
public sealed class InvokeMongoBackupPolicyCommand : MongoBackupSourceCmdlet
{
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    [RepositoryArgument]
    public string Repository { get; set; } = "";

    [Parameter(Mandatory = true)]
    [DurationArgument(Minimum = "00:01:00")]
    public TimeSpan FullEvery { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int KeepLast { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int KeepDaily { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int KeepWeekly { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int KeepMonthly { get; set; }

    [Parameter]
    [DurationArgument(Minimum = "00:01:00")]
    public TimeSpan KeepWithin { get; set; }

    /// <summary>Keep what a point-in-time restore to any moment of this span before the newest restorable moment needs.</summary>
    [Parameter]
    [DurationArgument(Minimum = "00:01:00")]
    public TimeSpan RestoreWindow { get; set; }

    /// <summary>The full backups also save the users and roles of the databases taken, as Backup-MongoDatabase -IncludeUsersAndRoles.</summary>
    [Parameter]
    public SwitchParameter IncludeUsersAndRoles { get; set; }

    [Parameter]
    public Compression Compression { get; set; } = BackupCompression.Default;

    /// <summary>How hard gzip or zstd works: Fastest, Optimal (the default: no larger than mongodump --gzip) or SmallestSize.</summary>
    [Parameter]
    [ValidateSet(nameof(System.IO.Compression.CompressionLevel.Fastest), nameof(System.IO.Compression.CompressionLevel.Optimal),
        nameof(System.IO.Compression.CompressionLevel.SmallestSize))]
    public System.IO.Compression.CompressionLevel CompressionLevel { get; set; } = System.IO.Compression.CompressionLevel.Optimal;

    [Parameter]
    [DurationArgument]
    public TimeSpan LeaseDuration { get; set; } = BackupPolicyRequest.DefaultLeaseDuration;

    [Parameter]
    public Hashtable? Tag { get; set; }

    /// <summary>For a sharded cluster: shard member addresses as config.shards names them mapped to the names this machine reaches them by.</summary>
    [Parameter]
    public Hashtable? ShardHostMap { get; set; }

    /// <summary>For a sharded cluster: a run that takes a full backup stops a running balancer for it and starts it again afterwards.</summary>
    [Parameter]
    public SwitchParameter StopBalancer { get; set; }

    protected override void ProcessRecord() => RunCommand(() =>
    {
        var connection = BuildReadingConnection();
        var request = new BackupPolicyRequest
        {
            Connection = connection,
            // The first run of a new schedule starts a new folder repository; a container or bucket must already exist.
            Repository = OpenRepositoryArgument(Repository, IsWhatIf() ? RepositoryAccess.Read : RepositoryAccess.Write, mustExist: false),
            FullEvery = FullEvery,
            Filter = SourceFilter(),
            Retention = RetentionRulesGiven(),
            Compression = Compression,
            CompressionLevel = CompressionArguments.Level(this, Compression, CompressionLevel),
            Encryption = EncryptionKeys,
            Tags = TagArguments.ToDictionary(Tag),
            LeaseDuration = LeaseDuration,
            ShardHostMap = ShardHostMapArguments.ToDictionary(ShardHostMap),
            StopBalancer = StopBalancer.IsPresent,
            IncludeUsersAndRoles = IncludeUsersAndRoles.IsPresent,
        };
        request.Validate();

        var action = $"Back up into {request.Repository.Location} by policy (full every {DurationArgumentAttribute.Describe(FullEvery)}, oplog slices between)"
            + (request.Retention is { } rules ? $", then apply retention ({rules}) to this source's snapshots" : "");
        if (IsWhatIf())
        {
            WarnWhenNewRepository(request.Repository, "this policy's first run");
            var preview = Await(ct => BackupPolicyRunner.PreviewAsync(request, ct));
            var (decision, removals, refusal) = preview;
            WritePlannedAction(decision.Action.ToString(), request.Repository.Location, decision.Reason, connection.DisplayName, refusal);
            foreach (var id in removals)
                WritePlannedAction("Remove", id, $"snapshot of {preview.RetentionSource} from {request.Repository.Location} (retention: {request.Retention})", request.Repository.Location);
            if (preview.OtherSourcesKept.Count > 0)
                WriteVerbose($"Retention reaches the snapshots of {preview.RetentionSource} only: {preview.OtherSourcesKept.Count} snapshot(s) of other sources " +
                    $"({string.Join(", ", preview.OtherSourcesKept)}) are kept, for their own policy, or Invoke-MongoSnapshotRetention or Remove-MongoSnapshot, to decide on.");
            return;
        }
        if (!ShouldProcess(connection.DisplayName, action)) return;

        WarnWhenNewRepository(request.Repository, "this policy's first run");
        var result = RunEngine((observer, ct) => new BackupPolicyRunner(observer).RunAsync(request, ct));
        WriteObject(MongoPolicyResult.From(result, request.Repository));
    });

    private RetentionRules? RetentionRulesGiven()
    {
        var rules = new RetentionRules
        {
            KeepLast = Bound(nameof(KeepLast), KeepLast),
            KeepDaily = Bound(nameof(KeepDaily), KeepDaily),
            KeepWeekly = Bound(nameof(KeepWeekly), KeepWeekly),
            KeepMonthly = Bound(nameof(KeepMonthly), KeepMonthly),
            KeepWithin = MyInvocation.BoundParameters.ContainsKey(nameof(KeepWithin)) ? KeepWithin : null,
            RestoreWindow = MyInvocation.BoundParameters.ContainsKey(nameof(RestoreWindow)) ? RestoreWindow : null,
        };
        return rules == new RetentionRules() ? null : rules;
    }

    private int? Bound(string name, int value) => MyInvocation.BoundParameters.ContainsKey(name) ? value : null;
}
