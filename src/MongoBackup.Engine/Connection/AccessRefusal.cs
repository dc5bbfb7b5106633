using System.Net;
using MongoDB.Driver;

namespace MongoBackup.Engine.Connection;

/// <summary>
/// A command the server refused for want of a sign-in or of a privilege, in words that say what is missing: no
/// credential was given (AuthenticationFailed), or the user lacks a role for the action the server names (NotAuthorized).
/// The codes are MongoDB's (src/mongo/base/error_codes.yml): 11 UserNotFound, 13 Unauthorized, 18 AuthenticationFailed,
/// 214 AuthenticationRestrictionUnmet. mongod answers an unauthenticated command with 13 and "Command NAME requires
/// authentication" (src/mongo/db/commands.cpp), and a user without the privilege with 13 and
/// "not authorized on DB to execute command { ... }".
/// </summary>
public static class AccessRefusal
{
    private const int UserNotFound = 11;
    private const int Unauthorized = 13;
    private const int AuthenticationFailed = 18;
    private const int AuthenticationRestrictionUnmet = 214;

    /// <summary>
    /// The error for a server's refusal found in <paramref name="e"/> or its inner exceptions, naming the refusing server;
    /// null when it holds none. No driver type in its signature: the cmdlets, which cannot see the driver (it lives in the
    /// engine's own load context), call this one.
    /// </summary>
    public static MongoBackupException? Describe(Exception e) => Describe(e, null, null);

    /// <summary>
    /// The error for a server's refusal found in <paramref name="e"/> or its inner exceptions; null when it holds none.
    /// <paramref name="servers"/> names the server (else the refusing connection's end point); <paramref name="credential"/>
    /// is the credential the client was given, when the caller knows it (a refusal of an unauthenticated command with one
    /// given means the sign-in did not happen, not that none was given).
    /// </summary>
    internal static MongoBackupException? Describe(Exception e, string? servers, MongoCredential? credential)
    {
        var refusal = Find(e);
        if (refusal is null) return null;
        var where = servers ?? EndPointOf(refusal) ?? "the server";
        var what = CommandName(refusal) is { } name ? $"the {name} command" : "a command";
        return refusal.Code switch
        {
            Unauthorized when refusal.ErrorMessage?.Contains("requires authentication", StringComparison.OrdinalIgnoreCase) == true =>
                new MongoBackupException(ErrorIds.AuthenticationFailed, credential is null
                    ? $"MongoDB at {where} requires authentication, and no credential was given ({what} was refused). Give " +
                      "-Credential, or a user name in the connection string, for a user with the roles the command needs (backup, restore)."
                    : $"MongoDB at {where} refused {what} as unauthenticated although user '{credential.Username}' was given: " +
                      "check the connection string's authMechanism and authSource.", refusal, where),
            Unauthorized => new MongoBackupException(ErrorIds.NotAuthorized,
                $"The user{UserOf(credential)} lacks a role MongoDB at {where} requires for {what}: {refusal.ErrorMessage}. " +
                "Backups need the backup role (and read on what they copy), restores the restore role.", refusal, where),
            UserNotFound or AuthenticationFailed or AuthenticationRestrictionUnmet => new MongoBackupException(ErrorIds.AuthenticationFailed,
                $"MongoDB at {where} refused the sign-in{UserOf(credential)}: {refusal.ErrorMessage}. Check the user name, password and " +
                "authentication database (-AuthenticationDatabase, or authSource= in the connection string).", refusal, where),
            _ => null,
        };
    }

    private static MongoCommandException? Find(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is MongoCommandException command) return command;
        return null;
    }

    private static string? CommandName(MongoCommandException refusal) =>
        refusal.Command is { ElementCount: > 0 } command ? command.GetElement(0).Name : null;

    private static string UserOf(MongoCredential? credential) => credential?.Username is { } user ? $" '{user}'" : "";

    private static string? EndPointOf(MongoCommandException refusal) => refusal.ConnectionId?.ServerId?.EndPoint switch
    {
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        IPEndPoint ip => ip.ToString(),
        { } other => other.ToString(),
        null => null,
    };
}
