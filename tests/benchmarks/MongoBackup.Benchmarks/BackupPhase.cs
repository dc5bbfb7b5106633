using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Benchmarks;

/// <summary>A finished benchmark backup: where it is and what it holds, for the restore phase.</summary>
public sealed record BackupRun(Compression Compression, FolderRepository Repository, SnapshotManifest Manifest, PhaseResult Result);

/// <summary>
/// Phase 2: BackupRunner into a fresh folder repository, once per compression. Besides the rates it records
/// where the time went: the time spent in file writes (the disk), and what one core can compress of this data
/// with nothing else running (the codec stage's capacity).
/// </summary>
public sealed class BackupPhase(BenchContext context)
{
    public async Task<BackupRun> RunAsync(Compression compression, CancellationToken ct)
    {
        var folder = new FolderRepository(Path.Combine(context.ScratchDirectory, $"backup-{Name(compression)}"));
        var repository = new TimedFolderRepository(folder);
        var observer = new CollectingObserver();
        var request = new BackupRequest
        {
            Connection = context.Connection,
            Repository = repository,
            Filter = new NamespaceFilter(databases: [DataSetSeeder.SourceDatabase]),
            Compression = compression,
        };

        var meter = PhaseMeter.Start(context.Server);
        var manifest = await new BackupRunner(observer).RunAsync(request, ct);
        var usage = meter.Stop();
        observer.ThrowIfAnyFailed($"The {Name(compression)} backup");

        var documents = manifest.Namespaces.Sum(n => n.Documents);
        var expected = context.DataSet.Sum(c => c.Documents);
        if (documents != expected)
            throw new InvalidOperationException($"The {Name(compression)} backup holds {documents:N0} documents; {expected:N0} were seeded.");

        var dataFiles = manifest.Files.Where(f => f.Kind == ManifestFileKind.Data).Select(f => folder.LocalPath(manifest.Id, f.Path)!).ToList();
        var codec = await CodecThroughput.MeasureAsync(dataFiles, compression, ct);
        var result = PhaseResult.From("backup", Name(compression), documents, manifest.Namespaces.Sum(n => n.Bytes),
            manifest.Files.Sum(f => f.Size), usage) with
        {
            Profile = new Dictionary<string, double>
            {
                ["diskWriteSeconds"] = repository.WriteTime.TotalSeconds,
                ["codecCompressMBpsOneCore"] = codec.CompressMBps,
                ["codecDecompressMBpsOneCore"] = codec.DecompressMBps,
            },
        };
        return new BackupRun(compression, folder, manifest, result);
    }

    public static string Name(Compression compression) => compression.ToString().ToLowerInvariant();
}
