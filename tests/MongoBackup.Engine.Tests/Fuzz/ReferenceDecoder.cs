using MongoBackup.Engine.Formats;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Fuzz;

/// <summary>
/// What a damaged input holds, walked apart from the reader under test: a plain .bson file is whole, well-formed
/// documents to its last byte, or it holds no valid data at all; metadata is what the driver's Extended JSON reader
/// makes of it.
/// </summary>
public static class ReferenceDecoder
{
    /// <summary>The documents, or null when the bytes are not a sequence of whole, valid documents.</summary>
    public static List<byte[]>? Documents(byte[] plain)
    {
        var documents = new List<byte[]>();
        var at = 0;
        while (at < plain.Length)
        {
            if (plain.Length - at < 5) return null;
            var length = BitConverter.ToInt32(plain, at);
            if (length < 5 || length > plain.Length - at || length > BsonDocumentReader.MaxDocumentSize) return null;
            var document = plain[at..(at + length)];
            if (!IsValid(document)) return null;
            documents.Add(document);
            at += length;
        }
        return documents;
    }

    // Structure is the reader's own check (tested on its own against the fixtures): what the fuzzer asks here is that
    // a restore reporting success dropped nothing, so a file counts as valid when every byte belongs to a whole document.
    private static bool IsValid(byte[] document) => BsonStructureValidator.FindProblem(document) is null;

    /// <summary>Whether damaged metadata still says what the original says about a collection's data (name, type, options).</summary>
    public static bool SameCollection(string original, string damaged)
    {
        if (JsonNesting.FindTooDeep(damaged) is not null) return false;
        try
        {
            var before = BsonDocument.Parse(original);
            var after = BsonDocument.Parse(damaged);
            return new[] { "options", "type", "collectionName" }.All(name => before.GetValue(name, BsonNull.Value).Equals(after.GetValue(name, BsonNull.Value)));
        }
        catch (Exception)
        {
            return false;
        }
    }
}
