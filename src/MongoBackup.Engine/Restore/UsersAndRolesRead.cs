using MongoBackup.Engine.Formats;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// One user or role a restore takes: <paramref name="Collection"/> "system.users" or "system.roles", the document as the
/// dump holds it (of <paramref name="SourceDatabase"/>), and as it is restored (<see cref="AuthDocumentRename"/>).
/// <paramref name="KeptReferences"/>: for one restored under its own name, the references it keeps as the source had
/// them though the restore renames what they point at (see <see cref="UsersAndRolesRead"/>).
/// </summary>
public sealed record AuthDocument(string Collection, string SourceDatabase, BsonDocument Source, BsonDocument Restored,
    IReadOnlyList<(string Source, string Copy)> KeptReferences)
{
    /// <summary>True for a user (admin.system.users), false for a role.</summary>
    public bool IsUser => Collection == "system.users";
    /// <summary>True when restored as another database's copy, false when under its own name.</summary>
    public bool IsCopy => !ReferenceEquals(Source, Restored);
}

/// <summary>
/// A user or role the dump holds that the restore does not take (its database is outside the restore's selection): its
/// <paramref name="Database"/> and name, for the warning that names it.
/// </summary>
public sealed record LeftOutAuthDocument(bool IsUser, string Database, string Name)
{
    /// <summary>The one <paramref name="document"/> of <paramref name="collection"/> ("system.users" or "system.roles") describes.</summary>
    public static LeftOutAuthDocument Of(string collection, BsonDocument document)
    {
        var isUser = collection == "system.users";
        return new LeftOutAuthDocument(isUser, document.GetValue("db", "").ToString()!,
            document.GetValue(isUser ? "user" : "role", document.GetValue("_id", "")).ToString()!);
    }
}

/// <summary>
/// The users and roles a restore takes, read whole from the dump and renamed before anything is written, so that what
/// cannot be restored refuses the restore before its first write: two databases renamed into one that each hold a user
/// (or role) of the same name, which one database cannot hold twice (-RenameDatabase @{hr='m'; crm='m'}, each with its
/// alice). Collections may merge so; a user may not, since the second would replace the first (another password, other
/// roles) and one application's user would be silently gone.
/// A user or role restored under its own name (admin's users, a database restored in place beside a renamed one) is the
/// live server's own, not a copy: it is restored as the backup had it, its grants on a renamed database left on the
/// source name (a rename restores a copy beside the live databases and changes nothing the live users may do, as
/// mongorestore, which merges user documents unchanged, does), and <see cref="AuthDocument.KeptReferences"/> names
/// those grants for a warning.
/// </summary>
public sealed class UsersAndRolesRead
{
    private UsersAndRolesRead(IReadOnlyList<AuthDocument> documents, bool noneInDump, Exception? failure, IReadOnlyList<LeftOutAuthDocument>? leftOut = null) =>
        (Documents, NoneInDump, Failure, LeftOut) = (documents, noneInDump, failure, leftOut ?? []);

    /// <summary>
    /// The dump's per-database user lists of MongoDB 2.4 and earlier ("db.system.users" outside admin): 2.6 moved every
    /// user into admin.system.users and a server since then does not authenticate from such a list (manual, "Upgrade User
    /// Authorization Data to 2.6 Format"), so they are never restored; named in a warning so that what is skipped, and why, is said.
    /// </summary>
    public IReadOnlyList<string> LegacyUserLists { get; private init; } = [];

    /// <summary>The legacy per-database user lists <paramref name="reader"/> holds (<see cref="LegacyUserLists"/>), as "db.system.users".</summary>
    public static IReadOnlyList<string> LegacyUserListsIn(IDumpReader reader) =>
        reader.Namespaces.Where(ns => ns.Database != "admin" && ns.Collection == "system.users")
            .Select(ns => ns.Database + "." + ns.Collection).Order(StringComparer.Ordinal).ToList();

    /// <summary>The users and roles to restore, in dump order; empty on <see cref="Failure"/>.</summary>
    public IReadOnlyList<AuthDocument> Documents { get; }
    /// <summary>
    /// The users and roles the dump holds of databases the restore does not take (<see cref="UsersAndRolesTargets.TargetOf"/>
    /// null), in dump order: not restored, and named in a warning (<see cref="UsersAndRolesRestorer"/>).
    /// </summary>
    public IReadOnlyList<LeftOutAuthDocument> LeftOut { get; }
    /// <summary>True when the dump holds no users or roles at all.</summary>
    public bool NoneInDump { get; }
    /// <summary>
    /// Why they could not be read (a file damaged or altered: <see cref="CorruptDumpException"/>, or a
    /// <see cref="MongoBackupException"/>); none of them is then restored, and the rest of the restore goes on.
    /// </summary>
    public Exception? Failure { get; }

    /// <summary>The users and roles of the databases <paramref name="targets"/> takes, as they are restored.</summary>
    /// <exception cref="MongoBackupException">InvalidArgument: two of them would be restored as one (see <see cref="UsersAndRolesRead"/>).</exception>
    public static async Task<UsersAndRolesRead> ReadAsync(IDumpReader reader, UsersAndRolesTargets targets, CancellationToken ct)
    {
        var wanted = reader.Namespaces
            .Where(ns => RestorePlanner.IsAuthCollection(ns) && AuthCollectionOf(ns) is "system.users" or "system.roles")
            .ToList();
        if (wanted.Count == 0) return new UsersAndRolesRead([], noneInDump: true, failure: null) { LegacyUserLists = LegacyUserListsIn(reader) };
        var documents = new List<AuthDocument>();
        var leftOut = new List<LeftOutAuthDocument>();
        try
        {
            await reader.ReadAsync(wanted, async (ns, raws) =>
            {
                // Read whole before any is applied: a snapshot's file is checked as it is read, at its end (each stored
                // byte read once), and no user or role from a file found damaged or altered may reach the server. They are few.
                var read = new List<AuthDocument>();
                var notTaken = new List<LeftOutAuthDocument>();
                await foreach (var raw in raws.WithCancellation(ct))
                {
                    var document = BsonSerializer.Deserialize<BsonDocument>(raw);
                    if (Planned(ns, document, targets) is { } planned) read.Add(planned);
                    else notTaken.Add(LeftOutAuthDocument.Of(AuthCollectionOf(ns), document));
                }
                lock (documents)
                {
                    documents.AddRange(read);
                    leftOut.AddRange(notTaken);
                }
            }, 1, ct);
        }
        catch (Exception e) when (e is MongoBackupException or CorruptDumpException)
        {
            return new UsersAndRolesRead([], noneInDump: false, failure: e);
        }
        RefuseMerged(documents);
        return new UsersAndRolesRead(documents, noneInDump: false, failure: null, leftOut) { LegacyUserLists = LegacyUserListsIn(reader) };
    }

    /// <summary>The admin collection a dump's auth namespace stands for: "system.users" for admin.system.users and for DB.$admin.system.users.</summary>
    private static string AuthCollectionOf(DumpNamespace ns) =>
        ns.Collection.StartsWith(RestorePlanner.DatabaseAuthPrefix, StringComparison.Ordinal)
            ? ns.Collection[RestorePlanner.DatabaseAuthPrefix.Length..] : ns.Collection;

    /// <summary>The user or role as it is restored; null when the restore does not take its database.</summary>
    private static AuthDocument? Planned(DumpNamespace ns, BsonDocument document, UsersAndRolesTargets targets)
    {
        var database = document.GetValue("db", "").AsString;
        if (targets.TargetOf(database) is not { } into) return null;
        var restored = AuthDocumentRename.Rename(document, database, into, targets);
        var kept = ReferenceEquals(restored, document) ? AuthDocumentRename.RenamedReferences(document, targets) : [];
        return new AuthDocument(AuthCollectionOf(ns), database, document, restored, kept);
    }

    /// <summary>Refuses users or roles of different source databases that would be restored under one _id.</summary>
    private static void RefuseMerged(IReadOnlyList<AuthDocument> documents)
    {
        var merged = documents
            .GroupBy(d => (d.Collection, Id: d.Restored["_id"].ToString()!))
            .Select(g => (g.Key, First: g.First(), Sources: g.Select(d => d.SourceDatabase).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList()))
            .Where(g => g.Sources.Count > 1)
            .OrderBy(g => g.Key.Id, StringComparer.Ordinal)
            .ToList();
        if (merged.Count == 0) return;
        var each = merged.Select(m =>
            $"the {(m.First.IsUser ? "user" : "role")} {m.First.Restored.GetValue(m.First.IsUser ? "user" : "role", "")} of " +
            $"{string.Join(" and ", m.Sources)} would both be {m.Key.Id}");
        var into = merged.Select(m => m.First.Restored["db"].AsString).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        throw new MongoBackupException(ErrorIds.InvalidArgument,
            $"-IncludeUsersAndRoles cannot restore these users and roles: {string.Join("; ", each)}, and a database holds one " +
            $"user or role of a name (the second would replace the first, its password and roles). Nothing was written. Rename " +
            $"those databases into different ones, or restore them without -IncludeUsersAndRoles and create the users you need.",
            target: string.Join(", ", into));
    }
}
