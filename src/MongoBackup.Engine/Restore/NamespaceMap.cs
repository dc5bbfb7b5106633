using System.Text.RegularExpressions;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// Renames namespaces on the way in, as mongorestore's --nsFrom/--nsTo do: "sales.*" -> "sales_copy.*",
/// each '*' in the target takes what the matching '*' of the source matched. The first rule that matches wins;
/// a namespace no rule matches keeps its name.
/// </summary>
public sealed class NamespaceMap
{
    private readonly List<(string From, string To, Regex Pattern)> _rules = [];

    public static NamespaceMap Identity { get; } = new();

    public IReadOnlyList<(string From, string To)> Rules => _rules.Select(r => (r.From, r.To)).ToList();
    public bool IsIdentity => _rules.Count == 0;

    public NamespaceMap Add(string from, string to)
    {
        var sourceStars = from.Count(c => c == '*');
        if (to.Count(c => c == '*') != sourceStars)
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"The namespace map '{from}' = '{to}' must use the same number of '*' on both sides.");
        if (!to.Contains('.'))
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"The namespace map target '{to}' must be a namespace (database.collection, wildcards allowed).");
        var pattern = "^" + string.Join("(.*?)", from.Split('*').Select(Regex.Escape)) + "$";
        _rules.Add((from, to, new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.Singleline)));
        return this;
    }

    /// <summary>-RenameDatabase: every namespace of <paramref name="from"/> moves to <paramref name="to"/>.</summary>
    public NamespaceMap AddDatabaseRename(string from, string to) => Add(from + ".*", to + ".*");

    public string Map(string ns)
    {
        foreach (var (_, to, pattern) in _rules)
        {
            var match = pattern.Match(ns);
            if (!match.Success) continue;
            var group = 1;
            return Regex.Replace(to, @"\*", _ => match.Groups[group++].Value);
        }
        return ns;
    }

    /// <summary>
    /// Maps a collection as it is stored: the buckets of a time-series collection (system.buckets.NAME) follow NAME,
    /// since renames name the collection users see.
    /// </summary>
    public (string Database, string Collection) MapStored(string database, string collection)
    {
        const string buckets = "system.buckets.";
        if (!collection.StartsWith(buckets, StringComparison.Ordinal)) return Map(database, collection);
        var (db, name) = Map(database, collection[buckets.Length..]);
        return (db, buckets + name);
    }

    public (string Database, string Collection) Map(string database, string collection)
    {
        var mapped = Map(database + "." + collection);
        var dot = mapped.IndexOf('.');
        return (mapped[..dot], mapped[(dot + 1)..]);
    }
}
