using MongoDB.Bson;

namespace MongoBackup.Engine.Oplog;

/// <summary>
/// What an oplog search keeps (<see cref="OplogSearch"/>): namespaces (wildcards, as MongoDB names match:
/// case-sensitively), operations (by the names <see cref="FoundOplogEntry.Operation"/> gives, case-insensitively, with
/// wildcards), and a span of time: entries after <see cref="After"/> and at or before <see cref="Before"/>.
/// </summary>
public sealed class OplogSearchFilter
{
    /// <summary>
    /// The operation names -Operation takes: the CRUD kinds, Command (every command), and the command entries MongoDB
    /// writes (src/mongo/db/repl/oplog_entry.idl's command types, with the names older servers logged index drops under,
    /// as <see cref="Replay.OplogForms"/> lists them).
    /// </summary>
    public static readonly IReadOnlyList<string> OperationNames =
    [
        "Insert", "Update", "Delete", "Noop", "Command",
        "Create", "Drop", "DropDatabase", "RenameCollection", "CollMod", "CreateIndexes", "DropIndexes", "DeleteIndexes",
        "StartIndexBuild", "CommitIndexBuild", "AbortIndexBuild", "EmptyCapped", "ConvertToCapped", "ImportCollection",
        "ApplyOps", "CommitTransaction", "AbortTransaction", "DbCheck", "DropIdent", "SetMultikeyMetadata",
        "CreateDatabaseMetadata", "DropDatabaseMetadata", "ModifyCollectionShardingIndexCatalog",
    ];

    private static readonly HashSet<string> CrudOperations = new(StringComparer.Ordinal) { "Insert", "Update", "Delete", "Noop" };

    private readonly IReadOnlyList<Model.NamePattern> _namespaces;
    private readonly IReadOnlyList<System.Text.RegularExpressions.Regex> _operations;

    /// <param name="namespaces">Namespace patterns ("shop.customers", "shop.*"); none keeps every namespace.</param>
    /// <param name="operations">Operation names or patterns (<see cref="OperationNames"/>); none keeps every operation.</param>
    /// <param name="after">Keep only entries after this limit (exclusive); null for no lower bound.</param>
    /// <param name="before">Keep only entries at or before this limit; null for no upper bound.</param>
    /// <exception cref="MongoBackupException">InvalidArgument: an operation that names none of <see cref="OperationNames"/>.</exception>
    public OplogSearchFilter(IEnumerable<string>? namespaces = null, IEnumerable<string>? operations = null, OplogLimit? after = null, OplogLimit? before = null)
    {
        _namespaces = (namespaces ?? []).Select(n => new Model.NamePattern(n)).ToList();
        _operations = (operations ?? []).Select(Operation).ToList();
        After = after;
        Before = before;
    }

    /// <summary>Entries after this are kept (exclusive); null for no lower bound.</summary>
    public OplogLimit? After { get; }
    /// <summary>Entries at or before this are kept; null for no upper bound.</summary>
    public OplogLimit? Before { get; }

    /// <summary>Whether <paramref name="entry"/> (a raw oplog entry) lies in the span, judged before it is described.</summary>
    public bool InSpan(BsonDocument entry) => (After is null || After.IsBeyond(entry)) && (Before is null || !Before.IsBeyond(entry));

    /// <summary>Whether an entry at <paramref name="ts"/> or any later one is past <see cref="Before"/>: the search can stop.</summary>
    public bool PastEnd(OplogTimestamp ts) => Before is not null && ts > Before.Timestamp;

    /// <summary>Whether no entry up to <paramref name="end"/> can be after <see cref="After"/> (a file ending there is skipped).</summary>
    public bool EndsBeforeStart(OplogTimestamp end) =>
        After is not null && end < (After.WallTime is null ? After.Timestamp : new OplogTimestamp(After.Timestamp.Seconds, 0));

    /// <summary>
    /// Whether an entry of op code <paramref name="op"/> on <paramref name="ns"/> can match, judged before it is described
    /// (its _id or command turned into text): a CRUD or no-op entry names its operation and namespace itself, so one that
    /// cannot match is passed over cheaply; a command (whose namespace is in its document, and applyOps' operations) always can.
    /// </summary>
    public bool MayMatch(string op, string ns)
    {
        var operation = op switch { "i" => "Insert", "u" => "Update", "d" => "Delete", "n" => "Noop", _ => null };
        if (operation is null) return true;
        return (_operations.Count == 0 || _operations.Any(o => o.IsMatch(operation))) && (_namespaces.Count == 0 || _namespaces.Any(p => p.IsMatch(ns)));
    }

    /// <summary>Whether a found operation matches the namespaces and operations asked for.</summary>
    public bool Matches(FoundOplogEntry found)
    {
        ArgumentNullException.ThrowIfNull(found);
        return MatchesOperation(found) && MatchesNamespace(found);
    }

    private bool MatchesOperation(FoundOplogEntry found)
    {
        if (_operations.Count == 0) return true;
        var isCommand = !CrudOperations.Contains(found.Operation);
        return _operations.Any(o => o.IsMatch(found.Operation) || (isCommand && o.IsMatch("Command")));
    }

    /// <summary>
    /// A renameCollection matches by its source or its target; a dropDatabase (or another command on a database) by
    /// the database part of a pattern, so -Namespace shop.customers finds the dropDatabase of shop that dropped it.
    /// </summary>
    private bool MatchesNamespace(FoundOplogEntry found)
    {
        if (_namespaces.Count == 0) return true;
        return _namespaces.Any(p => p.IsMatch(found.Namespace)
            || (found.RenamedTo is { } to && p.IsMatch(to))
            || (found.NamespaceIsDatabase && new Model.NamePattern(DatabasePart(p.Pattern)).IsMatch(found.Namespace)));
    }

    private static string DatabasePart(string pattern) => pattern.IndexOf('.', StringComparison.Ordinal) is var dot and >= 0 ? pattern[..dot] : pattern;

    private static System.Text.RegularExpressions.Regex Operation(string name)
    {
        var pattern = new System.Text.RegularExpressions.Regex(
            "^" + System.Text.RegularExpressions.Regex.Escape(name).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
            System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);
        if (!OperationNames.Any(pattern.IsMatch))
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"-Operation '{name}' names no oplog operation. The operations are: {string.Join(", ", OperationNames)}.", target: name);
        return pattern;
    }
}
