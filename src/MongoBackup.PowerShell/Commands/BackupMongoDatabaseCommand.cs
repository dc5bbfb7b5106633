using System.Collections;
using System.Management.Automation;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Security;
using MongoBackup.PowerShell.Completion;
using MongoBackup.PowerShell.Pipeline;

namespace MongoBackup.PowerShell.Commands;

/// <summary>Takes a full logical snapshot of an instance, some databases or some collections into a repository folder.</summary>
[Cmdlet(VerbsData.Backup, "MongoDatabase", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(MongoSnapshot), typeof(MongoPlannedAction))]
public sealed class BackupMongoDatabaseCommand : MongoBackupSourceCmdlet
{
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    [RepositoryArgument]
    public string Repository { get; set; } = "";

    [Parameter]
    public SwitchParameter IncludeUsersAndRoles { get; set; }

    [Parameter]
    public Compression Compression { get; set; } = BackupCompression.Default;

    /// <summary>How hard gzip or zstd works: Fastest, Optimal (the default: no larger than mongodump --gzip) or SmallestSize.</summary>
    [Parameter]
    [ValidateSet(nameof(System.IO.Compression.CompressionLevel.Fastest), nameof(System.IO.Compression.CompressionLevel.Optimal),
        nameof(System.IO.Compression.CompressionLevel.SmallestSize))]
    public System.IO.Compression.CompressionLevel CompressionLevel { get; set; } = System.IO.Compression.CompressionLevel.Optimal;

    /// <summary>How many cursors read at once: collections, or _id ranges of a large one (mongodump's --numParallelCollections).</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    [Alias("NumParallelCollections")]
    public int ParallelCollections { get; set; } = 4;

    [Parameter]
    public Hashtable? Tag { get; set; }

    /// <summary>A filter for the one collection backed up, as Extended JSON (mongodump's --query).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Query { get; set; }

    /// <summary>A file holding the -Query filter (mongodump's --queryFile).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? QueryFile { get; set; }

    /// <summary>Keep this snapshot out of the backup chain (as dbatools' Backup-DbaDatabase -CopyOnly): an ad-hoc copy.</summary>
    [Parameter]
    public SwitchParameter CopyOnly { get; set; }

    /// <summary>For a sharded cluster: shard member addresses as config.shards names them mapped to the names this machine reaches them by (@{'old:27018'='new:27018'}).</summary>
    [Parameter]
    public Hashtable? ShardHostMap { get; set; }

    /// <summary>For a sharded cluster: stop a running balancer for the backup and start it again afterwards.</summary>
    [Parameter]
    public SwitchParameter StopBalancer { get; set; }

    /// <summary>
    /// mongodump --db admin saves admin's users, roles and auth schema with its collections; here they are saved only with
    /// -IncludeUsersAndRoles. Named without it, admin's own collections alone are backed up (it often has none, and the
    /// snapshot's Contents then does not name it): said, rather than left for the DBA to find at restore time.
    /// </summary>
    private void WarnWhenAdminWithoutUsers()
    {
        if (IncludeUsersAndRoles || Database is null || !Database.Contains("admin", StringComparer.Ordinal)) return;
        WriteWarning("-Database admin backs up the admin database's own collections only (it often has none): its users, " +
            "roles and auth schema (admin.system.users, system.roles, system.version) are saved with -IncludeUsersAndRoles, " +
            "which with admin named saves every database's users and roles, as mongodump --db admin does.");
    }

    protected override void ProcessRecord() => RunCommand(() =>
    {
        var whatIf = IsWhatIf();
        var keys = EncryptionKeys;
        RefuseShortNewPassphrase(keys); // before anything is said or made
        var newFolder = FolderToCreate();
        var request = new BackupRequest
        {
            Connection = BuildReadingConnection(),
            Repository = whatIf ? new WhatIfRepository(DescribeRepository(Repository)) : OpenRepository(),
            Filter = SourceFilter(),
            Query = QueryArguments.Build(Query, QueryFile, ResolvePath),
            Compression = Compression,
            CompressionLevel = CompressionArguments.Level(this, Compression, CompressionLevel),
            ParallelCollections = ParallelCollections,
            IncludeUsersAndRoles = IncludeUsersAndRoles.IsPresent,
            Tags = TagArguments.ToDictionary(Tag),
            Encryption = keys,
            CopyOnly = CopyOnly.IsPresent,
            ShardHostMap = ShardHostMapArguments.ToDictionary(ShardHostMap),
            StopBalancer = StopBalancer.IsPresent,
        };

        WarnWhenAdminWithoutUsers();
        if (whatIf)
        {
            // The dry run checks what the run checks (the server, the selection, a -Query's collection) and emits one step
            // per namespace the backup would take; nothing is written.
            var query = request.Query is { } q ? $", only documents matching {q.Text}" : "";
            var refusal = RepositoryRefusal();
            // The repository refuses the whole backup (its key): said once, as the error the run gives, so -ErrorAction
            // Stop stops here; each step is still marked WouldRun false, without repeating it.
            if (refusal is not null) WriteError(EngineErrors.ToRecord(refusal));
            WarnWhenNewRepository(OpenRepositoryArgument(Repository, RepositoryAccess.Read, mustExist: false), "this backup");
            var (cluster, collections) = Await(ct => Engine.Cluster.FullBackup.PlanAsync(request, ct));
            if (cluster is not null)
            {
                WriteClusterPlan(cluster, request, refusal);
                return;
            }
            if (collections.Count == 0) WriteWarning(Engine.Dump.BackupRunner.NoUserDatabasesWarning(request.Connection.DisplayName, hasOplog: true));
            foreach (var collection in collections)
                WritePlannedAction("Back up", collection.Namespace, $"{collection.TypeName} into {request.Repository.Location}{query}", request.Connection.DisplayName, refusal,
                    warnRefusal: false);
            return;
        }
        if (!ShouldProcess(request.Connection.DisplayName, $"Back up into {request.Repository.Location}"))
        {
            RemoveIfEmpty(newFolder); // declined: the folder opening created is not left behind
            return;
        }

        SnapshotManifest manifest;
        try
        {
            // Said when the backup reserves its snapshot, past every check that may refuse it (a running balancer), so a
            // refused run does not claim to start a repository.
            var notice = Await(ct => NewRepositoryNotice.ForAsync(request.Repository, "this backup", "-Repository", planned: false, ct));
            manifest = RunEngine((observer, ct) => new Engine.Cluster.FullBackup(observer).RunAsync(notice is null ? request : request with
            {
                Repository = new CommitAnnouncingRepository(request.Repository, _ => { }) { FirstReserved = () => observer.Warning(notice) },
            }, ct));
        }
        catch
        {
            // A backup refused or failed before its first file (a running balancer, an unreachable server) leaves no
            // empty repository folder behind where there was none.
            RemoveIfEmpty(newFolder);
            throw;
        }
        WriteObject(MongoSnapshot.Committed(manifest, request.Repository));
    });

    /// <summary>
    /// The dry run of a cluster backup: the balancer (left off, stopped for the backup with -StopBalancer, or the refusal
    /// without it), then each shard's namespaces; nothing is stopped or written.
    /// </summary>
    private void WriteClusterPlan(Engine.Cluster.ClusterBackupPlan plan, BackupRequest request, MongoBackupException? refusal)
    {
        var mongos = request.Connection.DisplayName;
        WriteVerbose($"Cluster {mongos}: {plan.Shards.Count} shard(s): {string.Join(", ", plan.Shards.Select(s => $"{s.Name} (replica set {s.ReplicaSetName} at {s.Reached})"))}; balancer mode '{plan.BalancerMode}'.");
        if (plan.BalancerMode == "off")
            WritePlannedAction("Check balancer", mongos, "the balancer is off: it stays off, chunks stay where they are", mongos);
        else
            WritePlannedAction("Stop balancer", mongos, $"the balancer is running (mode '{plan.BalancerMode}'): " +
                (plan.StopsBalancer ? "stopped for the backup (balancerStop) and started again when it ends" : "the backup would refuse it"), mongos, plan.BalancerRefusal);
        foreach (var shard in plan.Shards)
            foreach (var collection in shard.Collections)
                WritePlannedAction("Back up", collection.Namespace, $"{collection.TypeName} from shard {shard.Name} (replica set {shard.ReplicaSetName} at {shard.Reached}) into {request.Repository.Location}, folder {shard.Name}/",
                    shard.Name, refusal ?? plan.BalancerRefusal, warnRefusal: refusal is null);
        foreach (var collection in plan.AdminCollections)
            WritePlannedAction("Back up", collection.Namespace, $"{collection.TypeName} from the config servers through {mongos}, as it is just after the cut, " +
                $"into {request.Repository.Location}, folder {Engine.Cluster.ClusterBackupRunner.MetadataFolder}/", mongos, refusal ?? plan.BalancerRefusal, warnRefusal: refusal is null);
    }

    /// <summary>
    /// A passphrase shorter than 12 characters is refused at once when it would be a new key (a new folder, or a repository
    /// that does not use it: too short), and as the wrong key when the repository pins another, judged as the backup judges
    /// it (<see cref="SnapshotKeys"/>); a short one the repository already uses goes on. A long one is judged by the run.
    /// </summary>
    private void RefuseShortNewPassphrase(EncryptionKeySource? keys)
    {
        if (EncryptionKey is not { Length: < KeyEncryptionKey.MinimumPassphraseLength } passphrase || keys is null) return;
        if (FolderToCreate() is not null)
        {
            KeyEncryptionKey.RequireLongEnough(passphrase);
            return;
        }
        var repository = OpenRepositoryArgument(Repository, RepositoryAccess.Read, mustExist: false);
        try { Await(ct => SnapshotKeys.KeyEncryptionKeyForNewAsync(keys, new SnapshotCatalog(repository), "this backup", null, _ => { }, ct)); }
        catch (MongoBackupException e) when (IsWhatIf() && e.ErrorId is ErrorIds.WrongEncryptionKey or ErrorIds.EncryptionKeyRequired)
        {
            // The dry run reports the repository's refusal of the key with its plan, as it does for a long passphrase.
        }
    }

    /// <summary>For the dry run: what the repository's settings say of this backup's key; a folder that does not exist yet has none.</summary>
    private MongoBackupException? RepositoryRefusal()
    {
        if (FolderToCreate() is not null) return null;
        var repository = OpenRepositoryArgument(Repository, RepositoryAccess.Read);
        return Await(ct => SnapshotKeys.RefusalAsync(EncryptionKeys, repository, "this backup", ct));
    }

    /// <summary>The folder this backup would create: -Repository names a folder that does not exist yet; null otherwise.</summary>
    private string? FolderToCreate()
    {
        var location = RepositoryLocation.Parse(Repository);
        if (location.Kind != RepositoryKind.Folder) return null;
        var path = ResolvePath(location.Path!);
        return Directory.Exists(path) ? null : path;
    }

    /// <summary>Removes the folder this backup created when nothing was written in it; anything in it is left alone.</summary>
    private static void RemoveIfEmpty(string? folder)
    {
        try
        {
            if (folder is not null && Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any()) Directory.Delete(folder);
        }
        catch (IOException) { /* the backup's own error is the one to show */ }
        catch (UnauthorizedAccessException) { }
    }

    // A backup may start a new folder repository; a container or bucket must already exist.
    private ISnapshotRepository OpenRepository() => OpenRepositoryArgument(Repository, RepositoryAccess.Write, mustExist: false);
}
