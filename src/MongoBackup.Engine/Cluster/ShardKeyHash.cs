using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using MongoDB.Bson;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// The 64-bit value a hashed shard key field stands for in config.chunks bounds: MongoDB's BSONElementHasher::hash64 with
/// seed 0 (src/mongo/db/hasher.cpp). MD5 over: the seed as a little-endian int32; the value's canonical type as a
/// little-endian int32 (bsontypes.h canonicalizeBSONType); then a number as a little-endian int64 (safeNumberLongForHash:
/// truncated, NaN as 0, saturated at the int64 ends), a document or array as each element (canonical type, name with its
/// NUL, value, recursively) then an end marker of canonical type 0 alone, anything else as its BSON value bytes. The
/// result is the digest's first 8 bytes, little-endian; hasher.cpp's own check is {check: 42} → -944302157085130861.
/// </summary>
internal static class ShardKeyHash
{
    /// <summary>hash64 of <paramref name="value"/>, seed 0.</summary>
    public static long Of(BsonValue value)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        AppendInt32(md5, 0);
        AppendElement(md5, null, value);
        Span<byte> digest = stackalloc byte[16];
        md5.GetHashAndReset(digest);
        return BinaryPrimitives.ReadInt64LittleEndian(digest);
    }

    private static void AppendElement(IncrementalHash md5, string? name, BsonValue value)
    {
        AppendInt32(md5, ShardKeyOrder.CanonicalType(value));
        if (name is not null) md5.AppendData(Encoding.UTF8.GetBytes(name + "\0"));
        switch (value)
        {
            case BsonDocument document:
                foreach (var element in document) AppendElement(md5, element.Name, element.Value);
                AppendInt32(md5, 0); // the end of the object: canonical type 0, no name, no value
                break;
            case BsonArray array:
                for (var i = 0; i < array.Count; i++) AppendElement(md5, i.ToString(System.Globalization.CultureInfo.InvariantCulture), array[i]);
                AppendInt32(md5, 0);
                break;
            default:
                if (value.IsNumeric)
                {
                    Span<byte> number = stackalloc byte[8];
                    BinaryPrimitives.WriteInt64LittleEndian(number, ForHash(value));
                    md5.AppendData(number);
                }
                else
                {
                    var wrapped = new BsonDocument("", value).ToBson(); // length, type, "" NUL, value, final NUL
                    md5.AppendData(wrapped.AsSpan(6, wrapped.Length - 7));
                }
                break;
        }
    }

    private static void AppendInt32(IncrementalHash md5, int value)
    {
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(four, value);
        md5.AppendData(four);
    }

    private static long ForHash(BsonValue number)
    {
        if (number.BsonType is BsonType.Int32 or BsonType.Int64) return number.ToInt64();
        var d = number.ToDouble();
        return double.IsNaN(d) ? 0 : d >= 9.2233720368547758E18 ? long.MaxValue : d < -9.2233720368547758E18 ? long.MinValue : (long)d;
    }
}
