using System.Text;
using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Cursors;

/// <summary>
/// What a scan's filter reads from a stored document. A filter on plain top-level fields (how backups read the oplog:
/// {ts: {$gt: A, $lte: B}}) is decided from just those fields read out of the raw bytes when their stored values are
/// scalars; any other filter, or a document holding a sub-document or array there, gets the whole parsed document.
/// </summary>
internal sealed class FilterInput
{
    public static readonly FilterInput WholeDocument = new(null);

    private readonly string[]? _fields;

    private FilterInput(string[]? fields) => _fields = fields;

    public static FilterInput For(BsonDocument filter)
    {
        var names = filter.Names.ToArray();
        var plainFields = names.Length > 0 && names.All(n => n.Length > 0 && n[0] != '$' && !n.Contains('.'));
        return plainFields ? new FilterInput(names) : WholeDocument;
    }

    public BsonDocument Read(ReadOnlyMemory<byte> stored)
    {
        if (_fields == null) return Collection.Parse(stored);
        var raw = new StoredBsonDocument(stored);
        var fields = new BsonDocument();
        try
        {
            foreach (var name in _fields)
            {
                if (!raw.TryGetValue(name, out var value)) continue;
                // Sub-documents and arrays come back as lazy raw views; the filter gets real ones from a full parse.
                if (value is BsonDocument or BsonArray) return Collection.Parse(stored);
                fields.Add(name, value);
            }
        }
        catch (DecoderFallbackException)
        {
            return Collection.Parse(stored); // a string that is not UTF-8, which the full parse reads as MongoDB stores it
        }
        return fields;
    }
}
