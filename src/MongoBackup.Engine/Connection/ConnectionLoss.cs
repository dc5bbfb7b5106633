using MongoDB.Driver;

namespace MongoBackup.Engine.Connection;

/// <summary>
/// Which driver errors mean "the connection to the server was lost; reconnect and resume where you were", for a
/// reader that tails the oplog as a change stream tails it. The list is the driver's own for resuming a change
/// stream (mongo-csharp-driver, Core/Operations/RetryabilityHelper.cs, IsResumableChangeStreamException): a network
/// error; a cursor the server no longer has; a connection pool paused after a connection failed (the driver clears
/// and pauses the pool until the server is seen again, and an operation started then fails at once with
/// MongoConnectionPoolPausedException); a server stepping down, recovering or shutting down (as exceptions or as
/// codes); and, from servers that label it, the ResumableChangeStreamError label. Beside them: a server selection that
/// timed out (the server is still down), a socket's IOException, and CappedPositionLost (the oplog rolled past the
/// cursor, which the caller checks for a gap), and every connection error, the driver's network errors and a
/// connection it closed itself while the pool was cleared (MongoConnectionClosedException) alike. A failed
/// authentication is a MongoConnectionException too, but retrying it never helps, so it is not a loss.
/// </summary>
public static class ConnectionLoss
{
    private const string ResumableLabel = "ResumableChangeStreamError";

    // HostUnreachable 6, HostNotFound 7, NetworkTimeout 89, ShutdownInProgress 91, PrimarySteppedDown 189,
    // ExceededTimeLimit 262, SocketException 9001, LegacyNotPrimary 10058, NotWritablePrimary 10107,
    // InterruptedAtShutdown 11600, InterruptedDueToReplStateChange 11602, NotPrimaryNoSecondaryOk 13435,
    // NotPrimaryOrSecondary 13436, StaleShardVersion 63, StaleEpoch 150, StaleConfig 13388, RetryChangeStream 234,
    // FailedToSatisfyReadPreference 133 (src/mongo/base/error_codes.yml), CursorNotFound 43, CappedPositionLost 136.
    private static readonly HashSet<int> ResumableCodes =
        [6, 7, 89, 91, 189, 262, 9001, 10058, 10107, 11600, 11602, 13435, 13436, 63, 150, 13388, 234, 133, 43, 136];

    /// <summary>Whether <paramref name="e"/> means the connection was lost and the read can resume after reconnecting.</summary>
    public static bool IsResumable(Exception e) => e switch
    {
        MongoAuthenticationException => false,
        MongoConnectionException => true,
        MongoConnectionPoolPausedException or MongoCursorNotFoundException or MongoNotPrimaryException or MongoNodeIsRecoveringException => true,
        MongoCommandException command when ResumableCodes.Contains(command.Code) => true,
        MongoException labelled when labelled.HasErrorLabel(ResumableLabel) => true,
        TimeoutException or IOException => true,
        _ => false,
    };
}
