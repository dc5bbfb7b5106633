using MongoDB.Bson;

namespace MongoBackup.Engine.Formats;

/// <summary>
/// Walks the body of an archive: a sequence of namespace segments (a header, documents, a terminator)
/// and end-of-namespace markers (a header with EOF true, then a terminator).
/// </summary>
internal sealed class ArchiveSegmentReader(BsonDocumentReader reader, string file)
{
    private bool _insideSegment;

    /// <param name="Crc">For an end marker: the CRC-64 of all the namespace's documents, as mongodump recorded it.</param>
    /// <param name="Offset">Where the segment header starts.</param>
    public sealed record Segment(string Database, string Collection, bool IsEnd, ulong Crc, long Offset);

    /// <summary>The next segment header, or null at the end of the archive. The documents of a data segment must be read before the next call.</summary>
    public async Task<Segment?> NextAsync(CancellationToken ct)
    {
        if (_insideSegment)
            throw new InvalidOperationException("The documents of the current segment have not all been read.");
        var offset = reader.Position;
        var length = await reader.PeekLengthAsync(ct).ConfigureAwait(false);
        if (length is null) return null;
        if (length == ArchivePrelude.Terminator)
            throw new CorruptDumpException(file, offset, "a terminator appears where a namespace header was expected");
        var header = ArchiveDocuments.Parse(await reader.ReadAfterPeekedLengthAsync(ct).ConfigureAwait(false), file, offset);
        if (!header.Contains("db") || !header.Contains("collection"))
            throw new CorruptDumpException(file, offset, "a namespace header has no db or collection field");
        CheckHeaderFields(header, offset);
        var isEnd = header.TryGetValue("EOF", out var eof) && eof.IsBoolean && eof.AsBoolean;
        var crc = header.TryGetValue("CRC", out var crcValue) && crcValue.IsInt64 ? unchecked((ulong)crcValue.AsInt64) : 0UL;
        var segment = new Segment(ArchiveDocuments.String(header, "db"), ArchiveDocuments.String(header, "collection"), isEnd, crc, offset);
        if (isEnd)
        {
            var terminatorOffset = reader.Position;
            var next = await reader.PeekLengthAsync(ct).ConfigureAwait(false);
            if (next != ArchivePrelude.Terminator)
                throw new CorruptDumpException(file, terminatorOffset,
                    $"the end marker of '{segment.Database}.{segment.Collection}' is not followed by a terminator");
        }
        else
        {
            _insideSegment = true;
        }
        return segment;
    }

    /// <summary>
    /// A namespace header holds db and collection (strings), EOF (a boolean) and CRC (an int64), nothing else, as
    /// mongorestore reads it (mongo-tools common/archive/archive.go, NamespaceHeader.UnmarshalBSON: any other field or
    /// type is an error). A damaged field name must not pass for an absent field: an end marker whose CRC was renamed
    /// would otherwise skip the checksum of the very documents the same damage may have changed.
    /// </summary>
    private void CheckHeaderFields(BsonDocument header, long offset)
    {
        foreach (var element in header)
        {
            var expected = element.Name switch
            {
                "db" or "collection" => BsonType.String,
                "EOF" => BsonType.Boolean,
                "CRC" => BsonType.Int64,
                _ => throw new CorruptDumpException(file, offset, $"a namespace header has a field '{element.Name}' the archive format does not have (db, collection, EOF, CRC)"),
            };
            if (element.Value.BsonType != expected)
                throw new CorruptDumpException(file, offset, $"a namespace header's {element.Name} is a {element.Value.BsonType}, not a {expected}");
        }
    }

    /// <summary>The next document of the current segment, or null at its terminator.</summary>
    public async Task<byte[]?> NextDocumentAsync(CancellationToken ct)
    {
        if (!_insideSegment) return null;
        var offset = reader.Position;
        var length = await reader.PeekLengthAsync(ct).ConfigureAwait(false)
                     ?? throw new CorruptDumpException(file, offset, "the archive ends inside a namespace segment (no terminator)");
        if (length == ArchivePrelude.Terminator)
        {
            _insideSegment = false;
            return null;
        }
        return await reader.ReadAfterPeekedLengthAsync(ct).ConfigureAwait(false);
    }
}
