using MongoDB.Bson;

namespace MongoBackup.Engine.Formats;

/// <summary>
/// The contents of a &lt;collection&gt;.metadata.json file (and of an archive's per-collection metadata):
/// creation options, index definitions, UUID, name and type, in the shape mongodump writes.
/// </summary>
public sealed class CollectionMetadata
{
    /// <summary>The "type" of an ordinary collection in metadata.json and listCollections.</summary>
    public const string CollectionType = "collection";
    /// <summary>The "type" of a view: its options hold viewOn and pipeline, it has no data file.</summary>
    public const string ViewType = "view";
    /// <summary>The "type" of a time-series collection: its documents are the buckets of system.buckets.NAME.</summary>
    public const string TimeseriesType = "timeseries";

    /// <summary>
    /// The collection's real name (mongodump's "collectionName"), which a shortened file name cannot be read back into.
    /// </summary>
    public string CollectionName { get; set; } = "";

    /// <summary>"collection", "view" or "timeseries".</summary>
    public string Type { get; set; } = CollectionType;

    /// <summary>The listCollections options (capped, validator, viewOn, pipeline, timeseries, collation, ...).</summary>
    public BsonDocument Options { get; set; } = new();

    /// <summary>The listIndexes documents, in server order.</summary>
    public List<BsonDocument> Indexes { get; set; } = [];

    /// <summary>The collection UUID as 32 lowercase hex characters, or null (views and old servers have none).</summary>
    public string? Uuid { get; set; }

    /// <summary>
    /// Old servers reported no type and mongodump then wrote none; remembered so such a file re-serialises unchanged.
    /// New metadata always states its type, as current mongodump does.
    /// </summary>
    internal bool TypeWasOmitted { get; set; }

    /// <summary>The kind <see cref="Type"/> names (an unknown type reads as an ordinary collection).</summary>
    public CollectionKind Kind => CollectionKinds.FromTypeName(Type);
    /// <summary>True when <see cref="Type"/> is "view".</summary>
    public bool IsView => Kind == CollectionKind.View;
    /// <summary>True when <see cref="Type"/> is "timeseries".</summary>
    public bool IsTimeseries => Kind == CollectionKind.Timeseries;

    /// <summary>
    /// The JSON mongodump writes: canonical Extended JSON v2, compact, keys in the order options
    /// (left out when empty), indexes, uuid (left out when absent), collectionName, type.
    /// </summary>
    public string ToDumpJson() => CompactCanonicalJson.Write(ToDocument());

    private BsonDocument ToDocument()
    {
        var document = new BsonDocument();
        if (Options.ElementCount > 0) document.Add("options", Options);
        document.Add("indexes", new BsonArray(Indexes));
        if (!string.IsNullOrEmpty(Uuid)) document.Add("uuid", Uuid);
        document.Add("collectionName", CollectionName);
        if (!TypeWasOmitted && !string.IsNullOrEmpty(Type)) document.Add("type", Type);
        return document;
    }

    /// <summary>
    /// The exact metadata as one BSON document, in the shape of <see cref="ToDumpJson"/> (options, indexes, uuid,
    /// collectionName, type): what a snapshot keeps beside a metadata.json that Extended JSON cannot hold exactly.
    /// </summary>
    public byte[] ToBson() => ToDocument().ToBson();

    /// <summary>
    /// Reads what <see cref="ToBson"/> wrote. Its structure is checked first, nesting included, at the limit its JSON
    /// form has (<see cref="JsonNesting.MaxDepth"/> levels, the document itself counted), before the driver's recursive
    /// reader could run out of stack.
    /// </summary>
    /// <exception cref="InvalidDataException">The bytes are not such a document; the message names <paramref name="fileName"/>.</exception>
    public static CollectionMetadata FromBson(byte[] raw, string fileName)
    {
        ArgumentNullException.ThrowIfNull(raw);
        if (BsonStructureValidator.FindProblem(raw, JsonNesting.MaxDepth - 1) is { } problem)
            throw new InvalidDataException($"Metadata file '{fileName}' is not a well-formed BSON document at byte offset {problem.Offset}: {problem.Problem}");
        BsonDocument document;
        try
        {
            document = MongoDB.Bson.Serialization.BsonSerializer.Deserialize<BsonDocument>(raw);
        }
        catch (Exception e) when (e is FormatException or BsonSerializationException or EndOfStreamException)
        {
            throw new InvalidDataException($"Metadata file '{fileName}' is not a BSON document: {e.Message}", e);
        }
        return FromDocument(document, fileName);
    }

    /// <summary>
    /// Reads metadata JSON written by any mongodump version: canonical or relaxed Extended JSON v2, and the
    /// legacy shell forms older versions wrote (plain numbers, NumberLong(...), "options":{} with no name).
    /// Text nested deeper than <see cref="JsonNesting.MaxDepth"/> levels is refused before it is parsed, and what is
    /// parsed must be writable as BSON (no NUL in a name, no lone surrogate), since it goes to the server in commands.
    /// </summary>
    /// <exception cref="InvalidDataException">The text is not a metadata document; the message names <paramref name="fileName"/>.</exception>
    public static CollectionMetadata Parse(string json, string fileName)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (JsonNesting.FindTooDeep(json) is { } deep)
            throw new InvalidDataException(
                $"Metadata file '{fileName}' nests objects and arrays deeper than {JsonNesting.MaxDepth} levels at byte offset {deep}: " +
                "MongoDB stores no document nested that deeply.");
        BsonDocument document;
        try
        {
            document = BsonDocument.Parse(json);
            document.ToBson();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever the driver's reader or writer refuses (a syntax error, a number beyond Int64, a NUL in a name,
            // invalid Extended JSON) is damage to this file, not a failure of the program.
            throw new InvalidDataException($"Metadata file '{fileName}' is not valid Extended JSON: {e.Message}", e);
        }
        return FromDocument(document, fileName);
    }

    private static CollectionMetadata FromDocument(BsonDocument document, string fileName)
    {
        var metadata = new CollectionMetadata
        {
            Options = ReadDocument(document, "options", fileName) ?? new BsonDocument(),
            Uuid = ReadString(document, "uuid", fileName),
            CollectionName = ReadString(document, "collectionName", fileName) ?? "",
        };
        var type = ReadString(document, "type", fileName);
        metadata.TypeWasOmitted = string.IsNullOrEmpty(type);
        metadata.Type = metadata.TypeWasOmitted ? InferType(metadata.Options) : type!;

        if (document.TryGetValue("indexes", out var indexes) && !indexes.IsBsonNull)
        {
            if (!indexes.IsBsonArray)
                throw new InvalidDataException($"Metadata file '{fileName}': \"indexes\" must be an array, not {indexes.BsonType}.");
            foreach (var index in indexes.AsBsonArray)
            {
                if (!index.IsBsonDocument)
                    throw new InvalidDataException($"Metadata file '{fileName}': an index definition is a {index.BsonType}, not a document.");
                metadata.Indexes.Add(index.AsBsonDocument);
            }
        }
        return metadata;
    }

    // Dumps from servers that did not report a type still show a view by its viewOn option.
    private static string InferType(BsonDocument options) =>
        options.Contains("viewOn") ? ViewType : options.Contains("timeseries") ? TimeseriesType : CollectionType;

    private static BsonDocument? ReadDocument(BsonDocument document, string name, string fileName)
    {
        if (!document.TryGetValue(name, out var value) || value.IsBsonNull) return null;
        if (!value.IsBsonDocument)
            throw new InvalidDataException($"Metadata file '{fileName}': \"{name}\" must be a document, not {value.BsonType}.");
        return value.AsBsonDocument;
    }

    private static string? ReadString(BsonDocument document, string name, string fileName)
    {
        if (!document.TryGetValue(name, out var value) || value.IsBsonNull) return null;
        if (!value.IsString)
            throw new InvalidDataException($"Metadata file '{fileName}': \"{name}\" must be a string, not {value.BsonType}.");
        return value.AsString;
    }
}
