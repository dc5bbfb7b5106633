using MongoBackup.TestServer.Auth;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>What the server remembers about one client connection: its id, who authenticated, a SCRAM exchange in flight.</summary>
internal sealed class ConnectionState
{
    public ConnectionState(int id, string remote)
    {
        Id = id;
        Remote = remote;
    }

    public int Id { get; }
    public string Remote { get; }
    public string? AuthenticatedUser { get; set; }
    public string? AuthenticatedDatabase { get; set; }
    public ScramConversation? Conversation { get; set; }
    public BsonDocument? ClientMetadata { get; set; }
    public bool IsAuthenticated => AuthenticatedUser != null;

    /// <summary>The authenticated user's built-in roles on admin, read at its first command (see <see cref="BuiltinRolePrivileges"/>).</summary>
    public IReadOnlyList<string>? Roles { get; set; }

    /// <summary>A connection of the cluster's own router to this member (the __system user's), not a client's.</summary>
    public bool IsInternal { get; init; }
}
