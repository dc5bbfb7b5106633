namespace MongoBackup.Engine.Model;

/// <summary>
/// Which namespaces a backup or restore takes. Database patterns match database names; collection patterns
/// match either the collection name or the whole "db.collection" (so "sales.order*" and "order*" both work).
/// The system databases (admin, local, config) are left out unless a database pattern names them.
/// Database and collection patterns are PowerShell wildcards (<see cref="NamePattern"/>); namespace include and
/// exclude patterns follow mongorestore's --nsInclude syntax (<see cref="NamespacePattern"/>).
/// </summary>
public sealed class NamespaceFilter
{
    private static readonly string[] SystemDatabases = ["admin", "local", "config"];

    public NamespaceFilter(
        IEnumerable<string>? databases = null,
        IEnumerable<string>? collections = null,
        IEnumerable<string>? excludeCollections = null,
        IEnumerable<string>? namespaceInclude = null,
        IEnumerable<string>? namespaceExclude = null,
        IEnumerable<string>? excludeDatabases = null)
    {
        Databases = (databases ?? []).Select(p => new NamePattern(p)).ToList();
        Collections = (collections ?? []).Select(p => new NamePattern(p)).ToList();
        ExcludeCollections = (excludeCollections ?? []).Select(p => new NamePattern(p)).ToList();
        NamespaceInclude = (namespaceInclude ?? []).Select(NamespacePattern.ForMatching).ToList();
        NamespaceExclude = (namespaceExclude ?? []).Select(NamespacePattern.ForMatching).ToList();
        ExcludeDatabases = (excludeDatabases ?? []).Select(p => new NamePattern(p)).ToList();
    }

    public static NamespaceFilter Everything { get; } = new();

    public IReadOnlyList<NamePattern> Databases { get; }
    public IReadOnlyList<NamePattern> Collections { get; }
    public IReadOnlyList<NamePattern> ExcludeCollections { get; }
    public IReadOnlyList<NamespacePattern> NamespaceInclude { get; }
    public IReadOnlyList<NamespacePattern> NamespaceExclude { get; }
    public IReadOnlyList<NamePattern> ExcludeDatabases { get; }

    /// <summary>
    /// The same filter, where a database or collection pattern that is exactly the name of one of
    /// <paramref name="present"/> (say 'log[2024]') matches that name only instead of acting as a wildcard.
    /// </summary>
    public NamespaceFilter PreferringExactNames(IEnumerable<(string Database, string Collection)> present)
    {
        var names = present.ToList();
        var databases = names.Select(n => n.Database).ToHashSet(StringComparer.Ordinal);
        var collections = names.SelectMany(n => new[] { n.Collection, n.Database + "." + n.Collection }).ToHashSet(StringComparer.Ordinal);
        return new NamespaceFilter(
            Literal(Databases, databases), Literal(Collections, collections), Literal(ExcludeCollections, collections),
            NamespaceInclude.Select(p => p.Pattern), NamespaceExclude.Select(p => p.Pattern), Literal(ExcludeDatabases, databases));

        static IEnumerable<string> Literal(IEnumerable<NamePattern> patterns, HashSet<string> existing) =>
            patterns.Select(p => p.HasWildcards && existing.Contains(p.Pattern) ? NamePattern.Escape(p.Pattern) : p.Pattern);
    }

    public bool IncludesDatabase(string database)
    {
        if (ExcludeDatabases.Any(p => p.IsMatch(database))) return false;
        if (Databases.Count == 0)
            return !SystemDatabases.Contains(database) || NamespaceInclude.Any(p => p.Pattern.StartsWith(database + ".", StringComparison.Ordinal));
        return Databases.Any(p => p.IsMatch(database) && (!SystemDatabases.Contains(database) || !p.HasWildcards));
    }

    public bool Includes(string database, string collection)
    {
        if (!IncludesDatabase(database)) return false;
        var ns = database + "." + collection;
        if (Collections.Count > 0 && !Collections.Any(p => p.IsMatch(collection) || p.IsMatch(ns))) return false;
        if (ExcludeCollections.Any(p => p.IsMatch(collection) || p.IsMatch(ns))) return false;
        if (NamespaceInclude.Count > 0 && !NamespaceInclude.Any(p => p.IsMatch(ns))) return false;
        return !NamespaceExclude.Any(p => p.IsMatch(ns));
    }
}
