using System.Text;
using MongoDB.Bson;
using MongoDB.Bson.IO;

namespace MongoBackup.Engine.Formats;

/// <summary>
/// Canonical Extended JSON v2 without the spaces the driver's writer puts around ':' and ',' — the
/// compact form mongodump (Go) writes, so our metadata files are byte-for-byte like theirs.
/// </summary>
internal static class CompactCanonicalJson
{
    private static readonly JsonWriterSettings Settings = new() { OutputMode = JsonOutputMode.CanonicalExtendedJson, Indent = false };

    public static string Write(BsonDocument document)
    {
        var spaced = document.ToJson(Settings);
        var compact = new StringBuilder(spaced.Length);
        var inString = false;
        for (var i = 0; i < spaced.Length; i++)
        {
            var c = spaced[i];
            if (inString)
            {
                compact.Append(c);
                if (c == '\\') compact.Append(spaced[++i]);
                else if (c == '"') inString = false;
            }
            else if (c == '"')
            {
                inString = true;
                compact.Append(c);
            }
            else if (!char.IsWhiteSpace(c))
            {
                compact.Append(c);
            }
        }
        return compact.ToString();
    }
}
