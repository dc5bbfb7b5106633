using System.Diagnostics;
using MongoBackup.Engine.Catalog;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Dump;

/// <summary>
/// A full logical snapshot, taken hot. On a replica set: note where the oplog copy starts (after the newest entry, or at
/// the first entry of the oldest transaction still open, see <see cref="OplogCopyStart"/>) before listing the catalog,
/// dump every chosen namespace in parallel, note the newest entry again and save the oplog between the two; replaying
/// it makes the snapshot consistent at that second point. A catalog change the replay cannot make whole (a rename
/// inside the scope, see <see cref="CatalogChangeGuard"/>) fails the backup. The manifest is committed last: a run that fails
/// or is cancelled leaves no snapshot that looks complete (and removes what it wrote).
/// </summary>
public sealed class BackupRunner(IEngineObserver observer)
{
    /// <summary>
    /// Test seam: runs once the catalog is listed and before any collection is read, so tests can change the catalog
    /// at the one moment a hot backup is most exposed to it.
    /// </summary>
    internal Func<CancellationToken, Task>? CatalogListed { get; init; }

    /// <summary>How long a backup waits for the replica set's majority commit point to reach the point it is consistent at.</summary>
    internal static TimeSpan CommitPointDeadline { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Test seam: where the snapshot's id comes from (a test forces two backups onto the same id).</summary>
    internal SnapshotIdSource SnapshotIds { get; init; } = SnapshotIdSource.Random;

    /// <summary>What a backup would take, without writing anything (for -WhatIf).</summary>
    public static async Task<IReadOnlyList<SourceCollection>> PlanAsync(BackupRequest request, CancellationToken ct)
    {
        using var source = MongoConnection.Open(request.Connection);
        await ServerTopology.DiscoverAsync(source.Client, ct);
        return await ListAsync(source.Client, request, ct);
    }

    /// <summary>The backup, on a connection of its own, closed when it ends.</summary>
    public async Task<SnapshotManifest> RunAsync(BackupRequest request, CancellationToken ct)
    {
        using var source = MongoConnection.Open(request.Connection);
        return await RunAsync(request, source, new SnapshotCatalog(request.Repository), ct);
    }

    /// <summary>
    /// The backup, through a run's open <paramref name="source"/> connection (a policy run's one) and its
    /// <paramref name="catalog"/> (asked only for a passphrase's salt).
    /// </summary>
    internal async Task<SnapshotManifest> RunAsync(BackupRequest request, MongoConnection source, SnapshotCatalog catalog, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var client = source.Client;
        // A -Query backup may read through a mongos (FullBackup sends it here): one collection, no oplog, nothing to cut.
        var topology = await ServerTopology.DiscoverAsync(client, ct, allowMongos: request.Query is not null);
        // A query backup holds only what matched when it was read: replaying the oplog into it would add what did not.
        var oplog = topology.HasOplog && request.Query is null ? new OplogSource(client) : null;
        // Before the listing: a collection or index created while the catalog is listed is then in the saved oplog.
        var oplogStart = oplog is null ? null : await DriverErrors.Translate(() => OplogCopyStart.FindAsync(client, oplog, ct), client);
        var collections = await ListAsync(client, request, ct);
        if (collections.Count == 0) observer.Warning(NoUserDatabasesWarning(request.Connection.DisplayName, oplog is not null));
        if (CatalogListed is not null) await CatalogListed(ct);
        observer.Debug($"Source: {topology.Kind} {topology.ReplicaSetName}, MongoDB {topology.ServerVersion}, members {string.Join(",", topology.Hosts)}; reading with read preference {request.Connection.ReadPreference}.");
        foreach (var collection in collections)
            observer.Debug($"{collection.Namespace}: {collection.TypeName}, options {collection.Options.ToJson()}, {collection.Indexes.Count} index(es): {string.Join(", ", collection.Indexes.Select(i => i.GetValue("name", "?").ToString()))}.");
        if (request.Query is not null)
            observer.Warning($"A -Query backup holds only the documents of {collections[0].Namespace} that matched while they were read: it is not point-in-time consistent (no oplog is saved, as mongodump refuses --oplog with --query), and it stays out of the backup chain (copy-only).");
        else if (topology.UnrecordedIdWarning(request.Connection.DisplayName, "The snapshot") is { } unrecorded)
            observer.Warning(unrecorded);
        else if (!topology.HasOplog)
            observer.Warning($"{request.Connection.DisplayName} is a standalone server: it has no oplog, so the snapshot is not point-in-time consistent. Writes made during the backup may be partly included.");

        // A stopped or failed backup is deleted, so its files need not be finished (AbandonWhen).
        var options = new NewSnapshotOptions(request.Compression, request.CompressionLevel, request.Encryption, AbandonWhen: ct) { Ids = SnapshotIds };
        PendingSnapshot pending;
        try { pending = await PendingSnapshot.StartNewAsync(catalog, "full", started, options, observer.Warning, ct); }
        catch (Exception e) { throw Describe(e, client, request, "a new snapshot"); }
        await using var _ = pending;
        var id = pending.Id;
        var files = pending.Files!;
        observer.Verbose($"Snapshot {id}: {collections.Count} namespaces from {request.Connection.DisplayName} into {request.Repository.Location}.");
        try
        {
            var namespaces = await DumpCollectionsAsync(client, files, collections, request.ParallelCollections, request.SplitThresholdDocuments, request.Query, clock, ct);
            if (request.IncludeUsersAndRoles)
                namespaces.AddRange(await new UsersAndRolesDumper(client, files)
                    .DumpAsync(UsersAndRolesScope.For(request.Filter, collections.Select(c => c.Database)), ct));

            var manifest = NewManifest(request, id, topology, started);
            manifest.Namespaces = namespaces.OrderBy(n => n.Database, StringComparer.Ordinal).ThenBy(n => n.Collection, StringComparer.Ordinal).ToList();
            if (oplog is not null && oplogStart is { } from)
                await SaveOplogAsync(client, oplog, files, from, request.Filter, manifest, ct);

            manifest.EndTime = DateTimeOffset.UtcNow;
            await pending.CommitAsync(manifest, ct);
            observer.Verbose($"Snapshot {id} complete in {clock.Elapsed.TotalSeconds:0.0} s.");
            return manifest;
        }
        catch (Exception e)
        {
            var removed = await pending.AbandonAsync();
            if (e is OperationCanceledException && ct.IsCancellationRequested)
                observer.Warning($"Stopped: the backup of {request.Connection.DisplayName} was cancelled after {clock.Elapsed.TotalSeconds:0.0} s. " +
                    $"Snapshot {id} was not finished{(removed ? $" and its files were removed from {request.Repository.Location}" : "")}: nothing was kept. Run the backup again.");
            throw Describe(e, client, request, $"snapshot {id}");
        }
    }

    private static async Task<IReadOnlyList<SourceCollection>> ListAsync(IMongoClient client, BackupRequest request, CancellationToken ct)
    {
        var collections = await DriverErrors.Translate(() => CollectionCatalog.ListAsync(client, request.Filter, ct), client);
        // Tryout8 P13: with no filter, a server with no user database yet (a new replica set's first scheduled run) is
        // backed up empty, as mongodump dumps it: the snapshot records the oplog position, the start of point-in-time capture.
        if (collections.Count == 0 && request.Filter.SelectsEverything && request.Query is null) return collections;
        if (collections.Count == 0)
            throw new MongoBackupException(ErrorIds.NothingSelected,
                $"Nothing on {request.Connection.DisplayName} matches the chosen databases and collections; " +
                $"{await WhatIsThereAsync(client, request.Filter, ct)}. Check the names' spelling (they match case-sensitively).");
        if (request.Query is not null && (collections.Count != 1 || !collections[0].HasData))
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"-Query filters one collection, as mongodump's --query: the backup selects {ListedNamespaces(collections)}. Name one collection with -Database and -Collection.",
                target: "Query");
        return collections;
    }

    /// <summary>
    /// Said when a backup with no filter finds no user database: the snapshot is kept, holding no collection, so that a new
    /// replica set's first run starts the chain (its oplog position is where Backup-MongoOplog and a point-in-time restore start).
    /// </summary>
    public static string NoUserDatabasesWarning(string source, bool hasOplog) =>
        $"{source} holds no user databases yet (only admin, local and config): the snapshot holds no collections" +
        (hasOplog
            ? ", only the oplog position it is consistent at, so oplog capture and point-in-time restores can start from it."
            : ".") +
        " If you expected data there, check the connection string.";

    /// <summary>Dumps <paramref name="collections"/> into <paramref name="files"/>, <paramref name="parallel"/> cursors at once, reporting progress as <paramref name="activity"/>.</summary>
    internal async Task<List<ManifestNamespace>> DumpCollectionsAsync(
        IMongoClient client, SnapshotFileSet files, IReadOnlyList<SourceCollection> collections, int parallel, long splitThreshold, DocumentQuery? query, Stopwatch clock, CancellationToken ct,
        string activity = "Backing up")
    {
        var progress = new OverallProgress(activity, collections.Count, observer, clock);
        var dumper = new CollectionDumper(client, files, observer, splitThreshold, parallel, query);
        var results = new System.Collections.Concurrent.ConcurrentBag<ManifestNamespace>();
        await Parallel.ForEachAsync(collections, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallel), CancellationToken = ct },
            async (collection, token) =>
            {
                var done = await dumper.DumpAsync(collection, token);
                results.Add(done);
                progress.NamespaceDone(done.Documents, done.Bytes);
            });
        return results.ToList();
    }

    /// <summary>
    /// Saves the oplog from <paramref name="from"/> up to the newest entry, the point the snapshot is consistent at, once
    /// the member's majority commit point has reached it (<see cref="MajorityCommitPoint"/>): the data read and the oplog
    /// saved are then both beyond a rollback's reach. mongodump --oplog does not wait for that (it reads up to the newest entry).
    /// </summary>
    private async Task SaveOplogAsync(IMongoClient client, OplogSource oplog, SnapshotFileSet files, OplogPosition from, NamespaceFilter scope,
        SnapshotManifest manifest, CancellationToken ct)
    {
        var end = await oplog.NewestPointAsync(ct) ?? new ConsistencyPoint(from.Timestamp, from.Timestamp.WallTime);
        var to = end.Timestamp;
        await AwaitMajorityAsync(client, to, manifest.Source?.ReplicaSetName, ct);
        await EnsureNotRolledOverAsync(oplog, from.Timestamp, ct);
        var entries = new CatalogChangeGuard(scope).WatchAsync(oplog.ReadRangeAsync(from, to, ct), ct);
        var (count, _) = await RawDocumentFileWriter.WriteAsync(files, DumpLayout.OplogFile(files.Compression), entries, ct);
        // Again once copied, as mongodump checks: the oplog may have rolled past the start while it was being read.
        await EnsureNotRolledOverAsync(oplog, from.Timestamp, ct);
        manifest.OplogStart = from.Timestamp;
        manifest.OplogEnd = to;
        manifest.OplogEntries = count;
        manifest.ConsistentAt = end;
        manifest.PointInTimeConsistent = true;
        observer.Verbose($"Saved {count} oplog {(count == 1 ? "entry" : "entries")} {from} up to {to}; the snapshot is consistent at {to}.");
    }

    /// <summary>
    /// Waits, at most <see cref="CommitPointDeadline"/>, for the member's majority commit point to reach <paramref name="to"/>.
    /// When it does not (a majority of the set down or lagging, e.g. a primary-secondary-arbiter set with its secondary
    /// down, where the point stands still for as long as the incident lasts), the backup is still kept, with a warning: a
    /// backup that may hold writes a rollback could undo is worth more to a DBA in an incident than none, and it is what
    /// mongodump --oplog always takes. A cluster's cut is different: it must be one point every shard has committed.
    /// </summary>
    private async Task AwaitMajorityAsync(IMongoClient client, OplogTimestamp to, string? replicaSet, CancellationToken ct)
    {
        var (covered, committed) = await DriverErrors.Translate(() => MajorityCommitPoint.WaitToCoverAsync(client, to, CommitPointDeadline,
            () => observer.Verbose($"Replica set {replicaSet}: waiting for its majority commit point to reach {to}, the point the snapshot is consistent at, before saving the oplog."),
            ct), client);
        if (covered) return;
        observer.Warning(
            $"Replica set {replicaSet}'s majority commit point ({(committed is { } c ? c.ToString() : "none reported")}) did not reach {to}, the newest entry once the " +
            $"collections were read, within {CommitPointDeadline.TotalSeconds:0.#} s: the snapshot is kept, but it may hold writes a rollback could still undo " +
            "(as mongodump --oplog's would). Check that a majority of the replica set's members are up and replicating, and back up again once they are.");
    }

    /// <summary>The copy starts at (or just after) an entry that must still be in the oplog: if the oldest entry is newer, writes were lost.</summary>
    internal static async Task EnsureNotRolledOverAsync(OplogSource oplog, OplogTimestamp from, CancellationToken ct)
    {
        if (await oplog.RolledPastAsync(from, ct) is { } lost)
            throw new MongoBackupException(ErrorIds.BackupFailed,
                $"The oplog rolled over during the backup (its oldest entry, {lost.To}, is newer than the backup's start, {from}): the snapshot could not be made consistent. Enlarge the oplog or back up at a quieter time.");
    }

    /// <summary>
    /// What a backup that selected nothing could have taken, so a mistyped -Collection's right name is in the refusal: the
    /// collections of the databases the filter names, or, when it names none there is, the server's databases. Listed only
    /// on this failure path.
    /// </summary>
    private static async Task<string> WhatIsThereAsync(IMongoClient client, NamespaceFilter filter, CancellationToken ct)
    {
        const int shown = 10;
        var everything = await DriverErrors.Translate(() => CollectionCatalog.ListAsync(client, NamespaceFilter.Everything, ct), client);
        var chosen = everything.Where(c => filter.IncludesDatabase(c.Database)).Select(c => c.Namespace).Order(StringComparer.Ordinal).ToList();
        static string Some(IReadOnlyList<string> names) =>
            string.Join(", ", names.Take(shown)) + (names.Count > shown ? $" and {names.Count - shown} more" : "");
        if (chosen.Count > 0) return $"the databases chosen hold {Some(chosen)}";
        var databases = everything.Select(c => c.Database).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return databases.Count == 0 ? "it holds no user database" : $"its databases are {Some(databases)}";
    }

    private static string ListedNamespaces(IReadOnlyList<SourceCollection> collections) =>
        collections.Count == 1 ? $"the view {collections[0].Namespace}"
            : $"{collections.Count} namespaces ({string.Join(", ", collections.Take(5).Select(c => c.Namespace))}{(collections.Count > 5 ? ", ..." : "")})";

    private static SnapshotManifest NewManifest(BackupRequest request, string id, ServerTopology topology, DateTimeOffset started) => new()
    {
        Id = id,
        Kind = SnapshotKind.Full,
        Status = SnapshotStatus.Complete,
        ToolVersion = EngineVersion.Current,
        Source = topology.ToSnapshotSource(),
        StartTime = started,
        Compression = request.Compression,
        CompressionLevel = request.Compression == Compression.None ? null : request.CompressionLevel,
        Scope = SnapshotScope.From(request.Filter, request.Query?.Text),
        CopyOnly = request.CopyOnly || request.Query is not null,
        Tags = new Dictionary<string, string>(request.Tags, StringComparer.Ordinal),
    };

    private static Exception Describe(Exception e, IMongoClient client, BackupRequest request, string snapshot) => e switch
    {
        OperationCanceledException => e,
        MongoBackupException => e,
        _ => RepositoryWriteErrors.Describe(e, request.Repository.Location, snapshot) ?? DriverErrors.Describe(e, client) ?? new MongoBackupException(ErrorIds.BackupFailed,
            $"The backup of {request.Connection.DisplayName} failed: {e.Message}", e),
    };
}
