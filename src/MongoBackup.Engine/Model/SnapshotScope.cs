using System.Text.Json.Serialization;

namespace MongoBackup.Engine.Model;

/// <summary>
/// What a full snapshot was asked to take: the backup's namespace filter, kept as the patterns that were given
/// (PowerShell wildcards, see <see cref="NamePattern"/>, and mongorestore's namespace patterns). A snapshot of some databases does not stand in for a
/// snapshot of all of them: the restore window, retention, removal guards and the policy use the scope to tell
/// whole snapshots from partial ones. Recorded in manifest.json as "scope"; a manifest without one (written before
/// scopes were recorded) is read as <see cref="Whole"/>.
/// </summary>
public sealed class SnapshotScope
{
    /// <summary>Database name patterns; empty for every database but admin, local and config.</summary>
    public List<string> Databases { get; init; } = [];
    /// <summary>Database name patterns left out.</summary>
    public List<string> ExcludeDatabases { get; init; } = [];
    /// <summary>Collection patterns (a collection name or "db.collection"); empty for every collection.</summary>
    public List<string> Collections { get; init; } = [];
    /// <summary>Collection patterns left out.</summary>
    public List<string> ExcludeCollections { get; init; } = [];
    /// <summary>"db.collection" patterns a namespace must match.</summary>
    public List<string> NamespaceInclude { get; init; } = [];
    /// <summary>"db.collection" patterns left out.</summary>
    public List<string> NamespaceExclude { get; init; } = [];
    /// <summary>The -Query filter (relaxed Extended JSON) the one collection was read with; null when none.</summary>
    public string? Query { get; init; }

    /// <summary>Every database but admin, local and config, every collection.</summary>
    public static SnapshotScope Whole { get; } = new();

    /// <summary>True when no pattern narrows it: the snapshot took every user database.</summary>
    [JsonIgnore]
    public bool IsWhole =>
        Databases.Count == 0 && ExcludeDatabases.Count == 0 && Collections.Count == 0 && ExcludeCollections.Count == 0
        && NamespaceInclude.Count == 0 && NamespaceExclude.Count == 0 && Query is null;

    /// <summary>
    /// The first pattern list read as null (its camelCase name in manifest.json), or null when every one is there. The
    /// manifest's source-generated reader leaves an init-only list it did not find null, not empty: a name changed by
    /// damage is one the manifest's checks must refuse rather than every reader of the scope trip over.
    /// </summary>
    internal string? MissingList() =>
        Databases is null ? "databases" : ExcludeDatabases is null ? "excludeDatabases" : Collections is null ? "collections"
        : ExcludeCollections is null ? "excludeCollections" : NamespaceInclude is null ? "namespaceInclude"
        : NamespaceExclude is null ? "namespaceExclude" : null;

    /// <summary>The scope of a backup run with <paramref name="filter"/>.</summary>
    public static SnapshotScope From(NamespaceFilter filter, string? query = null) => new()
    {
        Query = query,
        Databases = Patterns(filter.Databases),
        ExcludeDatabases = Patterns(filter.ExcludeDatabases),
        Collections = Patterns(filter.Collections),
        ExcludeCollections = Patterns(filter.ExcludeCollections),
        NamespaceInclude = Patterns(filter.NamespaceInclude),
        NamespaceExclude = Patterns(filter.NamespaceExclude),
    };

    /// <summary>The filter that selects exactly the namespaces this scope covers.</summary>
    public NamespaceFilter ToFilter() =>
        IsWhole ? NamespaceFilter.Everything
            : new NamespaceFilter(Databases, Collections, ExcludeCollections, NamespaceInclude, NamespaceExclude, ExcludeDatabases);

    /// <summary>Whether two scopes name the same patterns (their order aside).</summary>
    public bool SameAs(SnapshotScope other) => ToString() == other.ToString();

    /// <summary>Whether a namespace lies inside this scope (collections created after the backup included).</summary>
    public bool Covers(string database, string collection) => ToFilter().Includes(database, collection);

    /// <summary>A short description for tables and messages: "all databases", or the patterns that narrow it.</summary>
    public override string ToString()
    {
        if (IsWhole) return "all databases";
        var parts = new List<string>();
        Add("databases", Databases);
        Add("excluding databases", ExcludeDatabases);
        Add("collections", Collections);
        Add("excluding collections", ExcludeCollections);
        Add("namespaces", NamespaceInclude);
        Add("excluding namespaces", NamespaceExclude);
        if (Query is not null) parts.Add("documents matching " + Query);
        return string.Join("; ", parts);

        void Add(string label, List<string> patterns)
        {
            if (patterns.Count > 0) parts.Add(label + " " + string.Join(", ", patterns));
        }
    }

    private static List<string> Patterns(IEnumerable<NamePattern> patterns) =>
        patterns.Select(p => p.Pattern).Order(StringComparer.Ordinal).ToList();

    private static List<string> Patterns(IEnumerable<NamespacePattern> patterns) =>
        patterns.Select(p => p.Pattern).Order(StringComparer.Ordinal).ToList();
}
