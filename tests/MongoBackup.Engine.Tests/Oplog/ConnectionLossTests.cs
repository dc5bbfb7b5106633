using System.Net;
using MongoBackup.Engine.Connection;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Clusters;
using MongoDB.Driver.Core.Connections;
using MongoDB.Driver.Core.Servers;

namespace MongoBackup.Engine.Tests.Oplog;

/// <summary>
/// The driver errors a continuous capture waits out and resumes after: those the driver itself resumes a change stream
/// after. A paused connection pool (what the driver throws for every operation started between a dropped connection
/// and the server being seen again) was missing, and the capture stopped when its getMore met one.
/// </summary>
public sealed class ConnectionLossTests
{
    private static readonly ConnectionId Connection = new(new ServerId(new ClusterId(), new DnsEndPoint("localhost", 27017)));
    private static readonly BsonDocument GetMore = new("getMore", 1L);

    private static MongoCommandException Command(int code, params string[] labels)
    {
        var error = new MongoCommandException(Connection, "failed", GetMore, new BsonDocument { { "ok", 0 }, { "code", code } });
        foreach (var label in labels) error.AddErrorLabel(label);
        return error;
    }

    public static TheoryData<string, Exception> Lost() => new()
    {
        { "a paused connection pool", new MongoConnectionPoolPausedException("The connection pool is in paused state for server localhost:27017.") },
        { "a dropped socket", new MongoConnectionException(Connection, "An exception occurred while receiving a message from the server.", new IOException("reset")) },
        { "a closed connection", new MongoConnectionClosedException(Connection) },
        { "a cursor the server lost", new MongoCursorNotFoundException(Connection, 42, GetMore) },
        { "a primary stepping down", new MongoNotPrimaryException(Connection, GetMore, new BsonDocument { { "ok", 0 }, { "code", 10107 } }) },
        { "a node recovering", new MongoNodeIsRecoveringException(Connection, GetMore, new BsonDocument { { "ok", 0 }, { "code", 11600 } }) },
        { "a shutdown in progress", Command(91) },
        { "NotPrimaryOrSecondary", Command(13436) },
        { "a network timeout reported by the server", Command(89) },
        { "the oplog rolled past the cursor", Command(136) },
        { "an error the server labels resumable", Command(280, "ResumableChangeStreamError") },
        { "a server selection that timed out", new TimeoutException("A timeout occurred after 30000ms selecting a server.") },
    };

    [Theory]
    [MemberData(nameof(Lost))]
    public void A_lost_connection_is_resumed(string _, Exception error) => Assert.True(ConnectionLoss.IsResumable(error));

    public static TheoryData<string, Exception> NotLost() => new()
    {
        { "a failed authentication", new MongoAuthenticationException(Connection, "Unable to authenticate using sasl protocol mechanism SCRAM-SHA-256.") },
        { "a refused command", Command(13) },
        { "a duplicate key", Command(11000) },
        { "a bug", new InvalidOperationException("bug") },
    };

    [Theory]
    [MemberData(nameof(NotLost))]
    public void Other_errors_stop_the_capture(string _, Exception error) => Assert.False(ConnectionLoss.IsResumable(error));
}
