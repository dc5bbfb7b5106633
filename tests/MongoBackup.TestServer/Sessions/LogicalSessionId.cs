using System.Security.Cryptography;
using System.Text;
using MongoBackup.TestServer.Commands;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sessions;

/// <summary>
/// The lsid as the server records it in the oplog and config.transactions: the client's {id} completed with uid, the
/// SHA-256 digest of the authenticated user (or of the empty string when nobody is, as the captures show:
/// mongorestore/testdata/oplogs/bson/vectored_insert.bson carries uid 47DEQpj8...uFU=, SHA-256 of ""). MongoDB digests a
/// user's unambiguous name, "db.user" (user_name.h getUnambiguousName); that part is not checked against a capture.
/// </summary>
internal static class LogicalSessionId
{
    public static BsonDocument Complete(BsonDocument lsid, ConnectionState connection)
    {
        if (lsid.Contains("uid")) return lsid;
        var user = connection.IsAuthenticated ? $"{connection.AuthenticatedDatabase}.{connection.AuthenticatedUser}" : "";
        return new BsonDocument
        {
            { "id", lsid["id"] },
            { "uid", new BsonBinaryData(SHA256.HashData(Encoding.UTF8.GetBytes(user)), BsonBinarySubType.Binary) },
        };
    }

    /// <summary>The session as an error message names it (its id; mongod's own wording of a session is not modelled).</summary>
    public static string Describe(BsonDocument lsid) => lsid["id"] is BsonBinaryData { SubType: BsonBinarySubType.UuidStandard } id
        ? id.ToGuid().ToString()
        : lsid["id"].ToString()!;
}
