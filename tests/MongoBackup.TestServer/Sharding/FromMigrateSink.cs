using MongoBackup.TestServer.Oplog;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sharding;

/// <summary>
/// The oplog of a shard taking part in a chunk migration: every entry gets fromMigrate: true, as the recipient's
/// cloned inserts and the donor's range deletions carry it (op_observer_impl.cpp onInserts / onDelete with
/// fromMigrate, oplog_entry.idl), so change streams and oplog replays can skip them.
/// </summary>
internal sealed class FromMigrateSink(IOplogSink oplog) : IOplogSink
{
    public void Write(BsonDocument entry)
    {
        entry["fromMigrate"] = true;
        oplog.Write(entry);
    }
}
