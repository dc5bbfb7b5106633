using MongoDB.Bson;

namespace MongoBackup.Engine.Oplog.Replay;

/// <summary>
/// The secondary indexes a restore builds once the replay is over, by source namespace: those the dump's metadata
/// lists, plus the ones the oplog creates, minus the ones it drops, as collMod, renames and drops change them. A
/// replay over a hot dump passes through states the source had at different moments; an index built before it (a
/// unique one above all) could refuse one of them. mongorestore builds every index after its replay for this reason
/// (TOOLS-2041; mongorestore.go runs RestoreOplog before RestoreIndexes, and oplog.go collects createIndexes and
/// commitIndexBuild entries into its index catalog); so does this.
/// A time-series collection's indexes come in two forms, each built where it was taken from and translated once, by the
/// server: a dump's metadata (listIndexes on the collection) holds the user's spec on the measurements, built on the
/// collection NAME, which translates it; the oplog holds the spec the server built on system.buckets.NAME, already
/// translated (its createIndexes and commitIndexBuild entries name the buckets collection, with the key on "meta" and
/// control.min/control.max, and the user's spec as originalSpec when the server keeps it: mongo
/// src/mongo/db/timeseries/timeseries_commands_conversion_helper.cpp, makeTimeseriesCreateIndexesCommand), built on
/// system.buckets.NAME as it is, as mongorestore does (mongo-tools mongorestore/oplog.go keeps a createIndexes entry's
/// index under the collection the entry names).
/// </summary>
public sealed class DeferredIndexes
{
    private readonly Dictionary<string, List<DeferredIndex>> _byNamespace = new(StringComparer.Ordinal);

    /// <summary>
    /// Namespaces with indexes to build, and their specs in creation order: those built on the collection, then (for a
    /// time-series collection) those built on its buckets collection, <paramref name="OnBuckets"/>, as the oplog logged them.
    /// </summary>
    public IEnumerable<(string Namespace, bool OnBuckets, IReadOnlyList<BsonDocument> Specs)> Pending =>
        _byNamespace.Where(p => p.Value.Count > 0).OrderBy(p => p.Key, StringComparer.Ordinal)
            .SelectMany(p => p.Value.GroupBy(i => i.OnBuckets).OrderBy(g => g.Key)
                .Select(g => (p.Key, g.Key, (IReadOnlyList<BsonDocument>)g.Select(i => i.Spec).ToList())));

    /// <summary>The specs kept for a source namespace, in creation order (either form).</summary>
    public IReadOnlyList<BsonDocument> Of(string ns) => _byNamespace.TryGetValue(ns, out var specs) ? specs.Select(i => i.Spec).ToList() : [];

    /// <summary>
    /// Adds (or replaces, by name) an index; the _id index and clustered indexes come with their collection. A spec
    /// without a string name (damaged metadata) is kept as it is: the server refuses it when it is built, and that
    /// namespace fails naming why. <paramref name="onBuckets"/>: the spec is a time-series collection's buckets-level one,
    /// as an oplog entry on system.buckets.NAME holds it (built there, not translated again); else it is built on the
    /// collection itself.
    /// </summary>
    public void Add(string ns, BsonDocument spec, bool onBuckets = false)
    {
        var name = NameOf(spec);
        if (name == "_id_" || spec.GetValue("clustered", false).ToBoolean()) return;
        var clean = spec.DeepClone().AsBsonDocument;
        clean.Remove("ns"); // what old servers wrote into specs and new ones refuse
        var specs = Specs(ns);
        if (name is BsonString) specs.RemoveAll(s => NameOf(s.Spec) == name);
        specs.Add(new DeferredIndex(clean, onBuckets));
    }

    /// <summary>One index to build, and whether it is built on the time-series collection's buckets collection.</summary>
    private sealed record DeferredIndex(BsonDocument Spec, bool OnBuckets);

    private static BsonValue NameOf(BsonDocument spec) => spec.GetValue("name", BsonNull.Value);

    private static BsonValue KeyOf(BsonDocument spec) => spec.GetValue("key", BsonNull.Value);

    /// <summary>A dropIndexes "index" value: a name, an array of names, a key pattern, or "*" for all but _id.</summary>
    public void Drop(string ns, BsonValue index)
    {
        if (!_byNamespace.TryGetValue(ns, out var specs)) return;
        switch (index)
        {
            case BsonString { Value: "*" }: specs.Clear(); break;
            case BsonString name: specs.RemoveAll(s => NameOf(s.Spec) == name); break;
            case BsonArray names: specs.RemoveAll(s => names.Contains(NameOf(s.Spec))); break;
            case BsonDocument key: specs.RemoveAll(s => KeyOf(s.Spec).Equals(key)); break;
        }
    }

    /// <summary>
    /// A collMod "index" change, found by name or keyPattern, as MongoDB applies it: hidden and prepareUnique false
    /// remove the option; unique: true makes the index unique (and drops prepareUnique); forceNonUnique removes unique.
    /// </summary>
    public void Modify(string ns, BsonDocument change)
    {
        if (!_byNamespace.TryGetValue(ns, out var specs)) return;
        var spec = change.TryGetValue("name", out var name) ? specs.FirstOrDefault(s => NameOf(s.Spec) == name)?.Spec
            : change.TryGetValue("keyPattern", out var key) ? specs.FirstOrDefault(s => KeyOf(s.Spec).Equals(key))?.Spec : null;
        if (spec is null) return;
        foreach (var option in change)
        {
            switch (option.Name)
            {
                case "hidden" or "prepareUnique":
                    if (option.Value.ToBoolean()) spec[option.Name] = true; else spec.Remove(option.Name);
                    break;
                case "expireAfterSeconds":
                    spec[option.Name] = option.Value;
                    break;
                case "unique" when option.Value.ToBoolean():
                    spec.Remove("prepareUnique");
                    spec["unique"] = true;
                    break;
                case "forceNonUnique" when option.Value.ToBoolean():
                    spec.Remove("unique");
                    break;
            }
        }
    }

    /// <summary>A collection dropped (or renamed out of the restore) takes its indexes with it.</summary>
    public void DropCollection(string ns) => _byNamespace.Remove(ns);

    /// <summary>Every collection of the database takes its indexes with it.</summary>
    public void DropDatabase(string database)
    {
        foreach (var ns in _byNamespace.Keys.Where(n => n.StartsWith(database + ".", StringComparison.Ordinal)).ToList())
            _byNamespace.Remove(ns);
    }

    /// <summary>A collection's indexes move with it; the target's own go when the rename replaces it.</summary>
    public void Rename(string from, string to)
    {
        _byNamespace.Remove(to);
        if (_byNamespace.Remove(from, out var specs)) _byNamespace[to] = specs;
    }

    private List<DeferredIndex> Specs(string ns)
    {
        if (!_byNamespace.TryGetValue(ns, out var specs)) _byNamespace[ns] = specs = [];
        return specs;
    }
}
