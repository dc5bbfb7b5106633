using System.Buffers.Binary;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;

namespace MongoBackup.Engine.Formats;

/// <summary>
/// The start of a mongodump archive: the magic number, the header document, and one metadata document
/// per namespace, ended by a terminator. See mongo-tools common/archive/spec.md.
/// </summary>
internal sealed class ArchivePrelude
{
    public const uint MagicNumber = 0x8199e26d;
    public const int Terminator = -1; // 0xFFFFFFFF
    public const string OplogCollection = "oplog";

    public required string FormatVersion { get; init; }
    public required string ServerVersion { get; init; }
    public required string ToolVersion { get; init; }
    public required List<Entry> Entries { get; init; }

    /// <summary>One collection-metadata document: the namespace, its metadata JSON (may be empty) and type.</summary>
    /// <param name="Damage">Why its metadata cannot be used (that namespace fails, not the archive); null when it can.</param>
    public sealed record Entry(string Database, string Collection, CollectionMetadata? Metadata, string Type, NamespaceDamage? Damage = null);

    /// <summary>Reads the prelude, leaving <paramref name="reader"/> at the first namespace segment.</summary>
    public static async Task<ArchivePrelude> ReadAsync(Stream stream, BsonDocumentReader reader, string file, CancellationToken ct)
    {
        var magic = new byte[4];
        int got;
        try
        {
            got = await stream.ReadAtLeastAsync(magic, 4, throwOnEndOfStream: false, ct).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            throw CorruptDumpException.FromCompression(file, 0, 0, "archive's magic number", e);
        }
        reader.Position = got;
        if (got < 4 || BinaryPrimitives.ReadUInt32LittleEndian(magic) != MagicNumber)
            throw new InvalidDataException(
                $"'{file}' is not a mongodump archive: it does not start with the archive magic number (and it is not a directory).");

        var header = ArchiveDocuments.Parse(await ReadRequiredAsync(reader, file, "the archive header", ct).ConfigureAwait(false), file, 4);
        var entries = new List<Entry>();
        while (true)
        {
            var offset = reader.Position;
            var length = await reader.PeekLengthAsync(ct).ConfigureAwait(false)
                         ?? throw new CorruptDumpException(file, offset, "the archive ends inside its list of collections (no terminator)");
            if (length == Terminator) break;
            var document = ArchiveDocuments.Parse(await reader.ReadAfterPeekedLengthAsync(ct).ConfigureAwait(false), file, offset);
            entries.Add(ReadEntry(document, file, offset));
        }
        return new ArchivePrelude
        {
            FormatVersion = ArchiveDocuments.String(header, "version"),
            ServerVersion = ArchiveDocuments.String(header, "server_version"),
            ToolVersion = ArchiveDocuments.String(header, "tool_version"),
            Entries = entries,
        };
    }

    /// <summary>Names MongoDB could not hold are damage (the oplog's entry alone has an empty database name).</summary>
    private static void CheckNames(string db, string collection, string file, long offset)
    {
        if (db == "" && collection == OplogCollection) return;
        try
        {
            DumpNames.UnescapeDatabase(db);
            if (collection.Length == 0 || collection.Contains('\0'))
                throw new ArgumentException($"'{collection}' is not a valid collection name: it is empty or contains a NUL.");
        }
        catch (ArgumentException e)
        {
            throw new CorruptDumpException(file, offset, $"the archive lists a namespace MongoDB cannot hold: {e.Message}", e);
        }
    }

    private static async Task<byte[]> ReadRequiredAsync(BsonDocumentReader reader, string file, string what, CancellationToken ct)
    {
        var offset = reader.Position;
        return await reader.ReadNextAsync(ct).ConfigureAwait(false)
               ?? throw new CorruptDumpException(file, offset, $"the archive ends before {what}");
    }

    private static Entry ReadEntry(BsonDocument document, string file, long offset)
    {
        var db = ArchiveDocuments.String(document, "db");
        var collection = ArchiveDocuments.String(document, "collection");
        var json = ArchiveDocuments.String(document, "metadata");
        var type = ArchiveDocuments.String(document, "type");
        CheckNames(db, collection, file, offset);
        CollectionMetadata? metadata = null;
        if (!string.IsNullOrWhiteSpace(json))
        {
            try
            {
                metadata = CollectionMetadata.Parse(json, $"{file} ({db}.{collection})");
            }
            catch (InvalidDataException e)
            {
                var problem = new CorruptDumpException(file, offset, e.Message, e);
                return new Entry(db, collection, null, string.IsNullOrEmpty(type) ? CollectionMetadata.CollectionType : type,
                    new NamespaceDamage(file, problem.Message));
            }
            if (string.IsNullOrEmpty(metadata.CollectionName)) metadata.CollectionName = collection;
            if (!string.IsNullOrEmpty(type) && metadata.TypeWasOmitted) metadata.Type = type;
        }
        return new Entry(db, collection, metadata, string.IsNullOrEmpty(type) ? CollectionMetadata.CollectionType : type);
    }
}

/// <summary>Decoding of the small control documents of an archive (header, metadata, segment headers).</summary>
internal static class ArchiveDocuments
{
    /// <summary>
    /// Control documents are flat (common/archive/spec.md); a limit far below the data's keeps the driver's recursive
    /// reader far from the end of the stack.
    /// </summary>
    public const int MaxDepth = 100;

    public static BsonDocument Parse(byte[] raw, string file, long offset)
    {
        if (BsonStructureValidator.FindProblem(raw, MaxDepth) is { } problem)
            throw new CorruptDumpException(file, offset, $"an archive control document is malformed: {problem.Problem}");
        try
        {
            return BsonSerializer.Deserialize<BsonDocument>(raw);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever the driver refuses (invalid UTF-8 in a name or string, a duplicate name) is damage to the archive.
            throw new CorruptDumpException(file, offset, $"an archive control document cannot be decoded: {e.Message}", e);
        }
    }

    public static string String(BsonDocument document, string name) =>
        document.TryGetValue(name, out var value) && value.IsString ? value.AsString : "";
}
