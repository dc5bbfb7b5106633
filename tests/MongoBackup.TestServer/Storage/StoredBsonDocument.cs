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

    /// <summary>True when the first field is _id, read from the bytes (RawBsonDocument's ElementCount walks them all).</summary>
    public bool StartsWithId =>
        Bytes.Length > 9 && Bytes[4] != 0 && Bytes[5] == (byte)'_' && Bytes[6] == (byte)'i' && Bytes[7] == (byte)'d' && Bytes[8] == 0;
}
