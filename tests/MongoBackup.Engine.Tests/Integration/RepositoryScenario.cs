using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// A temporary folder repository on the test server, and the steps a point-in-time test takes with it: a full
/// snapshot of one database, oplog slices, and restores to a moment under a database rename.
/// </summary>
public sealed class RepositoryScenario(string connectionString) : IDisposable
{
    private readonly TempFolder _folder = new();

    public RepositoryScenario(MongoServerFixture server) : this(server.ConnectionString) { }

    public ConnectionSettings Connection => new() { ConnectionString = connectionString };
    public FolderRepository Repository => new(_folder.Path);

    public async Task<SnapshotManifest> BackUpAsync(string database, IEngineObserver? observer = null, Func<CancellationToken, Task>? catalogListed = null) =>
        await new BackupRunner(observer ?? new RecordingObserver()) { CatalogListed = catalogListed }.RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = Repository, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);

    public async Task<SnapshotManifest> SliceAsync() =>
        await new OplogSliceRunner(new RecordingObserver()).RunAsync(new OplogSliceRequest { Connection = Connection, Repository = Repository }, CancellationToken.None)
        ?? throw new InvalidOperationException("The oplog held nothing new for a slice.");

    /// <summary>Restores <paramref name="from"/> as it was at <paramref name="at"/> into database <paramref name="to"/>.</summary>
    public async Task<RestoreOutcome> RestoreToAsync(OplogTimestamp at, string from, string to, IEngineObserver? observer = null) =>
        (await new PointInTimeRestoreRunner(observer ?? new RecordingObserver()).RunAsync(new PointInTimeRestoreRequest
        {
            Repository = Repository, Limit = OplogLimit.AtClusterTime(at),
            Restore = new RestoreRequest { Connection = Connection, Map = new NamespaceMap().AddDatabaseRename(from, to) },
        }, CancellationToken.None)).Restore;

    public void Dispose() => _folder.Dispose();
}
