using System.Text;

namespace MongoBackup.Engine.Formats;

/// <summary>
/// Measures how deeply JSON text nests objects and arrays, without parsing it, so text nested past a limit is refused
/// before the driver's recursive Extended JSON reader could run out of stack (100,000 levels killed the process).
/// </summary>
internal static class JsonNesting
{
    /// <summary>
    /// 100 levels: MongoDB documents 100 as the nesting limit of BSON documents, and the driver writes nothing deeper
    /// (BsonDefaults.MaxSerializationDepth), so deeper metadata could not be sent to a server anyway. The server's own
    /// hard limit is 200 by default (BSONDepth::kDefaultMaxAllowableDepth, src/mongo/bson/bson_depth.h); Extended JSON
    /// wrappers such as {"$numberInt": "1"} count as a level here. The driver's reader needs about 0.5 KB of stack a
    /// level, so 100 levels stay far below any thread's stack.
    /// </summary>
    public const int MaxDepth = 100;

    /// <summary>The byte offset (in the UTF-8 text) where nesting first goes deeper than <paramref name="maxDepth"/>, or null.</summary>
    public static long? FindTooDeep(string json, int maxDepth = MaxDepth)
    {
        var depth = 0;
        var quote = '\0'; // the quote of the string being skipped: the driver also reads the shell's 'single-quoted' strings
        for (var i = 0; i < json.Length; i++)
        {
            var c = json[i];
            if (quote != '\0')
            {
                if (c == '\\') i++;
                else if (c == quote) quote = '\0';
                continue;
            }
            if (c is '"' or '\'') quote = c;
            else if (c is '}' or ']' or ')') depth--;
            else if (c is '{' or '[' or '(' && ++depth > maxDepth) return Encoding.UTF8.GetByteCount(json.AsSpan(0, i));
        }
        return null;
    }
}
