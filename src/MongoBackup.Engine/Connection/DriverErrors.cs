using MongoDB.Driver;

namespace MongoBackup.Engine.Connection;

/// <summary>Turns the driver's connection and authentication failures into errors a DBA can act on.</summary>
public static class DriverErrors
{
    /// <summary>
    /// Runs <paramref name="call"/>; a connection or authentication failure of the driver is rethrown as the
    /// <see cref="MongoBackupException"/> <see cref="Describe"/> makes of it, any other exception as it was.
    /// </summary>
    public static async Task<T> Translate<T>(Func<Task<T>> call, IMongoClient client)
    {
        try { return await call(); }
        catch (Exception e) when (Describe(e, client) is { } translated) { throw translated; }
    }

    /// <summary>
    /// The error a user should see for a driver exception: AuthenticationFailed, ServerUnreachable (with
    /// <see cref="ConnectionDiagnosis.Explain"/> for a selection timeout), or a refusal <see cref="AccessRefusal"/> describes, naming the servers; null
    /// when <paramref name="e"/> is not a connection or authorization failure.
    /// </summary>
    public static MongoBackupException? Describe(Exception e, IMongoClient client)
    {
        var servers = string.Join(",", client.Settings.Servers.Select(s => s.ToString()));
        return e switch
        {
            MongoAuthenticationException => new MongoBackupException(ErrorIds.AuthenticationFailed, AuthenticationFailed(servers, client.Settings), e, servers),
            TimeoutException or MongoConnectionException when IsAuthFailure(e) => new MongoBackupException(ErrorIds.AuthenticationFailed,
                AuthenticationFailed(servers, client.Settings), e, servers),
            // A server selection timeout: the cluster description says why (refused, DNS, wrong set, read preference).
            TimeoutException => new MongoBackupException(ErrorIds.ServerUnreachable, ConnectionDiagnosis.Explain(client), e, servers),
            MongoConnectionException => new MongoBackupException(ErrorIds.ServerUnreachable,
                $"Lost the connection to MongoDB at {servers}: {FirstLine(e.Message)}", e, servers),
            // A command refused for want of a sign-in or a role (code 13 and its siblings), wherever it is wrapped.
            _ => AccessRefusal.Describe(e, servers, client.Settings.Credential),
        };
    }

    /// <summary>
    /// Why authentication to <paramref name="servers"/> failed, naming the user and the database it was tried against
    /// (a user exists in one database: a wrong -AuthenticationDatabase looks exactly like a wrong password). Never the password.
    /// </summary>
    internal static string AuthenticationFailed(string servers, MongoClientSettings settings)
    {
        var credential = settings.Credential;
        if (credential is null) return $"Authentication to {servers} failed: check the user name and password.";
        var user = credential.Username is { } name ? $" as user '{name}'" : "";
        return $"Authentication to {servers}{user} against authentication database '{credential.Source}' failed: check the user name and " +
               $"password, and that the user was created in '{credential.Source}' (-AuthenticationDatabase, or authSource= in the connection string).";
    }

    private static bool IsAuthFailure(Exception e) =>
        e.ToString().Contains("MongoAuthenticationException", StringComparison.Ordinal);

    // A driver message may echo the connection string it was given: its first line, with any secret in it hidden.
    private static string FirstLine(string text)
    {
        var message = ConnectionStringRedactor.RedactMessage(text);
        var cut = message.IndexOfAny(['\r', '\n']);
        return cut < 0 ? message : message[..cut];
    }
}
