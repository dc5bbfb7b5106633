using System.Net.Sockets;
using System.Security.Authentication;
using MongoDB.Driver;

namespace MongoBackup.Engine.Connection;

/// <summary>What a server's failed check (the driver's heartbeat exception) says about it.</summary>
public enum HeartbeatCauseKind
{
    /// <summary>Connection refused: nothing listens at that host and port.</summary>
    Refused,
    /// <summary>The host name does not resolve (DNS).</summary>
    HostUnknown,
    /// <summary>Something answered, but not in MongoDB's wire protocol (a reply whose size or form is not a MongoDB message).</summary>
    NotMongoDB,
    /// <summary>The connection was accepted, then closed without a MongoDB reply.</summary>
    ClosedWithoutReply,
    /// <summary>The connection was accepted, but nothing answered the hello in time.</summary>
    Silent,
    /// <summary>No TCP answer at all in time (a firewall dropping packets, an address where nothing is).</summary>
    NoAnswer,
    /// <summary>The TLS handshake failed.</summary>
    Tls,
    /// <summary>Authentication failed.</summary>
    Authentication,
    /// <summary>Any other failure: the driver's own message is shown.</summary>
    Other,
}

/// <summary>
/// Classifies a server's failed check from its exception chain: the driver wraps the cause in a MongoConnectionException
/// (opening: a SocketException, an AuthenticationException of the TLS handshake; receiving the hello's reply: a
/// FormatException "The size of the message is invalid." when the bytes are not a MongoDB message, an EndOfStreamException
/// when the peer closed, a TimeoutException when it stayed silent), as observed with MongoDB.Driver 3.14 against a closed
/// port, an HTTP reply, a peer that closes, a silent listener and an unknown host.
/// </summary>
public static class HeartbeatCause
{
    /// <summary>The kind of failure <paramref name="heartbeat"/> shows, and the exception in its chain that shows it.</summary>
    public static (HeartbeatCauseKind Kind, Exception Cause) Classify(Exception heartbeat)
    {
        for (var e = heartbeat; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    return (HeartbeatCauseKind.Refused, e);
                case SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain }:
                    return (HeartbeatCauseKind.HostUnknown, e);
                case SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.HostUnreachable or SocketError.NetworkUnreachable }:
                    return (HeartbeatCauseKind.NoAnswer, e);
                case AuthenticationException:
                    return (HeartbeatCauseKind.Tls, e);
                case MongoAuthenticationException:
                    return (HeartbeatCauseKind.Authentication, e);
                // The reply's first four bytes, read as a message length, are not one (an HTTP "HTTP" is 1.3 GB), or its
                // body is not a MongoDB reply.
                case FormatException or MongoDB.Bson.BsonSerializationException:
                    return (HeartbeatCauseKind.NotMongoDB, e);
                case EndOfStreamException:
                    return (HeartbeatCauseKind.ClosedWithoutReply, e);
                case TimeoutException when e.Message.StartsWith("Timed out connecting", StringComparison.Ordinal):
                    return (HeartbeatCauseKind.NoAnswer, e);
                case TimeoutException:
                    return (HeartbeatCauseKind.Silent, e);
            }
        }
        return (HeartbeatCauseKind.Other, heartbeat);
    }

    /// <summary>
    /// Whether waiting cannot change the cause, so a first contact need not wait out the server selection timeout:
    /// nothing listening, a host name that does not exist (not a DNS server's "try again"), a peer that is not MongoDB,
    /// a failed TLS handshake. A silent peer, a dropped packet or a closed connection (a server at its connection limit
    /// closes them) may still answer.
    /// </summary>
    public static bool IsDefinite(Exception heartbeat) => Classify(heartbeat) switch
    {
        (HeartbeatCauseKind.Refused or HeartbeatCauseKind.NotMongoDB or HeartbeatCauseKind.Tls or HeartbeatCauseKind.Authentication, _) => true,
        (HeartbeatCauseKind.HostUnknown, SocketException dns) => dns.SocketErrorCode != SocketError.TryAgain,
        _ => false,
    };
}
