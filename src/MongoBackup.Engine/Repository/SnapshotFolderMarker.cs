using System.Text.Json;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// How a folder is known to be one of our snapshots even before its manifest exists: every repository writes
/// .mongobackup-snapshot into a snapshot folder before any other file of it, and manifest.json last. A folder with the
/// marker (or a manifest.json.tmp, or, for snapshots made before the marker, a snapshot id as its name) but no
/// manifest.json is a backup that never finished: reading it as a plain mongodump folder would restore part of the
/// data as if it were all. mongorestore skips the marker as it skips manifest.json (a file it does not know).
/// </summary>
public static class SnapshotFolderMarker
{
    /// <summary>The marker's name in a snapshot folder (on a blob store, the object PREFIX/&lt;id&gt;/.mongobackup-snapshot).</summary>
    public const string FileName = ".mongobackup-snapshot";

    /// <summary>The marker's content: JSON naming the snapshot, the tool, when it started and what the file means.</summary>
    internal static string Text(string snapshotId) =>
        JsonSerializer.Serialize(
            new MarkerContent(snapshotId, "MongoBackup", DateTimeOffset.UtcNow,
                $"A MongoBackup snapshot folder. It is complete only once {SnapshotManifest.FileName} is beside this file."),
            MarkerJson);

    /// <summary>The marker's JSON: {"snapshotId", "tool", "started", "meaning"}.</summary>
    internal sealed record MarkerContent(string SnapshotId, string Tool, DateTimeOffset Started, string Meaning);

    private static readonly JsonSerializerOptions MarkerJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        TypeInfoResolver = RepositoryJsonContext.Default,
    };

    /// <summary>
    /// Why <paramref name="folder"/> is one of our snapshots that never finished, or null when it is not one (a complete
    /// snapshot, or a folder with no sign of being ours).
    /// </summary>
    public static string? DescribeUnfinished(string folder)
    {
        if (!Directory.Exists(folder) || File.Exists(Path.Combine(folder, SnapshotManifest.FileName))) return null;
        var shown = Path.GetFullPath(folder);
        var notRestored = $"it is not restored, since only part of its data may be there. Restore a complete snapshot (Get-MongoSnapshot), or remove this one (Remove-MongoSnapshot).";
        if (File.Exists(Path.Combine(folder, SnapshotManifest.TempFileName)))
            return $"'{shown}' is a MongoBackup snapshot that never finished: it has {SnapshotManifest.TempFileName} but no {SnapshotManifest.FileName} " +
                $"(the backup stopped while committing its manifest); {notRestored}";
        if (File.Exists(Path.Combine(folder, FileName)))
            return $"'{shown}' is a MongoBackup snapshot that never finished: it has {FileName} (written when a backup starts) but no " +
                $"{SnapshotManifest.FileName} (written last, once every file is whole); the backup failed, was stopped, or is still running, and {notRestored}";
        if (SnapshotIds.IsGiven(Path.GetFileName(Path.TrimEndingDirectorySeparator(shown))))
            return $"'{shown}' is named like a MongoBackup snapshot (yyyyMMddTHHmmssZ-kind-xxxx) but has no {SnapshotManifest.FileName}: " +
                $"the backup never finished, and {notRestored}";
        return null;
    }
}
