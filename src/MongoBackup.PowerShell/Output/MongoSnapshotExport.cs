using MongoBackup.Engine.Export;

namespace MongoBackup;

/// <summary>
/// What Export-MongoSnapshot wrote: a stock mongodump folder (mongorestore --dir PATH) or --archive file
/// (mongorestore --archive=PATH), gzip or not (add --gzip), and how much of it.
/// </summary>
public sealed class MongoSnapshotExport
{
    public string SnapshotId { get; init; } = "";
    /// <summary>The folder or archive file written.</summary>
    public string Path { get; init; } = "";
    /// <summary>"Directory" or "Archive".</summary>
    public string Format { get; init; } = "";
    public bool Gzip { get; init; }
    public int Namespaces { get; init; }
    public long Documents { get; init; }
    public long OplogEntries { get; init; }
    /// <summary>Bytes written, as stored (compressed when gzip).</summary>
    public long SizeBytes { get; init; }
    public TimeSpan Duration { get; init; }

    /// <summary>The stock mongorestore command line that restores this export, its connection options aside.</summary>
    public string MongorestoreArguments { get; init; } = "";

    public override string ToString() => Path;

    public static MongoSnapshotExport FromResult(ExportResult result) => new()
    {
        SnapshotId = result.SnapshotId,
        Path = result.Destination,
        Format = result.Format.ToString(),
        Gzip = result.Gzip,
        Namespaces = result.Namespaces,
        Documents = result.Documents,
        OplogEntries = result.OplogEntries,
        SizeBytes = result.Bytes,
        Duration = result.Duration,
        MongorestoreArguments = string.Join(' ', new[]
        {
            result.Format == ExportFormat.Archive ? $"--archive=\"{result.Destination}\"" : $"--dir=\"{result.Destination}\"",
            result.Gzip ? "--gzip" : null,
            result.OplogEntries > 0 ? "--oplogReplay" : null,
        }.Where(a => a is not null)),
    };
}
