using System.Text.Json;
using System.Text.Json.Nodes;

namespace MongoBackup.Engine.Security;

/// <summary>
/// One byte form for a JSON text whatever its layout: objects with their properties sorted by name (ordinal), no
/// whitespace, strings and numbers as the parser read them. Two texts that differ only in indentation or property
/// order give the same bytes; any change to a name or a value gives different ones. What a manifest seal covers.
/// </summary>
internal static class CanonicalJson
{
    /// <summary>The canonical UTF-8 bytes of <paramref name="json"/> without the top-level property <paramref name="omit"/>.</summary>
    /// <exception cref="JsonException">The text is not JSON, or an object in it has a property name twice.</exception>
    public static byte[] Bytes(string json, string omit)
    {
        var root = JsonNode.Parse(json) ?? throw new JsonException("The text is JSON null, not an object.");
        if (root is JsonObject top) top.Remove(omit);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false }))
            Write(writer, root);
        return buffer.ToArray();
    }

    /// <summary>The properties sorted by name; a name written twice has no one canonical form (readers differ on which value counts).</summary>
    private static List<KeyValuePair<string, JsonNode?>> Properties(JsonObject obj)
    {
        try { return obj.OrderBy(p => p.Key, StringComparer.Ordinal).ToList(); }
        catch (ArgumentException e) { throw new JsonException($"An object has a property name twice: {e.Message}", e); }
    }

    private static void Write(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (name, value) in Properties(obj))
                {
                    writer.WritePropertyName(name);
                    Write(writer, value);
                }
                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array) Write(writer, item);
                writer.WriteEndArray();
                break;
            default:
                node.WriteTo(writer);
                break;
        }
    }
}
