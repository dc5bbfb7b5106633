using System.Text;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>
/// $bsonSize and $strLenBytes (MongoDB src/mongo/db/pipeline/expression.cpp): the encoded size of a document, null for
/// null or missing, error 31393 otherwise; the UTF-8 byte length of a string, error 34473 for anything else.
/// </summary>
internal static class SizeOperators
{
    public static BsonValue? BsonSize(List<BsonValue?> args) => args[0] switch
    {
        null or BsonNull or BsonUndefined => BsonNull.Value,
        BsonDocument document => document.ToBson().Length,
        var other => throw new CommandFailure(31393, "Location31393", $"$bsonSize requires a document input, found: {BsonTypeNames.AliasOf(other)}"),
    };

    public static BsonValue? StrLenBytes(List<BsonValue?> args) => args[0] is BsonString s
        ? Encoding.UTF8.GetByteCount(s.Value)
        : throw new CommandFailure(34473, "Location34473", $"$strLenBytes requires a string argument, found: {BsonTypeNames.AliasOf(args[0])}");
}
