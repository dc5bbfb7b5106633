using MongoBackup.Engine.Oplog.Replay;
using MongoDB.Bson;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// Whether an oplog writes to anything a filter selects, up to a limit. A point-in-time restore of a collection or a
/// database created after its base snapshot finds nothing of it in the snapshot: its creation and writes are in the
/// oplog. This lets such a restore go ahead, while a name that neither the snapshot nor the oplog holds is still
/// refused before anything is written.
/// </summary>
public static class OplogNamespaceProbe
{
    private const string SystemViews = "system.views";

    /// <param name="scope">What the base snapshot covers: a replay writes nothing outside it.</param>
    public static async Task<bool> AnyMatchAsync(IAsyncEnumerable<byte[]> entries, NamespaceFilter filter, SnapshotScope scope, OplogLimit? limit,
        CancellationToken ct)
    {
        await foreach (var raw in entries.WithCancellation(ct))
        {
            using var entry = new RawBsonDocument(raw);
            if (limit is not null && limit.IsBeyond(entry)) return false;
            if (NamespacesOf(entry).Any(ns => filter.Includes(ns.Database, ns.Collection) && scope.Covers(ns.Database, ns.Collection))) return true;
        }
        return false;
    }

    /// <summary>
    /// The namespaces an entry writes to or creates: a CRUD entry's own (for a write to &lt;db&gt;.system.views, the view
    /// it defines: MongoDB logs a view's creation as an insert there, its _id "db.view"), a command's collection, a
    /// rename's target, a transaction's members.
    /// </summary>
    public static IEnumerable<(string Database, string Collection)> NamespacesOf(BsonDocument entry)
    {
        var op = entry.GetValue("op", "").AsString;
        var ns = entry.GetValue("ns", "").AsString;
        if (op is "i" or "u" or "d")
        {
            var selector = op == "u" ? entry.GetValue("o2", BsonNull.Value) : entry.GetValue("o", BsonNull.Value);
            if (ns.EndsWith("." + SystemViews, StringComparison.Ordinal) && selector is BsonDocument s && s.GetValue("_id", BsonNull.Value) is BsonString { Value: var view })
                yield return Split(view);
            else
                yield return Split(ns);
            yield break;
        }
        if (op != "c" || entry.GetValue("o", BsonNull.Value) is not BsonDocument o || o.ElementCount == 0) yield break;
        var command = o.GetElement(0);
        if (command.Name == "applyOps" && command.Value is BsonArray inner)
        {
            foreach (var member in inner.OfType<BsonDocument>())
                foreach (var found in NamespacesOf(member)) yield return found;
        }
        else if (command.Name == "renameCollection" && o.GetValue("to", BsonNull.Value) is BsonString to)
        {
            yield return Split(to.Value);
        }
        else if (command.Value is BsonString collection)
        {
            yield return Split(ns.Split('.', 2)[0] + "." + collection.Value);
        }
    }

    /// <summary>
    /// Every namespace <paramref name="segments"/> can bring into being on a replay's target (<see cref="CreatedBy"/>) that
    /// <paramref name="covers"/> takes, in the order first met, each with what its first creation makes it; each segment
    /// read again from its start (<see cref="OplogSegment.Reread"/>), its entries at or before its After skipped, to its Limit.
    /// An oplog that cannot be read to its end (damaged, a file gone) is read up to there: the replay stops there too.
    /// </summary>
    public static async Task<IReadOnlyList<OplogCreatedNamespace>> CreatedAsync(IReadOnlyList<OplogSegment> segments,
        Func<string, string, bool> covers, CancellationToken ct)
    {
        var found = new List<OplogCreatedNamespace>();
        var seen = new HashSet<(string, string)>();
        // The replay's own transaction logic: a transaction's creates count only when it commits within the range read,
        // as the replay applies it; one aborted, or still undecided at the limit, creates nothing.
        var transactions = new TransactionGatherer();
        try
        {
            foreach (var segment in segments)
            {
                var entries = segment.Reread ?? throw new InvalidOperationException($"The replay's oplog segment '{segment.Name}' cannot be read again to check its targets.");
                await foreach (var raw in entries().WithCancellation(ct))
                {
                    using var entry = new RawBsonDocument(raw);
                    if (segment.Limit is not null && segment.Limit.IsBeyond(entry)) break;
                    if (segment.After is { } after && entry.GetValue("ts", BsonNull.Value) is BsonTimestamp ts && OplogTimestamp.FromBsonTimestamp(ts) <= after) continue;
                    var step = transactions.Add(entry, raw);
                    var applied = step.Kind switch
                    {
                        TransactionStepKind.NotTransaction => Creations(entry),
                        TransactionStepKind.Committed => step.Operations.SelectMany(Creations),
                        _ => [],
                    };
                    foreach (var created in applied)
                        if (covers(created.Database, created.Collection) && seen.Add((created.Database, created.Collection))) found.Add(created);
                }
            }
        }
        catch (Exception e) when (e is Formats.CorruptDumpException or MongoBackupException or IOException)
        {
            // Damaged or gone part-way: the replay stops at the same entry, and says so; what it creates before is found.
        }
        return found;
    }

    /// <summary>
    /// The namespaces an entry can bring into being on a replay's target, each with what it is ("collection",
    /// "timeseries" or "view", <see cref="Formats.CollectionMetadata"/>): a create's collection (a time-series
    /// collection's buckets or view as the collection itself), a rename's target (created, or replaced with dropTarget),
    /// and those of the operations an applyOps holds (a transaction's). Writes to other collections need one of these
    /// first: applyOps never creates a collection for an insert (NamespaceNotFound).
    /// </summary>
    public static IEnumerable<(string Database, string Collection, string Type)> CreatedBy(BsonDocument entry) =>
        Creations(entry).Select(c => (c.Database, c.Collection, c.Type));

    /// <summary><see cref="CreatedBy"/>, each with the options its creation gives it where the entry says them.</summary>
    private static IEnumerable<OplogCreatedNamespace> Creations(BsonDocument entry)
    {
        // A view: MongoDB logs its creation as an insert of its definition {_id: "db.view", viewOn, pipeline} into
        // <db>.system.views, not as a create command (jstests/replsets/view_catalog_oplog_entries.js, which counts one
        // insert on system.views for a createView; the test server's Storage/ViewDefinitions logs it so). The replay
        // applies it as that insert (Oplog/Replay/ViewDefinitions), so it is checked here like a created collection.
        if (entry.GetValue("op", "").AsString == "i" && entry.GetValue("ns", "").AsString.EndsWith("." + SystemViews, StringComparison.Ordinal)
            && entry.GetValue("o", BsonNull.Value) is BsonDocument definition && definition.GetValue("_id", BsonNull.Value) is BsonString { Value: var id })
        {
            var (db, view) = Split(id);
            var onBuckets = definition.GetValue("viewOn", BsonNull.Value) is BsonString { Value: var viewOn } && TimeseriesBuckets.IsBuckets(viewOn);
            yield return new(db, view, onBuckets ? Formats.CollectionMetadata.TimeseriesType : Formats.CollectionMetadata.ViewType, null);
            yield break;
        }
        if (entry.GetValue("op", "").AsString != "c" || entry.GetValue("o", BsonNull.Value) is not BsonDocument o || o.ElementCount == 0) yield break;
        var command = o.GetElement(0);
        var database = entry.GetValue("ns", "").AsString.Split('.', 2)[0];
        if (command.Name == "applyOps" && command.Value is BsonArray inner)
        {
            foreach (var member in inner.OfType<BsonDocument>())
                foreach (var found in Creations(member)) yield return found;
        }
        else if (command.Name == "renameCollection" && o.GetValue("to", BsonNull.Value) is BsonString to)
        {
            var (db, collection) = Split(to.Value);
            // Its options are the renamed collection's, which the entry does not say.
            yield return new(db, collection, Formats.CollectionMetadata.CollectionType, null);
        }
        else if (command.Name == "create" && command.Value is BsonString created)
        {
            var (db, collection) = Split(database + "." + created.Value);
            var type = TimeseriesBuckets.IsBuckets(created.Value) || o.Contains("timeseries")
                       || o.GetValue("viewOn", BsonNull.Value) is BsonString { Value: var on } && TimeseriesBuckets.IsBuckets(on)
                ? Formats.CollectionMetadata.TimeseriesType
                : o.Contains("viewOn") ? Formats.CollectionMetadata.ViewType : Formats.CollectionMetadata.CollectionType;
            // A collection's create command holds its options (capped, size, collation, validator...) as listCollections
            // lists them; idIndex is an index, not an option (the server lists it with the indexes). A time-series
            // collection's buckets are created with options of their own (a validator, clusteredIndex), not the ones
            // listCollections shows for the collection a user sees, so none are said for it.
            var options = type == Formats.CollectionMetadata.CollectionType ? new BsonDocument(o.Skip(1).Where(e => e.Name != "idIndex")) : null;
            yield return new(db, collection, type, options);
        }
    }

    /// <summary>"db.coll" as its parts; a time-series collection's buckets count as the collection itself.</summary>
    private static (string Database, string Collection) Split(string ns)
    {
        var dot = ns.IndexOf('.');
        var (database, collection) = dot < 0 ? (ns, "") : (ns[..dot], ns[(dot + 1)..]);
        return (database, TimeseriesBuckets.CollectionOf(collection));
    }
}

/// <summary>
/// A namespace a replayed oplog brings into being (<see cref="OplogNamespaceProbe.CreatedBy"/>): its source database and
/// collection, what it is ("collection", "timeseries" or "view"), and the options its create command gave it (null where
/// the entry does not say them: a rename's target, a view's definition).
/// </summary>
public sealed record OplogCreatedNamespace(string Database, string Collection, string Type, BsonDocument? Options);
