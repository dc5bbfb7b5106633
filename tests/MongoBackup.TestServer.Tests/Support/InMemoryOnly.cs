namespace MongoBackup.TestServer.Tests.Support;

/// <summary>
/// A test that can only run against the in-memory server, because it uses what a real mongod does not have from here:
/// startup options or parameters (authentication, TLS, a standalone, a 1 MB oplog, test commands), the server's log or
/// restarts, or checks of the fake's own implementation. It runs as a plain fact against the in-memory server; when
/// MONGOBACKUP_TEST_URI is set (the other tests check that server) it is skipped, with the reason shown.
/// </summary>
public sealed class InMemoryFactAttribute : FactAttribute
{
    /// <param name="reason">What the test needs that only the in-memory server has.</param>
    public InMemoryFactAttribute(string reason)
    {
        if (MongoTarget.IsExternal) Skip = InMemoryOnly.SkipReason(reason);
    }
}

/// <inheritdoc cref="InMemoryFactAttribute"/>
public sealed class InMemoryTheoryAttribute : TheoryAttribute
{
    /// <param name="reason">What the test needs that only the in-memory server has.</param>
    public InMemoryTheoryAttribute(string reason)
    {
        if (MongoTarget.IsExternal) Skip = InMemoryOnly.SkipReason(reason);
    }
}

internal static class InMemoryOnly
{
    public static string SkipReason(string reason) => $"in-memory server only ({MongoTarget.UriVariable} is set): {reason}";
}
