using MongoBackup.TestServer.Auth;
using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>
/// SCRAM-SHA-1 / SCRAM-SHA-256 authentication (saslStart, saslContinue, and speculative authentication in hello)
/// against the users stored in admin.system.users.
/// </summary>
internal sealed class AuthCommands : ICommandGroup
{
    public void Register(CommandTable table)
    {
        table.Add("saslStart", SaslStart, beforeAuth: true);
        table.Add("saslContinue", SaslContinue, beforeAuth: true);
        table.Add("logout", c => { c.Connection.AuthenticatedUser = null; c.Connection.Roles = null; return new BsonDocument(); });
    }

    /// <summary>The stored user document for "user" authenticating against database <paramref name="database"/>.</summary>
    public static BsonDocument? FindUser(Catalog catalog, string database, string user)
    {
        var users = catalog.Find("admin", "system.users");
        var recordId = users?.FindById(database + "." + user);
        return recordId == null ? null : Collection.Parse(users!.Records.Get(recordId.Value));
    }

    public bool UserExists(CommandContext context, string qualifiedName)
    {
        var dot = qualifiedName.IndexOf('.');
        return dot > 0 && FindUser(context.Server.Catalog, qualifiedName[..dot], qualifiedName[(dot + 1)..]) != null;
    }

    /// <summary>hello's speculativeAuthenticate: the saslStart reply, or null when the start failed (the client then authenticates normally).</summary>
    public BsonDocument? TrySpeculativeStart(CommandContext context, BsonDocument start)
    {
        try
        {
            var database = start.GetValue("db", "admin").AsString;
            return Start(context, start, database);
        }
        catch (CommandFailure)
        {
            return null;
        }
    }

    private static BsonDocument SaslStart(CommandContext context) => Start(context, context.Body, context.Database);

    private static BsonDocument Start(CommandContext context, BsonDocument body, string database)
    {
        var mechanism = body.GetValue("mechanism", "").AsString;
        var payload = body["payload"].AsByteArray;
        var conversation = ScramConversation.Start(mechanism, payload, database, user => FindUser(context.Server.Catalog, database, user));
        context.Connection.Conversation = conversation;
        return new BsonDocument
        {
            { "conversationId", 1 },
            { "done", false },
            { "payload", new BsonBinaryData(conversation.ServerFirstMessage) },
            { "ok", 1.0 },
        };
    }

    private static BsonDocument SaslContinue(CommandContext context)
    {
        var conversation = context.Connection.Conversation ?? throw new CommandFailure(17, "ProtocolError", "No SASL session state found");
        var payload = context.Body["payload"].AsByteArray;
        if (payload.Length == 0 && context.Connection.IsAuthenticated)
            return new BsonDocument { { "conversationId", 1 }, { "done", true }, { "payload", new BsonBinaryData(Array.Empty<byte>()) } };
        context.Connection.Conversation = null;
        var serverFinal = conversation.Finish(payload);
        context.Connection.AuthenticatedUser = conversation.UserName;
        context.Connection.Roles = null;
        context.Connection.AuthenticatedDatabase = conversation.Database;
        context.Connection.Conversation = conversation;
        return new BsonDocument { { "conversationId", 1 }, { "done", true }, { "payload", new BsonBinaryData(serverFinal) } };
    }
}
