namespace MongoBackup.Engine.Repository;

/// <summary>
/// Whether a full snapshot's scope takes everything a restore asks for, including collections and databases created
/// after it. Judged on the patterns alone, conservatively: what cannot be shown to lie inside the scope is taken not
/// to. A whole scope covers every restore. A partial scope covers a restore when each thing the restore names is
/// inside it:
/// <list type="bullet">
/// <item>a database named exactly (-Database sales) when the scope takes that database whole (its databases include
/// it, and the scope names no collections; any collection it leaves out the restore leaves out too, by the same
/// pattern);</item>
/// <item>a database pattern (-Database 'sales*') only when the scope names the very same pattern (or every
/// database);</item>
/// <item>collections named exactly, within databases named exactly (-Database sales -Collection orders, or
/// -NamespaceInclude sales.orders, or -Collection sales.orders: a collection pattern with a dot is read as
/// database.collection), when the scope takes each of them;</item>
/// <item>a restore with the very same patterns as the scope.</item>
/// </list>
/// A restore that names no database, collection or namespace asks for everything: only a scope that takes every
/// database covers it on its own. One that names no database (see <see cref="PinsNoDatabase"/>) asks for something in
/// every database; a point-in-time restore judges both against the repository's other full snapshots
/// (RestoreWindows.CoversRestore).
/// </summary>
public static class ScopeCoverage
{
    /// <summary>Whether <paramref name="scope"/> takes every namespace <paramref name="filter"/> selects, now or created later.</summary>
    public static bool Covers(SnapshotScope scope, NamespaceFilter filter)
    {
        if (scope.IsWhole || scope.SameAs(SnapshotScope.From(filter))) return true;
        if (IsUnfiltered(filter)) return TakesEveryDatabase(scope, filter);
        // The filter selects the intersection of its families of patterns: one family inside the scope is enough.
        return filter.Databases.Count > 0 && filter.Databases.All(d => CoversDatabase(scope, filter, d))
            || filter.NamespaceInclude.Count > 0 && filter.NamespaceInclude.All(p => CoversQualified(scope, filter, p.Pattern))
            || filter.Collections.Count > 0 && filter.Collections.All(p => !p.HasWildcards && p.Pattern.Contains('.') && CoversQualified(scope, filter, p.Pattern));
    }

    /// <summary>Whether a snapshot of <paramref name="outer"/> takes everything one of <paramref name="inner"/> takes.</summary>
    public static bool Contains(SnapshotScope outer, SnapshotScope inner) => Covers(outer, inner.ToFilter());

    /// <summary>A filter that names no database, collection or namespace (it may leave some out): it asks for everything.</summary>
    public static bool IsUnfiltered(NamespaceFilter filter) =>
        filter.Databases.Count == 0 && filter.Collections.Count == 0 && filter.NamespaceInclude.Count == 0;

    /// <summary>
    /// A filter that names no database: no -Database, no -NamespaceInclude, and only collection names without a
    /// database part (-Collection orders): what it asks for may be in any database.
    /// </summary>
    public static bool PinsNoDatabase(NamespaceFilter filter) =>
        filter.Databases.Count == 0 && filter.NamespaceInclude.Count == 0 && filter.Collections.All(c => !c.Pattern.Contains('.'));

    private static bool TakesEveryDatabase(SnapshotScope scope, NamespaceFilter filter) =>
        scope.Databases.Count == 0 && IsSubset(scope.ExcludeDatabases, filter.ExcludeDatabases.Select(p => p.Pattern)) && TakesWholeDatabases(scope, filter);

    /// <summary>No collection pattern narrows the scope, except exclusions the filter makes too.</summary>
    private static bool TakesWholeDatabases(SnapshotScope scope, NamespaceFilter filter) =>
        scope.Collections.Count == 0 && scope.NamespaceInclude.Count == 0
        && IsSubset(scope.ExcludeCollections, filter.ExcludeCollections.Select(p => p.Pattern)) && IsSubset(scope.NamespaceExclude, filter.NamespaceExclude.Select(p => p.Pattern));

    private static bool CoversDatabase(SnapshotScope scope, NamespaceFilter filter, NamePattern database)
    {
        if (database.HasWildcards)
            return TakesWholeDatabases(scope, filter)
                && (scope.Databases.Contains(database.Pattern) || TakesEveryDatabase(scope, filter));
        if (TakesWholeDatabases(scope, filter) && scope.ToFilter().IncludesDatabase(database.Pattern)) return true;
        // Otherwise the restore must name its collections in that database exactly, each one inside the scope.
        return filter.Collections.Count > 0 && filter.Collections.All(c => !c.HasWildcards && CollectionsNamed(database.Pattern, c.Pattern)
            .All(name => scope.Covers(database.Pattern, name)));
    }

    /// <summary>A "database.collection" pattern: inside the scope when the database is exact and the rest is exact (or "*" over a database the scope takes whole).</summary>
    private static bool CoversQualified(SnapshotScope scope, NamespaceFilter filter, string pattern)
    {
        var dot = pattern.IndexOf('.');
        if (dot <= 0) return false;
        var database = new NamePattern(pattern[..dot]);
        var collection = new NamePattern(pattern[(dot + 1)..]);
        if (database.HasWildcards) return false;
        if (!collection.HasWildcards) return scope.Covers(database.Pattern, collection.Pattern);
        return TakesWholeDatabases(scope, filter) && scope.ToFilter().IncludesDatabase(database.Pattern);
    }

    /// <summary>The collections of <paramref name="database"/> an exact collection pattern selects: by name, or as "database.name".</summary>
    private static IEnumerable<string> CollectionsNamed(string database, string pattern)
    {
        yield return pattern;
        if (pattern.StartsWith(database + ".", StringComparison.Ordinal)) yield return pattern[(database.Length + 1)..];
    }

    private static bool IsSubset(List<string> patterns, IEnumerable<string> of) =>
        patterns.All(p => of.Contains(p, StringComparer.Ordinal));
}
