using System.Net;
using MongoBackup.Engine.Connection;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Clusters;
using MongoDB.Driver.Core.Connections;
using MongoDB.Driver.Core.Servers;

namespace MongoBackup.Engine.Tests.Connection;

/// <summary>
/// The refusals a server sends for want of a sign-in or a role, as the user reads them. The replies are mongod's: code 13
/// with "Command NAME requires authentication" when no one signed in (src/mongo/db/commands.cpp), and code 13 with
/// "not authorized on DB to execute command { ... }" when the user lacks the privilege (authorization_checks.cpp).
/// The test server has no roles, so the second is built here.
/// </summary>
public sealed class AccessRefusalTests
{
    private static readonly ConnectionId Connection = new(new ServerId(new ClusterId(), new DnsEndPoint("db1.example.net", 27017)));

    private static MongoCommandException Refused(BsonDocument command, int code, string codeName, string message) =>
        new(Connection, $"Command {command.GetElement(0).Name} failed: {message}.", command,
            new BsonDocument { { "ok", 0 }, { "errmsg", message }, { "code", code }, { "codeName", codeName } });

    [Fact]
    public void A_user_without_the_role_gets_NotAuthorized_naming_the_command_and_the_servers_words()
    {
        var refusal = Refused(new BsonDocument("find", "oplog.rs"), 13, "Unauthorized",
            "not authorized on local to execute command { find: \"oplog.rs\", $db: \"local\" }");

        var error = AccessRefusal.Describe(new AggregateException(refusal))!;

        Assert.Equal(ErrorIds.NotAuthorized, error.ErrorId);
        Assert.Contains("db1.example.net:27017", error.Message);
        Assert.Contains("the find command", error.Message);
        Assert.Contains("not authorized on local to execute command", error.Message);
        Assert.Contains("backup role", error.Message);
    }

    [Fact]
    public void No_credential_gets_AuthenticationFailed_saying_none_was_given()
    {
        var refusal = Refused(new BsonDocument("listCollections", 1), 13, "Unauthorized", "Command listCollections requires authentication");

        var error = AccessRefusal.Describe(refusal)!;

        Assert.Equal(ErrorIds.AuthenticationFailed, error.ErrorId);
        Assert.Contains("requires authentication, and no credential was given", error.Message);
        Assert.Contains("-Credential", error.Message);
    }

    [Fact]
    public void Other_command_failures_are_not_refusals()
    {
        Assert.Null(AccessRefusal.Describe(Refused(new BsonDocument("find", "x"), 26, "NamespaceNotFound", "ns not found")));
        Assert.Null(AccessRefusal.Describe(new InvalidOperationException("no server error at all")));
    }
}
