namespace MongoBackup.TestServer.Commands;

/// <summary>
/// applyOps' oplogApplicationMode (repl/oplog.cpp, OplogApplication::parseMode): "ApplyOps", the default, refuses the
/// entries only replication applies (index builds, prepared transactions' commit and abort); the others accept them.
/// </summary>
internal enum OplogApplicationMode
{
    ApplyOps,
    InitialSync,
    Recovering,
    Secondary,
}

internal static class OplogApplicationModes
{
    public static OplogApplicationMode Parse(string? mode) => mode switch
    {
        null or "ApplyOps" => OplogApplicationMode.ApplyOps,
        "InitialSync" => OplogApplicationMode.InitialSync,
        "Recovering" => OplogApplicationMode.Recovering,
        "Secondary" => OplogApplicationMode.Secondary,
        _ => throw CommandFailure.FailedToParse($"Invalid oplog application mode provided: {mode}"),
    };
}
