using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Formats;

/// <summary>
/// Writes a mongodump archive by the published spec (common/archive/spec.md), segment by segment, so tests
/// can build interleaved, oplog-carrying, truncated or damaged archives the fixtures do not contain.
/// </summary>
internal sealed class ArchiveBuilder
{
    private static readonly byte[] Terminator = [0xff, 0xff, 0xff, 0xff];
    private readonly MemoryStream _out = new();
    private readonly Dictionary<string, MongoBackup.Engine.Formats.Crc64Ecma> _checksums = new();

    public ArchiveBuilder(params (string Db, string Collection, string MetadataJson, string Type)[] namespaces)
    {
        _out.Write([0x6d, 0xe2, 0x99, 0x81]);
        Write(new BsonDocument { { "concurrent_collections", 4 }, { "version", "0.1" }, { "server_version", "7.0.0" }, { "tool_version", "100.9.0" } });
        foreach (var (db, collection, metadata, type) in namespaces)
            Write(new BsonDocument { { "db", db }, { "collection", collection }, { "metadata", metadata }, { "size", 0 }, { "type", type } });
        _out.Write(Terminator);
    }

    public long Length => _out.Length;

    public ArchiveBuilder Segment(string db, string collection, params BsonDocument[] documents)
    {
        Write(new BsonDocument { { "db", db }, { "collection", collection }, { "EOF", false }, { "CRC", 0L } });
        var crc = Checksum(db, collection);
        foreach (var document in documents)
        {
            crc.Append(document.ToBson());
            Write(document);
        }
        _out.Write(Terminator);
        return this;
    }

    /// <summary>The end marker, with the CRC-64 of the namespace's documents as mongodump writes it, or a given one.</summary>
    public ArchiveBuilder End(string db, string collection, ulong? crc = null)
    {
        var value = crc ?? Checksum(db, collection).Value;
        Write(new BsonDocument { { "db", db }, { "collection", collection }, { "EOF", true }, { "CRC", unchecked((long)value) } });
        _out.Write(Terminator);
        return this;
    }

    public ArchiveBuilder RawBytes(byte[] bytes)
    {
        _out.Write(bytes);
        return this;
    }

    public byte[] ToArray() => _out.ToArray();

    private MongoBackup.Engine.Formats.Crc64Ecma Checksum(string db, string collection)
    {
        var key = db + "." + collection;
        if (!_checksums.TryGetValue(key, out var crc)) _checksums[key] = crc = new MongoBackup.Engine.Formats.Crc64Ecma();
        return crc;
    }

    private void Write(BsonDocument document) => _out.Write(document.ToBson());
}
