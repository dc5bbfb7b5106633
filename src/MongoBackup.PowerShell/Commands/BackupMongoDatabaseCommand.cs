using System.Collections;
using System.Management.Automation;
using MongoBackup.Engine;
using MongoBackup.Engine.Catalog;
using MongoBackup.Engine.Codecs;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Repository;
using MongoBackup.PowerShell.Completion;
using MongoBackup.PowerShell.Pipeline;

namespace MongoBackup.PowerShell.Commands;

/// <summary>Takes a full logical snapshot of an instance, some databases or some collections into a repository folder.</summary>
[Cmdlet(VerbsData.Backup, "MongoDatabase", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(MongoSnapshot))]
public sealed class BackupMongoDatabaseCommand : MongoEncryptedConnectionCmdlet
{
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    [RepositoryArgument]
    public string Repository { get; set; } = "";

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DatabaseNameCompleter))]
    public string[]? Database { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(CollectionNameCompleter))]
    public string[]? Collection { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(CollectionNameCompleter))]
    public string[]? ExcludeCollection { get; set; }

    [Parameter]
    public SwitchParameter IncludeUsersAndRoles { get; set; }

    [Parameter]
    public Compression Compression { get; set; } = Compression.Gzip;

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
    [ValidateSet("primary", "primaryPreferred", "secondary", "secondaryPreferred", "nearest", IgnoreCase = true)]
    public string ReadPreference { get; set; } = "primary";

    [Parameter]
    public Hashtable? Tag { get; set; }

    /// <summary>Keep this snapshot out of the backup chain (as dbatools' Backup-DbaDatabase -CopyOnly): an ad-hoc copy.</summary>
    [Parameter]
    public SwitchParameter CopyOnly { get; set; }

    protected override void ProcessRecord() => RunCommand(() =>
    {
        var whatIf = IsWhatIf();
        var request = new BackupRequest
        {
            Connection = BuildConnection(ReadPreference),
            Repository = whatIf ? new WhatIfRepository(DescribeRepository(Repository)) : OpenRepository(),
            Filter = new NamespaceFilter(Database, Collection, ExcludeCollection),
            Compression = Compression,
            CompressionLevel = CompressionArguments.Level(this, Compression, CompressionLevel),
            ParallelCollections = ParallelCollections,
            IncludeUsersAndRoles = IncludeUsersAndRoles.IsPresent,
            Tags = TagArguments.ToDictionary(Tag),
            Encryption = EncryptionKeys,
            CopyOnly = CopyOnly.IsPresent,
        };

        if (whatIf)
        {
            // One "What if" line per namespace the backup would take; nothing is written.
            foreach (var collection in Await(ct => BackupRunner.PlanAsync(request, ct)))
                ShouldProcess(collection.Namespace, $"Back up {collection.TypeName} into {request.Repository.Location}");
            return;
        }
        if (!ShouldProcess(request.Connection.DisplayName, $"Back up into {request.Repository.Location}")) return;

        var manifest = RunEngine((observer, ct) => new BackupRunner(observer).RunAsync(request, ct));
        WriteObject(MongoSnapshot.FromManifest(manifest, request.Repository));
    });

    // A backup may start a new folder repository; a container or bucket must already exist.
    private ISnapshotRepository OpenRepository() => OpenRepositoryArgument(Repository, mustExist: false);

    private bool IsWhatIf() =>
        MyInvocation.BoundParameters.TryGetValue("WhatIf", out var bound)
            ? ((SwitchParameter)bound).IsPresent
            : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));
}
