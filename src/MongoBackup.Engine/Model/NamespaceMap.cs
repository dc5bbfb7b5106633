namespace MongoBackup.Engine.Model;

/// <summary>
/// Renames namespaces on the way in, as mongorestore's --nsFrom/--nsTo do, in their syntax (see
/// <see cref="NamespacePattern"/>): "sales.*" -> "sales_copy.*", each '*' in the target taking what the matching '*'
/// of the source matched, or named parts: "$db$.users" -> "$db$_old.users". The first rule that matches wins (the
/// -RenameDatabase rules come first); a namespace no rule matches keeps its name.
/// </summary>
public sealed class NamespaceMap
{
    private readonly List<(string From, string To, NamespacePattern Source, List<NamespacePattern.Piece> Target, (string From, string To)? Database)> _rules = [];

    /// <summary>No rule: every namespace keeps its name. Shared; do not <see cref="Add"/> to it.</summary>
    public static NamespaceMap Identity { get; } = new();

    /// <summary>The rules as given, in the order they are tried.</summary>
    public IReadOnlyList<(string From, string To)> Rules => _rules.Select(r => (r.From, r.To)).ToList();

    /// <summary>A rule as the user wrote it: "-RenameDatabase 'a=b'" or "-NamespaceMap 'a.x' = 'b.y'".</summary>
    public string Written(int rule) => _rules[rule].Database is { } database
        ? $"-RenameDatabase '{database.From}={database.To}'"
        : $"-NamespaceMap '{_rules[rule].From}' = '{_rules[rule].To}'";
    /// <summary>True when there is no rule.</summary>
    public bool IsIdentity => _rules.Count == 0;

    /// <exception cref="MongoBackupException">InvalidArgument: the two sides do not fit together, naming the rule.</exception>
    public NamespaceMap Add(string from, string to) => Add(from, to, database: null);

    private NamespaceMap Add(string from, string to, (string From, string To)? database)
    {
        var named = from.Contains('$');
        if (!named && to.Contains('$'))
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"The namespace map '{from}' = '{to}' uses $parts$ in the target only; name them in the source too ('$db$.coll').");
        var source = NamespacePattern.ForRenaming(from);
        var target = NamespacePattern.Parse(to);
        if (!named && target.Count(p => p.IsPart) != source.Variables.Count)
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"The namespace map '{from}' = '{to}' must use the same number of '*' on both sides.");
        if (target.FirstOrDefault(p => p.IsPart && !source.Variables.Contains(p.Value)) is { IsPart: true } unknown)
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"The namespace map target '{to}' uses ${unknown.Value}$, which its source '{from}' does not name.");
        if (!string.Concat(target.Where(p => !p.IsPart).Select(p => p.Value)).Contains('.') && !target.Any(p => p.IsPart))
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"The namespace map target '{to}' must be a namespace (database.collection, wildcards allowed).");
        // The database part of the target, as far as it is written out: a name the user chooses now, held to NewDatabaseProblem.
        // (each '*' or $part$ stands as a plain letter: what it takes is a source database's name, judged by its server).
        var literalDatabase = string.Concat(target.Select(p => p.IsPart ? "x" : p.Value)).Split('.')[0];
        // What every mongod refuses is the planner's to say, naming each namespace it would form (RestorePlan).
        if (literalDatabase.Length > 0 && NamespaceNames.DatabaseProblem(literalDatabase) is null
            && NamespaceNames.NewDatabaseProblem(literalDatabase) is { } problem)
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"The namespace map target '{to}' names a database that is refused: {problem}. Nothing was written. Write the map as " +
                "@{ 'db.coll' = 'newdb.coll' }.", target: to);
        // A target database written out whole ("local.x", -RenameDatabase 'a=config'): refused now, before anything is read
        // (one a '*' or $part$ forms is refused by the planner, naming each namespace it would send there).
        if (target.TakeWhile(p => !p.IsPart).Sum(p => p.Value.Length) > literalDatabase.Length
            && ServerDatabaseProblem(literalDatabase) is { } reserved)
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"{(database is { } d ? $"-RenameDatabase '{d.From}={d.To}'" : $"-NamespaceMap '{from}' = '{to}'")} renames into the {literalDatabase} database: {reserved}. " +
                "Nothing was written. Rename into a database of your own.", target: literalDatabase);
        _rules.Add((from, to, source, target, database));
        return this;
    }

    /// <summary>
    /// Why a rename must not send a namespace into <paramref name="database"/>; null when it may. local and config are
    /// the server's own: local is each mongod's and is never replicated (MongoDB manual, "The local Database": the oplog,
    /// the replica set's configuration), so what a restore put there would be on one member only; config holds what
    /// MongoDB writes for itself (sessions, transactions, a sharded cluster's routing and chunk metadata; manual, "Config
    /// Database": not to be written by users). mongorestore 100.11.0 checks no --nsTo target against them (only a full
    /// restore of a dump's config folder into a mongos, mongorestore.go); this refuses the rename, which is a typo far
    /// more often than meant. A namespace of local or config restored under its own name is not a rename, and not refused.
    /// <para>
    /// The server takes these names case-sensitively ("Local" is no special database), but it refuses to create a
    /// database whose name differs only in case from one it has: DatabaseDifferCase, code 13297 (src/mongo/db/catalog/
    /// database_holder_impl.cpp, DatabaseHolderImpl::openDb; jstests/core/dbcase2.js; a config server refuses the same for
    /// a cluster's databases). Every mongod has admin (admin.system.version, its feature compatibility version), local
    /// (local.startup_log, a replica set member's oplog) and config (config.system.sessions), so a rename into "Local",
    /// "CONFIG" or "Admin" is one the server would refuse part-way: it is refused here, before anything is written.
    /// </para>
    /// </summary>
    public static string? ServerDatabaseProblem(string database) => database switch
    {
        "local" => "local is each server's own database (its oplog, its replica set configuration) and is never replicated, " +
            "so what a restore wrote there would be on this member alone",
        "config" => "config holds what MongoDB writes for itself (sessions, transactions, a sharded cluster's routing metadata), " +
            "not data to restore into",
        _ when ServersOwnDatabases.FirstOrDefault(own => own != database && string.Equals(own, database, StringComparison.OrdinalIgnoreCase)) is { } own =>
            $"{database} differs only in case from the server's own {own} database, which every mongod has, and MongoDB refuses a " +
            "database whose name differs only in case from one that exists (DatabaseDifferCase, code 13297)",
        _ => null,
    };

    /// <summary>The databases every mongod holds of its own (see <see cref="ServerDatabaseProblem"/>).</summary>
    private static readonly string[] ServersOwnDatabases = ["admin", "local", "config"];

    /// <summary>The index of the rule that renames "db.collection" <paramref name="ns"/> (the first that matches; for <see cref="Written"/>), or null when none does.</summary>
    public int? RuleFor(string ns)
    {
        var rule = _rules.FindIndex(r => r.Source.Capture(ns) is not null);
        return rule < 0 ? null : rule;
    }

    /// <summary>A refused target with the typo's leading '&gt;' or '=' and its forbidden characters left out, for the message's example.</summary>
    private static string Suggested(string to)
    {
        var trimmed = to.TrimStart('>', '=', ' ');
        var kept = new string(trimmed.Where(c => NamespaceNames.NewDatabaseProblem(c.ToString()) is null || char.IsLetterOrDigit(c) || c == '_').ToArray());
        return kept.Length > 0 ? kept : "new_name";
    }

    /// <summary>True when rule <paramref name="rule"/> came from -RenameDatabase.</summary>
    public bool IsDatabaseRename(int rule) => _rules[rule].Database is not null;

    /// <summary>-RenameDatabase: every namespace of <paramref name="from"/> moves to <paramref name="to"/>.</summary>
    /// <exception cref="MongoBackupException">InvalidArgument: MongoDB refuses <paramref name="to"/> for a database (<see cref="NamespaceNames.DatabaseProblem"/>).</exception>
    public NamespaceMap AddDatabaseRename(string from, string to)
    {
        ArgumentNullException.ThrowIfNull(to);
        // What every mongod refuses is said as such; what only this module refuses (not portable, a typo) is not.
        var refusedByMongo = NamespaceNames.DatabaseProblem(to);
        if ((refusedByMongo ?? NamespaceNames.NewDatabaseProblem(to)) is { } problem)
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"Cannot rename the database {from} to '{to}': {(refusedByMongo is null ? "" : "MongoDB refuses that name, ")}{problem}. Nothing was written. Write a rename as 'old=new' " +
                $"(or @{{ old = 'new' }}), such as '{from}={Suggested(to)}'.", target: to);
        return Add(NamespacePattern.Escape(from) + ".*", NamespacePattern.Escape(to) + ".*", database: (from, to));
    }

    /// <summary>
    /// A rule that "db.collection" <paramref name="ns"/> matches but never reaches, since a rule tried before it takes
    /// <paramref name="ns"/> first: the two rules' indexes (for <see cref="Written"/>), or null when at most one rule
    /// matches <paramref name="ns"/>. The winner is a -RenameDatabase rule (tried first) or another -NamespaceMap rule,
    /// whose order is a hashtable's: not the user's, and not the same from one session to the next.
    /// </summary>
    public (int Winner, int Shadowed)? ShadowedRule(string ns)
    {
        var first = _rules.FindIndex(r => r.Source.Capture(ns) is not null);
        if (first < 0) return null;
        for (var i = first + 1; i < _rules.Count; i++)
            if (_rules[i].Source.Capture(ns) is not null) return (first, i);
        return null;
    }

    /// <summary>
    /// The target of "db.collection" <paramref name="ns"/> under the first rule that matches it; <paramref name="ns"/> itself when none does.
    /// </summary>
    public string Map(string ns)
    {
        foreach (var (_, _, source, target, _) in _rules)
        {
            if (source.Capture(ns) is not { } parts) continue;
            return string.Concat(target.Select(p => p.IsPart ? parts[p.Value] : p.Value));
        }
        return ns;
    }

    /// <summary>
    /// Maps a collection as it is stored: the buckets of a time-series collection (system.buckets.NAME) follow NAME,
    /// since renames name the collection users see.
    /// </summary>
    public (string Database, string Collection) MapStored(string database, string collection)
    {
        if (!TimeseriesBuckets.IsBuckets(collection)) return Map(database, collection);
        var (db, name) = Map(database, TimeseriesBuckets.CollectionOf(collection));
        return (db, TimeseriesBuckets.Of(name));
    }

    /// <exception cref="MongoBackupException">InvalidArgument: a rule maps the namespace to a name without a '.'.</exception>
    public (string Database, string Collection) Map(string database, string collection)
    {
        var mapped = Map(database + "." + collection);
        var dot = mapped.IndexOf('.');
        if (dot <= 0 || dot == mapped.Length - 1)
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"The namespace map sends '{database}.{collection}' to '{mapped}', which is not a database.collection name.");
        return (mapped[..dot], mapped[(dot + 1)..]);
    }
}
