using MongoBackup.Engine.Formats;

namespace MongoBackup.Engine.Restore;

/// <summary>One namespace to restore: where it comes from in the dump, and where it goes.</summary>
public sealed record PlannedNamespace(DumpNamespace Source, string TargetDatabase, string TargetCollection)
{
    /// <summary>"database.collection" as the dump names it.</summary>
    public string SourceNamespace => Source.Database + "." + Source.Collection;
    /// <summary>"database.collection" on the target, after renames.</summary>
    public string TargetNamespace => TargetDatabase + "." + TargetCollection;
    /// <summary>The dump's metadata of the namespace; null when the dump has none (a bare .bson file).</summary>
    public CollectionMetadata? Metadata => Source.Metadata;
    /// <summary>"collection", "view" or "timeseries", as the metadata says; "collection" without metadata.</summary>
    public string Type => Metadata?.Type ?? CollectionMetadata.CollectionType;
    /// <summary>The kind the metadata names; an ordinary collection without metadata.</summary>
    public CollectionKind Kind => Metadata?.Kind ?? CollectionKind.Collection;
    /// <summary>True for a view: created from its options, no documents.</summary>
    public bool IsView => Kind == CollectionKind.View;
    /// <summary>True for a time-series collection: its buckets are restored into system.buckets.NAME.</summary>
    public bool IsTimeseries => Kind == CollectionKind.Timeseries;
    /// <summary>Where the documents go: a timeseries collection's buckets live in system.buckets.NAME.</summary>
    public string DataCollection => Kind.DataCollection(TargetCollection);
}

/// <summary>Chooses the namespaces of a dump that a request restores, and their target names.</summary>
public static class RestorePlanner
{
    private static readonly HashSet<string> AuthCollections = ["system.users", "system.roles", "system.version"];

    /// <summary>The filter a restore of <paramref name="reader"/> applies: a pattern that is exactly a name in the dump means that name.</summary>
    public static NamespaceFilter EffectiveFilter(IDumpReader reader, NamespaceFilter filter) =>
        filter.PreferringExactNames(reader.Namespaces.Select(ns => (ns.Database, ns.Collection)));

    /// <summary>
    /// The namespaces of <paramref name="reader"/> that <paramref name="requested"/> selects (auth and internal system
    /// collections left out, and the module's own records, <see cref="ModuleRecordsIn"/>), with their targets under
    /// <paramref name="map"/>: collections first, then views, each by target name.
    /// </summary>
    /// <exception cref="MongoBackupException">
    /// InvalidArgument: a rename rule sends a namespace to a name without a '.', or to a name MongoDB refuses
    /// (<see cref="NamespaceNames.NamespaceProblem"/>): refused here, before anything is written, since the server would
    /// refuse every namespace of it while the users and roles step, in admin, would still write.
    /// </exception>
    public static IReadOnlyList<PlannedNamespace> Plan(IDumpReader reader, NamespaceFilter requested, NamespaceMap map)
    {
        var filter = EffectiveFilter(reader, requested);
        var plan = reader.Namespaces
            .Where(ns => !IsAuthCollection(ns) && !IsInternal(ns.Collection) && !ModuleCollections.IsModuleOwned(ns.Collection))
            .Where(ns => filter.Includes(ns.Database, ns.Collection))
            .Select(ns =>
            {
                RequireNoShadowedRule(map, ns.Database + "." + ns.Collection);
                var (db, coll) = map.Map(ns.Database, ns.Collection);
                RequireUserDatabaseTarget(map, ns.Database, ns.Collection, db, coll);
                return RequireValidTarget(new PlannedNamespace(ns, db, coll));
            })
            // Collections before views, so a view's source exists when the view is made.
            .OrderBy(p => p.IsView ? 1 : 0)
            .ThenBy(p => p.TargetNamespace, StringComparer.Ordinal)
            .ToList();
        RequireDistinctTargets(plan.Select(p => (p.SourceNamespace, p.TargetNamespace)));
        return plan;
    }

    /// <summary>
    /// Refuses two sources renamed onto one target (-NamespaceMap, -RenameDatabase, or both), as mongorestore refuses
    /// them before it writes ("cannot restore with conflicting namespace destinations": common/intents/intent.go,
    /// GetDestinationConflicts): merged, the second source's documents would mix into the first's, or be refused one
    /// by one where their _ids meet, and one collection cannot hold both sources' options and indexes.
    /// </summary>
    /// <exception cref="MongoBackupException">InvalidArgument, naming both sources and the target.</exception>
    public static void RequireDistinctTargets(IEnumerable<(string Source, string Target)> renames)
    {
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (source, target) in renames)
        {
            if (owners.TryAdd(target, source) || owners[target] == source) continue;
            var (first, second) = string.CompareOrdinal(owners[target], source) < 0 ? (owners[target], source) : (source, owners[target]);
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                    $"Cannot restore both {first} and {second} into {target}: two sources renamed onto one target would be " +
                    "merged into one collection (mongorestore refuses it too: conflicting namespace destinations). Nothing was written. " +
                    "Map them to different names (-NamespaceMap, -RenameDatabase), or restore one of them in a run of its own.",
                    target: target);
        }
    }

    /// <summary>
    /// Refuses two rules that both match <paramref name="ns"/>: a -RenameDatabase rule, tried first, takes the namespace
    /// (renames are matched against the source names), so a -NamespaceMap rule for it would be silently ignored; and two
    /// -NamespaceMap rules would be tried in a hashtable's order, which differs from one session to the next, so one
    /// command would restore into different names from run to run (mongorestore applies its --nsFrom/--nsTo pairs in the
    /// order given; a hashtable has none).
    /// </summary>
    /// <exception cref="MongoBackupException">InvalidArgument, naming both rules and how to write the rename.</exception>
    public static void RequireNoShadowedRule(NamespaceMap map, string ns)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (map.ShadowedRule(ns) is not { } rule) return;
        var (winner, shadowed) = rule;
        if (!map.IsDatabaseRename(winner))
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"{map.Written(winner)} and {map.Written(shadowed)} both match {ns}: which applies would depend on the order of a " +
                "hashtable's keys, which PowerShell does not keep, so the same command could restore it under either name. " +
                $"Nothing was written. Give -NamespaceMap rules that do not overlap: restore {ns} in a run of its own with the rule " +
                $"meant for it, and the rest with the other rule and -NamespaceExclude '{NamespacePattern.Escape(ns)}'.",
                target: ns);
        var target = map.Map(ns);
        throw new MongoBackupException(ErrorIds.InvalidArgument,
            $"{map.Written(shadowed)} never applies to {ns}: {map.Written(winner)} renames every namespace of that database first " +
            $"(renames are matched against the source names, -RenameDatabase before -NamespaceMap), so {ns} would go to {target} " +
            $"instead. Nothing was written. Restore {ns} in a run of its own with {map.Written(shadowed)} alone, and the rest of the " +
            $"database with {map.Written(winner)} -NamespaceExclude '{NamespacePattern.Escape(ns)}'; or write every rename of that " +
            "database as -NamespaceMap rules that do not overlap.",
            target: ns);
    }

    /// <summary>
    /// The module's own records (<see cref="ModuleCollections"/>) that <paramref name="reader"/> holds where
    /// <paramref name="requested"/> would take them: a snapshot taken before backups left them out, or a mongodump of a
    /// database a restore had failed into. They are a restore's bookkeeping on the source, never restored (the target's
    /// are the running restore's own), so the restore skips them and says so.
    /// </summary>
    public static IReadOnlyList<DumpNamespace> ModuleRecordsIn(IDumpReader reader, NamespaceFilter requested)
    {
        var filter = EffectiveFilter(reader, requested);
        return reader.Namespaces.Where(ns => ModuleCollections.IsModuleOwned(ns.Collection) && filter.Includes(ns.Database, ns.Collection)).ToList();
    }

    /// <summary>
    /// Refuses a rename that sends <paramref name="database"/>.<paramref name="collection"/> into local or config
    /// (<see cref="NamespaceMap.ServerDatabaseProblem"/>), naming the rule and the target database: one a '*' or $part$ formed,
    /// which the map could not refuse when it was given. A namespace that keeps its name is not a rename.
    /// </summary>
    /// <exception cref="MongoBackupException">InvalidArgument, naming the rule as written, the source and the target database.</exception>
    public static void RequireUserDatabaseTarget(NamespaceMap map, string database, string collection, string targetDatabase, string targetCollection)
    {
        ArgumentNullException.ThrowIfNull(map);
        if ((targetDatabase, targetCollection) == (database, collection) || NamespaceMap.ServerDatabaseProblem(targetDatabase) is not { } problem) return;
        var rule = map.RuleFor(database + "." + collection) is { } index ? map.Written(index) : "A rename";
        throw new MongoBackupException(ErrorIds.InvalidArgument,
            $"{rule} would restore {database}.{collection} into the {targetDatabase} database ({targetDatabase}.{targetCollection}): {problem}. " +
            "Nothing was written. Rename it into a database of your own.", target: targetDatabase);
    }

    /// <summary>
    /// Refuses a target name a rename formed that MongoDB does not take (the source's own names the server took already):
    /// the collection's, or where its documents go (a time-series collection's system.buckets.NAME, whose length counts).
    /// </summary>
    /// <exception cref="MongoBackupException">InvalidArgument, naming the source, the target and what is wrong with it.</exception>
    public static PlannedNamespace RequireValidTarget(PlannedNamespace planned)
    {
        ArgumentNullException.ThrowIfNull(planned);
        if (planned.TargetDatabase == planned.Source.Database && planned.TargetCollection == planned.Source.Collection) return planned;
        if ((NamespaceNames.NamespaceProblem(planned.TargetDatabase, planned.TargetCollection)
                ?? NamespaceNames.NamespaceProblem(planned.TargetDatabase, planned.DataCollection)) is { } problem)
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"Cannot restore {planned.SourceNamespace} into {planned.TargetNamespace}: MongoDB refuses that name, {problem}. " +
                "Nothing was written. Rename it to a name MongoDB takes (-RenameDatabase, -NamespaceMap).",
                target: planned.TargetNamespace);
        if (NamespaceNames.ReservedTargetProblem(planned.TargetDatabase, planned.TargetCollection, planned.Kind == CollectionKind.Collection) is { } reserved)
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"Cannot restore {planned.SourceNamespace} into {planned.TargetNamespace}: that is a system namespace, and a rename may not " +
                $"target one: {reserved}. Nothing was written. Rename it to an ordinary name (-RenameDatabase, -NamespaceMap).",
                target: planned.TargetNamespace);
        return planned;
    }

    /// <summary>
    /// Users, roles and the auth schema: admin.system.users/roles/version, or in a database dumped with mongodump --db
    /// DB --dumpDbUsersAndRoles, DB.$admin.system.users/roles/version (that database's users and roles). They are
    /// restored as users and roles with -IncludeUsersAndRoles, never as collections.
    /// </summary>
    public static bool IsAuthCollection(DumpNamespace ns) => IsAuthCollection(ns.Database, ns.Collection);

    /// <summary>Whether <paramref name="database"/>.<paramref name="collection"/> is one of the auth collections <see cref="IsAuthCollection(DumpNamespace)"/> describes.</summary>
    public static bool IsAuthCollection(string database, string collection) =>
        database == "admin" && AuthCollections.Contains(collection)
        || collection.StartsWith(DatabaseAuthPrefix, StringComparison.Ordinal) && AuthCollections.Contains(collection[DatabaseAuthPrefix.Length..]);

    /// <summary>mongodump --dumpDbUsersAndRoles names a database's copies of the admin auth collections "$admin.system.*".</summary>
    public const string DatabaseAuthPrefix = "$admin.";

    // system.views is rebuilt from the views' metadata; system.profile and the like are the server's own.
    private static bool IsInternal(string collection) =>
        collection.StartsWith("system.", StringComparison.Ordinal) && collection != "system.js";
}
