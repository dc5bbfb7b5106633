namespace MongoBackup.TestServer.Commands;

/// <summary>
/// Arguments every command may carry (sessions, concerns, routing); they are never command options. The list is
/// mongod's: generic_args_api_v1 and generic_args_unstable_v1 in src/mongo/idl/generic_argument.idl. Fields some
/// commands declare themselves (bypassDocumentValidation, stmtIds) are not among them: a command that does not declare
/// them refuses them.
/// </summary>
internal static class GenericArguments
{
    private static readonly HashSet<string> Names = new(StringComparer.Ordinal)
    {
        "apiVersion", "apiStrict", "apiDeprecationErrors", "$db", "maxTimeMS", "readConcern", "writeConcern", "lsid",
        "clientOperationKey", "txnNumber", "autocommit", "startTransaction", "stmtId", "comment", "$readPreference",
        "$clusterTime", "$audit", "$client", "$configServerState", "allowImplicitCollectionCreation", "$oplogQueryData",
        "$queryOptions", "$replData", "databaseVersion", "shardVersion", "tracking_info", "coordinator", "maxTimeMSOpOnly",
        "$configTime", "$topologyTime", "txnRetryCounter", "mayBypassWriteBlocking", "$tenant", "expectPrefix",
    };

    public static bool IsGeneric(string name) => Names.Contains(name);
}
