using MongoDB.Bson;

namespace MongoBackup.TestServer.Wire;

/// <summary>One command as received: its body (document sequences merged in), database and reply requirements.</summary>
internal sealed record CommandRequest(int RequestId, BsonDocument Body, string Database, bool IsLegacyQuery, bool MoreToCome)
{
    public string CommandName => Body.ElementCount == 0 ? "" : Body.GetElement(0).Name;
}
