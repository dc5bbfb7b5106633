using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Fuzz;

/// <summary>
/// Compares what a restore wrote with what a damaged input held, as MongoDB stores documents: _id moved to the front,
/// and an ObjectId _id generated for a document that had none.
/// </summary>
public static class DocumentKeys
{
    /// <summary>Whether <paramref name="restored"/> holds exactly <paramref name="expected"/> (hex of raw documents), in any order.</summary>
    public static bool Same(IReadOnlyList<string> expected, IReadOnlyList<byte[]> restored)
    {
        if (expected.Count != restored.Count) return false;
        var wanted = expected.Select(hex => Split(Convert.FromHexString(hex))).ToList();
        var withId = wanted.Where(k => k.Id is not null).GroupBy(k => k.Id + "|" + k.Others).ToDictionary(g => g.Key, g => g.Count());
        var withoutId = wanted.Where(k => k.Id is null).GroupBy(k => k.Others).ToDictionary(g => g.Key, g => g.Count());
        foreach (var document in restored)
        {
            var key = Split(document);
            if (Take(withId, key.Id + "|" + key.Others)) continue;
            if (!Take(withoutId, key.Others)) return false;
        }
        return true;
    }

    private static bool Take(Dictionary<string, int> counts, string key)
    {
        if (!counts.TryGetValue(key, out var n) || n == 0) return false;
        counts[key] = n - 1;
        return true;
    }

    /// <summary>The _id element's bytes and the other top-level elements' bytes in order; the whole document when it cannot be split.</summary>
    private static (string? Id, string Others) Split(byte[] document)
    {
        try
        {
            using var raw = new RawBsonDocument(document);
            var elements = raw.Elements.ToList();
            var id = elements.Where(e => e.Name == "_id").Select(e => Convert.ToHexString(new BsonDocument(e).ToBson())).FirstOrDefault();
            var rest = new BsonDocument(elements.Where(e => e.Name != "_id"));
            return (id, Convert.ToHexString(rest.ToBson()));
        }
        catch (Exception)
        {
            return (null, Convert.ToHexString(document));
        }
    }
}
