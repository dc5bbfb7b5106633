namespace MongoBackup.TestServer.Commands;

/// <summary>Arguments every command may carry (sessions, concerns, routing); they are never command options.</summary>
internal static class GenericArguments
{
    private static readonly HashSet<string> Names = new(StringComparer.Ordinal)
    {
        "$db", "lsid", "txnNumber", "autocommit", "startTransaction", "$clusterTime", "$readPreference", "readConcern",
        "writeConcern", "comment", "maxTimeMS", "apiVersion", "apiStrict", "apiDeprecationErrors", "$audit", "$client",
        "$configServerState", "stmtId", "stmtIds", "bypassDocumentValidation",
    };

    public static bool IsGeneric(string name) => Names.Contains(name);
}
