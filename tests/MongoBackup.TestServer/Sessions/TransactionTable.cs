using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sessions;

/// <summary>
/// config.transactions: one document per session, replaced whole at each durable transaction state change, as MongoDB's
/// SessionTxnRecord (session_txn_record.idl): {_id: lsid, txnNum, startOpTime (while prepared or in progress), lastWriteOpTime,
/// lastWriteDate, state}. Its writes are never logged to the oplog (secondaries derive them from the applyOps entries).
/// mongodump reads it for state "prepared" or "inProgress", sorted by startOpTime, to start its oplog early enough.
/// </summary>
internal static class TransactionTable
{
    public const string Database = "config";
    public const string CollectionName = "transactions";

    public static void Record(Catalog catalog, BsonDocument lsid, long txnNumber, BsonDocument? startOpTime,
        BsonDocument lastWriteOpTime, DateTime lastWriteDate, string state)
    {
        var table = catalog.Find(Database, CollectionName) ?? catalog.Add(Database, CollectionName, CollectionKind.Collection, new BsonDocument());
        var record = new BsonDocument { { "_id", lsid }, { "txnNum", txnNumber } };
        if (startOpTime != null) record.Add("startOpTime", startOpTime);
        record.Add("lastWriteOpTime", lastWriteOpTime).Add("lastWriteDate", new BsonDateTime(lastWriteDate)).Add("state", state);
        if (table.FindById(lsid) is { } recordId)
            table.Replace(recordId, Collection.Parse(table.Records.Get(recordId)), record);
        else
            table.Insert(record);
    }
}
