using MongoDB.Bson;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// Databases and their collections. Every read and write of server data happens under <see cref="Lock"/>
/// (see <see cref="DataLock"/> for which commands hold it shared); the name maps change only under it exclusively.
/// </summary>
internal sealed class Catalog
{
    private readonly SortedDictionary<string, SortedDictionary<string, Collection>> _databases = new(StringComparer.Ordinal);

    public DataLock Lock { get; } = new();

    public IEnumerable<string> DatabaseNames => _databases.Keys.ToList();

    public bool DatabaseExists(string database) => _databases.ContainsKey(database);

    public IEnumerable<Collection> CollectionsOf(string database) =>
        _databases.TryGetValue(database, out var collections) ? collections.Values.ToList() : Enumerable.Empty<Collection>();

    public Collection? Find(string database, string name) =>
        _databases.TryGetValue(database, out var collections) && collections.TryGetValue(name, out var c) ? c : null;

    public Collection? Find(string ns)
    {
        var (db, coll) = SplitNamespace(ns);
        return Find(db, coll);
    }

    /// <summary>The collection with this UUID (a time-series collection shares its buckets' UUID; the buckets are returned).</summary>
    public Collection? FindByUuid(Guid uuid) =>
        _databases.Values.SelectMany(c => c.Values).FirstOrDefault(c => c.Uuid == uuid && c.Kind == CollectionKind.Collection);

    public Collection Add(string database, string name, CollectionKind kind, BsonDocument options, Guid? uuid = null)
    {
        ValidateName(database, name);
        if (!_databases.TryGetValue(database, out var collections))
            _databases[database] = collections = new SortedDictionary<string, Collection>(StringComparer.Ordinal);
        if (collections.ContainsKey(name)) throw CommandFailure.NamespaceExists($"Collection {database}.{name} already exists.");
        var collection = new Collection(database, name, kind, options, uuid ?? Guid.NewGuid());
        collections[name] = collection;
        return collection;
    }

    public void Remove(Collection collection)
    {
        if (!_databases.TryGetValue(collection.Database, out var collections)) return;
        collections.Remove(collection.Name);
        if (collections.Count == 0) _databases.Remove(collection.Database);
    }

    public void RemoveDatabase(string database) => _databases.Remove(database);

    /// <summary>Moves a collection to another name (and database), keeping its records, indexes and UUID.</summary>
    public void Move(Collection collection, string toDatabase, string toName)
    {
        ValidateName(toDatabase, toName);
        Remove(collection);
        if (!_databases.TryGetValue(toDatabase, out var collections))
            _databases[toDatabase] = collections = new SortedDictionary<string, Collection>(StringComparer.Ordinal);
        collection.Database = toDatabase;
        collection.Name = toName;
        collections[toName] = collection;
    }

    public static (string Database, string Collection) SplitNamespace(string ns)
    {
        var dot = ns.IndexOf('.');
        if (dot <= 0) throw CommandFailure.InvalidNamespace($"Invalid namespace specified '{ns}'");
        return (ns[..dot], ns[(dot + 1)..]);
    }

    private static void ValidateName(string database, string name)
    {
        if (string.IsNullOrEmpty(database) || database.IndexOfAny(new[] { '/', '\\', '.', ' ', '"', '$', '\0' }) >= 0)
            throw CommandFailure.InvalidNamespace($"Invalid database name: '{database}'");
        if (string.IsNullOrEmpty(name) || name.Contains('\0') || name.StartsWith('.') || name.Contains('$') && !name.StartsWith("oplog.$"))
            throw CommandFailure.InvalidNamespace($"Invalid collection name: '{name}'");
    }
}
