using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;

namespace MongoBackup.PowerShell.Pipeline;

/// <summary>
/// The repository a -WhatIf backup plans against: it names the folder but never creates or touches it,
/// and refuses any write, so a planning run cannot leave anything behind.
/// </summary>
public sealed class WhatIfRepository(string location) : ISnapshotRepository
{
    public string Location { get; } = location;

    public Task<SnapshotFileWriter> CreateFileAsync(string snapshotId, string relativePath, CancellationToken ct) => throw Refused();
    public Task<Stream> OpenReadAsync(string snapshotId, string relativePath, CancellationToken ct) => throw Refused();
    public Task CommitManifestAsync(SnapshotManifest manifest, CancellationToken ct) => throw Refused();
    public Task CommitNewManifestAsync(SnapshotManifest manifest, CancellationToken ct) => throw Refused();
    public Task<bool> TryReserveAsync(string snapshotId, CancellationToken ct) => throw Refused();
    public Task DeleteSnapshotAsync(string snapshotId, CancellationToken ct) => throw Refused();

    public async IAsyncEnumerable<ManifestReadResult> ListAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await Task.CompletedTask;
        yield break;
    }

    public string? LocalPath(string snapshotId, string relativePath) => null;

    private InvalidOperationException Refused() =>
        new($"-WhatIf is in effect: the repository '{Location}' is only planned against, never read or written.");
}
