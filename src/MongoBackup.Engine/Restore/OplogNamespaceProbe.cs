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
        CancellationToken ct) =>
        (await EachMatchesAsync(entries, [filter], scope, limit, ct))[0];

    /// <summary>
    /// For each of <paramref name="filters"/>, whether the oplog writes to anything it selects within <paramref name="scope"/>,
    /// up to <paramref name="limit"/>: one read for all of them, ended once each has matched.
    /// </summary>
    /// <returns>One answer per filter, in their order.</returns>
    public static async Task<IReadOnlyList<bool>> EachMatchesAsync(IAsyncEnumerable<byte[]> entries, IReadOnlyList<NamespaceFilter> filters,
        SnapshotScope scope, OplogLimit? limit, CancellationToken ct)
    {
        var matched = new bool[filters.Count];
        var left = filters.Count;
        if (left == 0) return matched;
        await foreach (var raw in entries.WithCancellation(ct))
        {
            using var entry = new RawBsonDocument(raw);
            if (limit is not null && limit.IsBeyond(entry)) break;
            foreach (var ns in NamespacesOf(entry))
            {
                if (!scope.Covers(ns.Database, ns.Collection)) continue;
                for (var i = 0; i < filters.Count; i++)
                    if (!matched[i] && filters[i].Includes(ns.Database, ns.Collection))
                        (matched[i], left) = (true, left - 1);
            }
            if (left == 0) break;
        }
        return matched;
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
        var finder = new OplogCreationFinder(covers);
        await finder.ReadAsync(segments, ct);
        return finder.Found;
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
    internal static IEnumerable<OplogCreatedNamespace> Creations(BsonDocument entry)
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
