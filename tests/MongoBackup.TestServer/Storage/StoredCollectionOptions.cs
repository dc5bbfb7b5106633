using MongoDB.Bson;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// A new collection's options in the form mongod 7.0 keeps them, and so lists them (listCollections) and logs them
/// (the create entry's o): mongod parses create into CollectionOptions and writes them back with
/// CollectionOptions::appendBSON (src/mongo/db/catalog/collection_options.cpp; the create entry is
/// MutableOplogEntry::makeCreateCollCmdObj over options.toBSON()), which fixes the numeric types whatever the command
/// gave:
/// <list type="bullet">
/// <item>capped: true, then size and max first, in that order; a capped: false (or 0) is not kept at all.</item>
/// <item>size and max through BSONObjBuilder::appendNumber(long long) (src/mongo/bson/bsonobjbuilder.h): an int when
/// the value fits 32 bits, else a long; size rounded up to 256s (adjustCappedSize), a max of 0 or less read as 2^31-1
/// (adjustCappedMaxDocs); max only when set.</item>
/// <item>expireAfterSeconds (a clustered collection's TTL; create.idl: safeInt64) appended as a long.</item>
/// </list>
/// The other options keep the command's order and values (a reordering of them is not modelled).
/// </summary>
internal static class StoredCollectionOptions
{
    /// <summary>The options as stored; <paramref name="options"/> is not changed.</summary>
    public static BsonDocument Of(BsonDocument options)
    {
        var result = new BsonDocument();
        var capped = options.TryGetValue("capped", out var c) && c.ToBoolean();
        if (capped)
        {
            result.Add("capped", true);
            if (options.TryGetValue("size", out var size) && size.IsNumeric) result.Add("size", AppendNumber(CappedSizeOf(size.ToInt64())));
            if (options.TryGetValue("max", out var max) && max.IsNumeric) result.Add("max", AppendNumber(CappedMaxOf(max.ToInt64())));
        }
        foreach (var element in options)
        {
            switch (element.Name)
            {
                case "capped" or "size" or "max":
                    break;
                case "expireAfterSeconds" when element.Value.IsNumeric:
                    result.Add(element.Name, new BsonInt64(element.Value.ToInt64()));
                    break;
                default:
                    result.Add(element);
                    break;
            }
        }
        return result;
    }

    /// <summary>collection_options.cpp adjustCappedSize: up to the next multiple of 256.</summary>
    public static long CappedSizeOf(long requested) => (requested + 0xff) & ~0xffL;

    /// <summary>collection_options.cpp adjustCappedMaxDocs: 0 or less (and long.MaxValue) means 2^31-1.</summary>
    public static long CappedMaxOf(long requested) => requested <= 0 || requested == long.MaxValue ? int.MaxValue : requested;

    /// <summary>
    /// BSONObjBuilder::appendNumber(StringData, long long) of MongoDB 4.4 on (BSONObjBuilderBase): an int when the
    /// value is within int's range, else a long. (Before 4.4 it appended values from 2^30 to 2^40 as doubles.)
    /// </summary>
    public static BsonValue AppendNumber(long value) =>
        value is >= int.MinValue and <= int.MaxValue ? new BsonInt32((int)value) : new BsonInt64(value);
}
