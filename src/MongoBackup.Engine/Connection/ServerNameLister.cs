using MongoDB.Driver;

namespace MongoBackup.Engine.Connection;

/// <summary>
/// Database and collection names of a server, for tab completion: a short server selection timeout so a prompt never
/// hangs on an unreachable server, and only names (no driver types), so callers outside the engine need no driver.
/// </summary>
public static class ServerNameLister
{
    /// <summary>
    /// The database names the credential may list, giving up after <paramref name="timeout"/> of server selection (a TimeoutException).
    /// </summary>
    public static async Task<IReadOnlyList<string>> ListDatabasesAsync(ConnectionSettings settings, TimeSpan timeout, CancellationToken ct)
    {
        using var connection = Open(settings, timeout);
        using var cursor = await connection.Client.ListDatabaseNamesAsync(ct).ConfigureAwait(false);
        return await cursor.ToListAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The collection and view names of <paramref name="database"/>, giving up after <paramref name="timeout"/> of server selection.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ListCollectionsAsync(ConnectionSettings settings, string database, TimeSpan timeout, CancellationToken ct)
    {
        using var connection = Open(settings, timeout);
        using var cursor = await connection.Client.GetDatabase(database).ListCollectionNamesAsync(cancellationToken: ct).ConfigureAwait(false);
        return await cursor.ToListAsync(ct).ConfigureAwait(false);
    }

    private static MongoConnection Open(ConnectionSettings settings, TimeSpan timeout)
    {
        // The factory applies credentials, TLS and read preference; only the timeouts change.
        var configured = MongoClientFactory.Settings(settings);
        configured.ServerSelectionTimeout = timeout;
        configured.ConnectTimeout = timeout;
        return MongoConnection.Open(configured, settings.DisplayName);
    }
}
