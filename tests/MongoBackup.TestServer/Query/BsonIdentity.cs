using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>
/// Byte-for-byte sameness of BSON values (1 and 1.0 differ, field order matters), the test an oplog diff
/// needs: anything not identical must be written.
/// </summary>
internal static class BsonIdentity
{
    public static bool Same(BsonValue a, BsonValue b)
    {
        if (a.BsonType != b.BsonType) return false;
        return a switch
        {
            BsonDocument da => SameDocuments(da, b.AsBsonDocument),
            BsonArray aa => aa.Count == b.AsBsonArray.Count && aa.Zip(b.AsBsonArray).All(p => Same(p.First, p.Second)),
            BsonDouble d => BitConverter.DoubleToInt64Bits(d.Value) == BitConverter.DoubleToInt64Bits(b.AsDouble),
            _ => EncodedSize.Bytes(a).AsSpan().SequenceEqual(EncodedSize.Bytes(b)),
        };
    }

    private static bool SameDocuments(BsonDocument a, BsonDocument b)
    {
        if (a.ElementCount != b.ElementCount) return false;
        for (var i = 0; i < a.ElementCount; i++)
        {
            var ea = a.GetElement(i);
            var eb = b.GetElement(i);
            if (ea.Name != eb.Name || !Same(ea.Value, eb.Value)) return false;
        }
        return true;
    }
}

/// <summary>The encoded size of a value, used to keep an oplog diff no larger than writing the value whole.</summary>
internal static class EncodedSize
{
    public static byte[] Bytes(BsonValue value) => new BsonDocument("", value).ToBson();

    public static int Of(BsonValue value) => Bytes(value).Length;
}
