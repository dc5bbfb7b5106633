using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>
/// appendOplogNote {data: {...}, maxClusterTime?: Timestamp} as mongod runs it (db/commands/oplog_note.cpp): admin only,
/// replica sets only (NoReplicationEnabled otherwise), writes the no-op {op: "n", ns: "", o: data}. With maxClusterTime it
/// writes only when that time is past the newest entry (the clock first moves to it, as the gossip carrying it would
/// move it), and otherwise fails with StaleClusterTime (209): the form tools use to push an idle member's oplog forward.
/// </summary>
internal sealed class OplogNoteCommand : ICommandGroup
{
    public void Register(CommandTable table) => table.Add("appendOplogNote", AppendOplogNote);

    private static BsonDocument AppendOplogNote(CommandContext context)
    {
        if (context.Database != "admin")
            throw CommandFailure.Unauthorized("appendOplogNote may only be run against the admin database.");
        var oplog = context.Server.Oplog
            ?? throw new CommandFailure(76, "NoReplicationEnabled", "Must have replication set up to run \"appendOplogNote\"");
        if (!context.Body.TryGetValue("data", out var data))
            throw new CommandFailure(4, "NoSuchKey", "Missing expected field \"data\"");
        if (data is not BsonDocument note)
            throw CommandFailure.TypeMismatch($"\"data\" had the wrong type. Expected object, found {data.BsonType}");
        if (context.Body.TryGetValue("maxClusterTime", out var max))
        {
            if (max is not BsonTimestamp maxClusterTime)
                throw CommandFailure.TypeMismatch($"\"maxClusterTime\" had the wrong type. Expected timestamp, found {max.BsonType}");
            var last = oplog.LastTimestamp;
            if (maxClusterTime.CompareTo(last) <= 0)
                throw new CommandFailure(209, "StaleClusterTime",
                    $"Requested maxClusterTime {Show(maxClusterTime)} is less or equal to the last primary OpTime: {Show(last)}");
            oplog.Witness(maxClusterTime);
        }
        oplog.Write(new BsonDocument { { "op", "n" }, { "ns", "" }, { "o", note } });
        return new BsonDocument();
    }

    private static string Show(BsonTimestamp ts) => $"{{ ts: Timestamp({ts.Timestamp}, {ts.Increment}) }}";
}
