using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Tests.Support;

/// <summary>
/// A repository that fails the way a store can once a snapshot's id is reserved and its files are written: at the
/// manifest's commit, and optionally at the clean-up's delete too. It remembers the id it refused, and how many files
/// were written before.
/// </summary>
public sealed class BreakingRepository(ISnapshotRepository inner, bool deleteFails = false) : DelegatingRepository(inner)
{
    private int _filesCreated;

    /// <summary>The error every commit of a new snapshot throws (the same instance, so a test can see it reached the caller).</summary>
    public IOException CommitFailure { get; } = new("injected: the store refused the manifest");

    /// <summary>The id whose commit was refused.</summary>
    public string? RefusedId { get; private set; }

    /// <summary>Files created through this repository.</summary>
    public int FilesCreated => Volatile.Read(ref _filesCreated);

    public override Task<SnapshotFileWriter> CreateFileAsync(string snapshotId, string relativePath, CancellationToken ct)
    {
        Interlocked.Increment(ref _filesCreated);
        return base.CreateFileAsync(snapshotId, relativePath, ct);
    }

    public override Task CommitNewManifestAsync(SnapshotManifest manifest, CancellationToken ct)
    {
        RefusedId = manifest.Id;
        throw CommitFailure;
    }

    public override Task DeleteSnapshotAsync(string snapshotId, CancellationToken ct) =>
        deleteFails ? throw new IOException("injected: the store refused the delete") : base.DeleteSnapshotAsync(snapshotId, ct);
}

/// <summary>Snapshot ids given in order, then the last one again: two writers handed the same id collide as a same-second, same-suffix draw would.</summary>
public sealed class ScriptedIds(params string[] ids) : SnapshotIdSource
{
    private int _next;

    /// <summary>The ids handed out so far, in order.</summary>
    public List<string> Drawn { get; } = [];

    public override string Next(DateTimeOffset started, string kind)
    {
        var id = ids[Math.Min(_next++, ids.Length - 1)];
        Drawn.Add(id);
        return id;
    }
}
