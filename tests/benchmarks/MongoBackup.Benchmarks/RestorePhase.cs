using MongoBackup.Engine.Model;
using MongoBackup.Engine.Restore;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Benchmarks;

/// <summary>
/// Phase 3: RestoreRunner from each backup into a renamed database on the same server (the target is dropped
/// afterwards, outside the timing, so every restore starts from the same state).
/// </summary>
public sealed class RestorePhase(BenchContext context)
{
    public const string TargetDatabase = "benchdst";

    public async Task<PhaseResult> RunAsync(BackupRun backup, CancellationToken ct)
    {
        var name = BackupPhase.Name(backup.Compression);
        await context.Client.DropDatabaseAsync(TargetDatabase, ct);
        var observer = new CollectingObserver();
        var request = new RestoreRequest
        {
            Connection = context.Connection,
            SourcePath = backup.Repository.LocalPath(backup.Manifest.Id, "")!,
            Map = new NamespaceMap().AddDatabaseRename(DataSetSeeder.SourceDatabase, TargetDatabase),
        };

        var meter = PhaseMeter.Start(context.Server);
        RestoreOutcome outcome;
        long exceptions;
        using (var thrown = ExceptionCounter.Start())
        {
            outcome = await new RestoreRunner(observer).RunAsync(request, ct);
            exceptions = thrown.Count;
        }
        var usage = meter.Stop();
        observer.ThrowIfAnyFailed($"The restore of the {name} backup");
        if (!outcome.Succeeded)
            throw new InvalidOperationException($"The restore of the {name} backup did not succeed: {outcome.OplogError ?? "a namespace failed"}.");

        var restored = outcome.Namespaces.Sum(n => n.Documents);
        var counted = await CountTargetAsync(ct);
        if (restored != backup.Result.Documents || counted != backup.Result.Documents)
            throw new InvalidOperationException(
                $"The restore of the {name} backup reports {restored:N0} documents and the target holds {counted:N0}; the backup holds {backup.Result.Documents:N0}.");
        await context.Client.DropDatabaseAsync(TargetDatabase, ct);

        return PhaseResult.From("restore", name, restored, backup.Result.Bytes, backup.Result.StoredBytes, usage) with
        {
            Profile = new Dictionary<string, double>
            {
                ["codecDecompressMBpsOneCore"] = backup.Result.Profile.GetValueOrDefault("codecDecompressMBpsOneCore"),
                ["indexesRestored"] = outcome.Namespaces.Sum(n => n.Indexes),
                ["exceptionsThrown"] = exceptions,
            },
        };
    }

    private async Task<long> CountTargetAsync(CancellationToken ct)
    {
        long total = 0;
        var database = context.Client.GetDatabase(TargetDatabase);
        foreach (var collection in context.DataSet)
            total += await database.GetCollection<BsonDocument>(collection.Name).EstimatedDocumentCountAsync(cancellationToken: ct);
        return total;
    }
}
