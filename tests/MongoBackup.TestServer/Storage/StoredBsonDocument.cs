using MongoDB.Bson;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// A document kept as the exact BSON bytes it arrived or is stored as: inserts store these bytes without
/// re-serializing, and cursor replies copy them without parsing.
/// </summary>
internal sealed class StoredBsonDocument : RawBsonDocument
{
    public StoredBsonDocument(byte[] bytes) : base(bytes) => Bytes = bytes;

    public byte[] Bytes { get; }
}
