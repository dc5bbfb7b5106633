namespace MongoBackup.Engine.Catalog;

/// <summary>
/// Which namespaces a backup or restore takes. Database patterns match database names; collection patterns
/// match either the collection name or the whole "db.collection" (so "sales.order*" and "order*" both work).
/// The system databases (admin, local, config) are left out unless a database pattern names them.
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
        NamespaceInclude = (namespaceInclude ?? []).Select(p => new NamePattern(p)).ToList();
        NamespaceExclude = (namespaceExclude ?? []).Select(p => new NamePattern(p)).ToList();
        ExcludeDatabases = (excludeDatabases ?? []).Select(p => new NamePattern(p)).ToList();
    }

    public static NamespaceFilter Everything { get; } = new();

    public IReadOnlyList<NamePattern> Databases { get; }
    public IReadOnlyList<NamePattern> Collections { get; }
    public IReadOnlyList<NamePattern> ExcludeCollections { get; }
    public IReadOnlyList<NamePattern> NamespaceInclude { get; }
    public IReadOnlyList<NamePattern> NamespaceExclude { get; }
    public IReadOnlyList<NamePattern> ExcludeDatabases { get; }

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
