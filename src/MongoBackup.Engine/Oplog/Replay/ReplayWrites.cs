using MongoDB.Bson;

namespace MongoBackup.Engine.Oplog.Replay;

/// <summary>
/// The target namespaces a replay sent something to: each CRUD operation's namespace and each command's collection, by
/// their owner (a write to system.buckets.NAME is time-series collection NAME's). A restore reads it to know whether what
/// it counted before the replay still holds. Noted as operations are sent, whether the server then applied them or not,
/// so it errs towards "touched"; a command that names no collection it knows the shape of marks its whole database.
/// </summary>
public sealed class ReplayWrites
{
    // Commands whose first field is a whole "db.collection" namespace, not a collection of the entry's database;
    // renameCollection's "to" is one too.
    private static readonly HashSet<string> NamespaceCommands = new(StringComparer.Ordinal) { "renameCollection", "shardCollection" };

    private readonly HashSet<string> _namespaces = new(StringComparer.Ordinal);
    private readonly HashSet<string> _databases = new(StringComparer.Ordinal);

    /// <summary>Notes an operation about to be sent to the target (its ns and names already the target's).</summary>
    public void Note(BsonDocument operation)
    {
        var (database, collection) = NamespaceName.Split(operation.GetValue("ns", "").AsString);
        if (operation.GetValue("op", "").AsString != "c")
        {
            NoteCollection(database, collection);
            return;
        }
        if (operation.GetValue("o", BsonNull.Value) is not BsonDocument { ElementCount: > 0 } o || o[0] is not BsonString { Value: var named })
        {
            _databases.Add(database);
            return;
        }
        var command = o.GetElement(0).Name;
        if (!NamespaceCommands.Contains(command))
        {
            NoteCollection(database, named);
            return;
        }
        NoteNamespace(named);
        if (o.GetValue("to", BsonNull.Value) is BsonString to) NoteNamespace(to.Value);
    }

    /// <summary>Whether the replay sent anything that may have changed target namespace <paramref name="ns"/> ("db.collection").</summary>
    public bool Touched(string ns) => _namespaces.Contains(ns) || _databases.Contains(NamespaceName.Split(ns).Database);

    private void NoteNamespace(string ns)
    {
        var (database, collection) = NamespaceName.Split(ns);
        NoteCollection(database, collection);
    }

    private void NoteCollection(string database, string collection) =>
        _namespaces.Add(database + "." + SystemCollections.OwnerOf(collection));
}
