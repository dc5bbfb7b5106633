namespace MongoBackup.Engine.Oplog.Replay;

/// <summary>
/// The source namespaces a replay may write: those inside the snapshot's scope (what the backup took; a mongodump
/// directory with an oplog was taken whole, since mongodump refuses --oplog with --db) and chosen by the restore's
/// filters. Everything else in the oplog (the whole replica set's writes while the snapshot was taken) is left alone.
/// </summary>
public sealed class ReplayCoverage
{
    private readonly NamespaceFilter _scope;
    private readonly string _scopeText;
    private readonly NamespaceFilter _filter;

    /// <summary>
    /// What <paramref name="scope"/> (the snapshot's) and <paramref name="filter"/> (the restore's) both take.
    /// </summary>
    public ReplayCoverage(SnapshotScope scope, NamespaceFilter filter)
    {
        _scope = scope.ToFilter();
        _scopeText = scope.ToString();
        _filter = filter;
    }

    /// <summary>Every user namespace (a whole snapshot restored without filters).</summary>
    public static ReplayCoverage Everything { get; } = new(SnapshotScope.Whole, NamespaceFilter.Everything);

    /// <summary>
    /// Whether the replay restores <paramref name="database"/>.<paramref name="collection"/>; a time-series collection's
    /// buckets (system.buckets.NAME) belong to NAME. A rename across databases' copy (<see cref="SystemCollections.IsRenameCopy"/>)
    /// is covered wherever its database may hold a covered collection: its final name comes only with the rename that ends
    /// it, which moves it onto a covered name or, under any other, drops it from the target (<see cref="CollectionRename"/>).
    /// A convertToCapped's copy (<see cref="SystemCollections.ConvertToCappedSource"/>) is covered as the collection it converts.
    /// The module's own collections (<see cref="ModuleCollections"/>) are never covered, nor admin's auth and key collections (the filter never takes them).
    /// </summary>
    public bool Covers(string database, string collection)
    {
        // The module's own records (a restore's, in the source database while the oplog was written) are never replayed:
        // the target's are the running restore's own.
        if (ModuleCollections.IsModuleOwned(collection)) return false;
        if (SystemCollections.IsRenameCopy(collection)) return _scope.IncludesDatabase(database) && _filter.IncludesDatabase(database);
        // A convertToCapped's copy is covered as the collection it converts: its rename replaces that collection.
        if (SystemCollections.ConvertToCappedSource(collection) is { } converted) return Covers(database, converted);
        var name = SystemCollections.OwnerOf(collection);
        return _scope.Includes(database, name) && _filter.Includes(database, name);
    }

    /// <summary>Why a namespace is not covered, for messages ("the snapshot does not hold it (...)").</summary>
    public string WhyNot(string database, string collection) =>
        _scope.Includes(database, SystemCollections.OwnerOf(collection))
            ? "this restore's filters leave it out"
            : $"the snapshot does not hold it (it took {_scopeText})";
}
