using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests.Support;

/// <summary>
/// Makes a server write a captured transaction again: the capture's operations run as a client's writes in one
/// transaction, which then commits, or is prepared and committed, aborted or left prepared, as the capture's last entries
/// say. A delete of a document the transaction did not insert gets that document inserted beforehand, so that the delete
/// happens (MongoDB logs no delete that matched nothing).
/// The transaction's collection is created first, as the capture's was.
/// </summary>
public static class TransactionReplay
{
    /// <summary>The server parameters under which the server packs the capture's entries as the capture does.</summary>
    public static Dictionary<string, string> ParametersFor(TransactionCase capture)
    {
        var parameters = new Dictionary<string, string> { [ServerParameters.EnableTestCommandsName] = "1" };
        var chain = capture.Entries.Where(e => e["o"].AsBsonDocument.Contains("applyOps")).ToList();
        if (chain.Count > 1)
            parameters[ServerParameters.MaxTransactionOperationsPerEntryName] = chain[0]["o"]["applyOps"].AsBsonArray.Count.ToString();
        return parameters;
    }

    /// <summary>
    /// Runs the capture (its namespaces already in the test's database) and returns the oplog entries the transaction
    /// wrote, read before the session ends (ending it would abort a transaction left prepared).
    /// </summary>
    public static List<BsonDocument> Run(MongoTarget target, TransactionCase capture)
    {
        var (database, name) = (capture.Namespace.Split('.', 2)[0], capture.Namespace.Split('.', 2)[1]);
        // The capture's collection existed before its transaction (one UUID throughout, no create inside).
        target.Client.GetDatabase(database).CreateCollection(name);
        var collection = target.Client.GetDatabase(database).GetCollection<BsonDocument>(name);
        var operations = CapturedTransactionForm.Operations(capture.Entries).ToList();
        var inserted = new HashSet<BsonValue>();
        foreach (var op in operations)
        {
            if (op["op"] == "i") inserted.Add(op["o"]["_id"]);
            else if (op["op"] == "d" && inserted.Add(op["o"]["_id"])) collection.InsertOne(new BsonDocument("_id", op["o"]["_id"]));
        }
        using var session = target.Client.StartSession();
        session.StartTransaction();
        foreach (var op in operations)
        {
            switch (op["op"].AsString)
            {
                case "i": collection.InsertOne(session, op["o"].AsBsonDocument); break;
                case "u": collection.UpdateOne(session, op["o2"].AsBsonDocument, op["o"].AsBsonDocument); break;
                case "d": collection.DeleteOne(session, op["o"].AsBsonDocument); break;
                default: throw new InvalidOperationException($"the capture holds an operation '{op["op"]}' this replay does not run");
            }
        }
        var last = capture.Entries[^1]["o"].AsBsonDocument;
        var prepared = capture.Entries.Any(e => e["o"].AsBsonDocument.GetValue("prepare", false).ToBoolean());
        if (!prepared)
        {
            session.CommitTransaction();
        }
        else
        {
            var prepareTimestamp = target.Admin.RunCommand<BsonDocument>(session, new BsonDocument("prepareTransaction", 1))["prepareTimestamp"];
            if (last.Contains("commitTransaction"))
                target.Admin.RunCommand<BsonDocument>(session, new BsonDocument { { "commitTransaction", 1 }, { "commitTimestamp", prepareTimestamp } });
            else if (last.Contains("abortTransaction"))
                target.Admin.RunCommand<BsonDocument>(session, new BsonDocument("abortTransaction", 1));
        }
        var sessionId = session.ServerSession.Id["id"];
        return target.OplogSince(new BsonDocument { { "ns", "admin.$cmd" }, { "lsid.id", sessionId } });
    }
}
