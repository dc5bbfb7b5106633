using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using MongoBackup.TestServer.Query;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sharding;

/// <summary>
/// The value a hashed shard key (and hashed index) stores: BSONElementHasher::hash64 of db/hasher.cpp with seed 0. An MD5
/// over the little-endian int32 seed, then for the element its canonical type (int32), and for a number its value as a
/// 64-bit integer (safeNumberLongForHash: truncated, NaN as 0, clamped at the ends), for a document or array each element
/// (its canonical type, its name NUL-terminated, its value so) and a closing EOO (canonical type 0), for anything else its
/// BSON value bytes; the first 8 bytes of the
/// digest read little-endian. hasher.cpp checks itself with {check: 42} hashing to -944302157085130861.
/// </summary>
internal static class ShardKeyHasher
{
    public static long Hash(BsonValue value)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(four, 0);
        md5.AppendData(four);
        BinaryPrimitives.WriteInt32LittleEndian(four, CanonicalType(value));
        md5.AppendData(four);
        AppendValueOnly(md5, value);
        return BinaryPrimitives.ReadInt64LittleEndian(md5.GetHashAndReset());
    }

    private static void AppendNamed(IncrementalHash md5, BsonElement element)
    {
        // recursiveHash with includeFieldName: canonical type, then the name with its NUL, then the value as above.
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(four, CanonicalType(element.Value));
        md5.AppendData(four);
        md5.AppendData(Encoding.UTF8.GetBytes(element.Name + "\0"));
        AppendValueOnly(md5, element.Value);
    }

    private static void AppendValueOnly(IncrementalHash md5, BsonValue value)
    {
        if (value is BsonDocument or BsonArray)
        {
            var elements = value is BsonDocument document ? document.Elements : ((BsonArray)value).Select((v, i) => new BsonElement(i.ToString(), v));
            foreach (var element in elements) AppendNamed(md5, element);
            Span<byte> eoo = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(eoo, 0); // EOO: canonical type 0, no name, no value
            md5.AppendData(eoo);
            return;
        }
        Span<byte> eight = stackalloc byte[8];
        if (value.IsNumeric)
        {
            BinaryPrimitives.WriteInt64LittleEndian(eight, NumberForHash(value));
            md5.AppendData(eight);
        }
        else
        {
            md5.AppendData(ValueBytes(value));
        }
    }

    /// <summary>safeNumberLongForHash: a double past the long range clamps, NaN hashes as 0.</summary>
    private static long NumberForHash(BsonValue value)
    {
        if (value.BsonType is BsonType.Int32 or BsonType.Int64) return value.ToInt64();
        var d = value.ToDouble();
        if (double.IsNaN(d)) return 0;
        if (d >= 9223372036854775807.0) return long.MaxValue;
        if (d < -9223372036854775808.0) return long.MinValue;
        return (long)d;
    }

    /// <summary>The bytes BSONElement::value() spans: the value as BSON encodes it, after the type byte and name.</summary>
    private static byte[] ValueBytes(BsonValue value)
    {
        var bytes = new BsonDocument("", value).ToBson();
        // {"" : value}: int32 length, type byte, the empty name's NUL, the value, the closing NUL.
        return bytes[6..^1];
    }

    /// <summary>
    /// BSONElement::canonicalType (bson/bsontypes.h canonicalizeBSONType): MinKey -1, undefined (and EOO) 0, otherwise the
    /// bracket BSON order sorts by (null 5, numbers 10, strings 15, ..., MaxKey 127).
    /// </summary>
    private static int CanonicalType(BsonValue value) => value.BsonType switch
    {
        BsonType.MinKey => -1,
        BsonType.Undefined => 0,
        _ => BsonValueOrder.TypeBracket(value),
    };
}
