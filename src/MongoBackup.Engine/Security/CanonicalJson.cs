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
    /// <exception cref="JsonException">The text is not JSON, or an object of it names a property twice.</exception>
    public static byte[] Bytes(string json, string omit)
    {
        try
        {
            var root = JsonNode.Parse(json) ?? throw new JsonException("The text is JSON null, not an object.");
            if (root is JsonObject top) top.Remove(omit);
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false }))
                Write(writer, root);
            return buffer.ToArray();
        }
        catch (ArgumentException e)
        {
            // JsonObject reads its properties lazily and throws ArgumentException on a name given twice (a damaged or
            // edited manifest): one canonical form cannot say which of the two was meant.
            throw new JsonException($"An object in it names a property twice ({e.Message}).", e);
        }
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
                foreach (var (name, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
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
