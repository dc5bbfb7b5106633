using MongoDB.Bson;

namespace MongoBackup.TestServer.Wire;

/// <summary>
/// One command as received: its body (document sequences merged in), database and reply requirements; or, with
/// <see cref="Refusal"/>, a message well formed but refused as it was read (a document over the size limit), whose reply is that error.
/// </summary>
internal sealed record CommandRequest(int RequestId, BsonDocument Body, string Database, bool IsLegacyQuery, bool MoreToCome)
{
    public CommandFailure? Refusal { get; init; }

    /// <summary>The body's top-level arrays whose members are misnamed (see <see cref="BodyFieldNames"/>), for the command's parser to refuse; null when none.</summary>
    public IReadOnlyDictionary<string, MisnamedMember>? MisnamedArrayMembers { get; init; }

    public string CommandName => Body.ElementCount == 0 ? "" : Body.GetElement(0).Name;
}
