using MongoBackup.Engine.Codecs;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;

namespace MongoBackup.Engine.Formats;

/// <summary>
/// Dumps of servers before 3.0 (mongodump 2.x) hold no metadata files: a database folder's indexes are the documents
/// of its system.indexes.bson, each naming its collection in "ns". As mongorestore does (mongo-tools mongorestore,
/// LoadIndexesFromBSON), a folder without metadata files takes its collections' indexes from there; a folder with
/// metadata files ignores system.indexes.
/// </summary>
internal static class LegacySystemIndexes
{
    public const string CollectionName = "system.indexes";

    public static List<DatabaseFolderScan.Found> Apply(List<DatabaseFolderScan.Found> found, bool usesMetadataFiles)
    {
        var systemIndexes = found.FirstOrDefault(f => f.Collection == CollectionName && f.DataFile is not null);
        if (usesMetadataFiles || systemIndexes is null) return found;

        Dictionary<string, List<BsonDocument>> byCollection;
        try
        {
            byCollection = Read(systemIndexes.DataFile!);
        }
        catch (Exception e) when (e is CorruptDumpException or InvalidDataException or ZstdSharp.ZstdException)
        {
            var damage = new NamespaceDamage(systemIndexes.DataFile!,
                $"its indexes are listed in '{systemIndexes.DataFile}', which cannot be read: {e.Message}");
            return found.Select(f => f.Metadata is null && f != systemIndexes && f.Damage is null ? f with { Damage = damage } : f).ToList();
        }
        return found.Select(f =>
        {
            if (f.Metadata is not null || !byCollection.TryGetValue(f.Collection, out var indexes)) return f;
            var metadata = new CollectionMetadata { CollectionName = f.Collection, Indexes = indexes, TypeWasOmitted = true };
            return f with { Metadata = metadata, MetadataFile = systemIndexes.DataFile };
        }).ToList();
    }

    private static Dictionary<string, List<BsonDocument>> Read(string file)
    {
        var byCollection = new Dictionary<string, List<BsonDocument>>(StringComparer.Ordinal);
        using var reader = new BsonDocumentReader(
            CompressionCodec.WrapForRead(File.OpenRead(file), CompressionCodec.FromFileName(file)), file);
        while (reader.ReadNext() is { } raw)
        {
            var offset = reader.Position - raw.Length;
            var index = BsonSerializer.Deserialize<BsonDocument>(raw);
            if (!index.TryGetValue("ns", out var ns) || !ns.IsString || ns.AsString.IndexOf('.') <= 0
                || !index.TryGetValue("key", out var key) || !key.IsBsonDocument || !index.TryGetValue("name", out var name) || !name.IsString)
                throw new CorruptDumpException(file, offset, "an index definition has no string ns and name or no key document");
            var collection = ns.AsString[(ns.AsString.IndexOf('.') + 1)..];
            if (!byCollection.TryGetValue(collection, out var list)) byCollection[collection] = list = [];
            list.Add(index);
        }
        return byCollection;
    }
}
