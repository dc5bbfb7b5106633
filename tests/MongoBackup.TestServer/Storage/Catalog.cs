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
        var collections = DatabaseFor(database);
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
        DatabaseFor(toDatabase);   // refused while the source database still exists, as mongod opens the target first
        Remove(collection);
        var collections = DatabaseFor(toDatabase);
        collection.Database = toDatabase;
        collection.Name = toName;
        collections[toName] = collection;
    }

    /// <summary>
    /// The collections of <paramref name="database"/>, created empty when it does not exist. As mongod, refuses to
    /// create a database whose name differs only in (ASCII) case from one that exists: DatabaseDifferCase, 13297
    /// (src/mongo/db/catalog/database_holder_impl.cpp, DatabaseHolderImpl::openDb; jstests/core/dbcase2.js).
    /// </summary>
    private SortedDictionary<string, Collection> DatabaseFor(string database)
    {
        if (_databases.TryGetValue(database, out var collections)) return collections;
        if (_databases.Keys.FirstOrDefault(d => DifferOnlyInCase(d, database)) is { } held)
            throw CommandFailure.DatabaseDifferCase($"db already exists with different case already have: [{held}] trying to create [{database}]");
        return _databases[database] = new SortedDictionary<string, Collection>(StringComparer.Ordinal);
    }

    /// <summary>True when two database names differ, but only in the case of ASCII letters.</summary>
    public static bool DifferOnlyInCase(string a, string b) =>
        a.Length == b.Length && a != b && a.Zip(b).All(p => p.First == p.Second
            || char.IsAsciiLetter(p.First) && char.IsAsciiLetter(p.Second) && (p.First | 0x20) == (p.Second | 0x20));

    public static (string Database, string Collection) SplitNamespace(string ns)
    {
        var dot = ns.IndexOf('.');
        if (dot <= 0) throw CommandFailure.InvalidNamespace($"Invalid namespace specified '{ns}'");
        return (ns[..dot], ns[(dot + 1)..]);
    }

    /// <summary>
    /// The longest database name mongod takes: DatabaseName::kMaxDatabaseNameLength (src/mongo/db/database_name.h; the
    /// manual's "Length of Database Names": fewer than 64 characters), counted in bytes of its UTF-8 as std::string::size().
    /// </summary>
    public const int MaxDatabaseNameLength = 63;

    private static void ValidateName(string database, string name)
    {
        if (string.IsNullOrEmpty(database) || database.IndexOfAny(new[] { '/', '\\', '.', ' ', '"', '$', '\0' }) >= 0)
            throw CommandFailure.InvalidNamespace($"Invalid database name: '{database}'");
        // database_name.h, DatabaseName's checks: the same code and words.
        if (System.Text.Encoding.UTF8.GetByteCount(database) is var bytes && bytes > MaxDatabaseNameLength)
            throw CommandFailure.InvalidNamespace($"db name must be at most {MaxDatabaseNameLength} characters, found: {bytes}");
        if (string.IsNullOrEmpty(name) || name.Contains('\0') || name.StartsWith('.') || name.Contains('$') && !name.StartsWith("oplog.$"))
            throw CommandFailure.InvalidNamespace($"Invalid collection name: '{name}'");
    }
}
