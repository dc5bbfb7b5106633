using MongoBackup.TestServer.Commands;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Sharding;

/// <summary>
/// One replica set of the cluster (a shard or the config server) as the router reaches it: its commands run in process
/// on a connection of the router's own (authenticated as the internal user), each preceded by the cluster time the
/// router gossips, as mongos attaches $clusterTime to what it sends.
/// </summary>
internal sealed class ClusterMember
{
    private readonly ConnectionState _connection;

    public ClusterMember(string name, MongoTestServer server)
    {
        Name = name;
        Server = server;
        _connection = new ConnectionState(-1, "router") { AuthenticatedUser = "__system", AuthenticatedDatabase = "local", IsInternal = true };
    }

    /// <summary>The shard's id in config.shards (its replica set name), or the config server's set name.</summary>
    public string Name { get; }

    public MongoTestServer Server { get; }

    /// <summary>"&lt;setName&gt;/127.0.0.1:port", as config.shards records a shard's host.</summary>
    public string Host => $"{Name}/127.0.0.1:{Server.Port}";

    public BsonTimestamp LastTimestamp => Server.State.Oplog!.LastTimestamp;

    /// <summary>Runs a command after advancing the member's clock to <paramref name="clusterTime"/>; returns the raw reply.</summary>
    public BsonDocument Run(string database, BsonDocument body, BsonTimestamp clusterTime)
    {
        Server.State.Oplog!.Witness(clusterTime);
        var reply = Server.RunCommand(_connection, body, database);
        // The router's operationTime is the latest of the members' it reached (OperationTimeTracker).
        if (reply.GetValue("operationTime", BsonNull.Value) is BsonTimestamp operationTime) OperationTimeScope.Observe(operationTime);
        return reply;
    }

    /// <summary>As <see cref="Run"/>, throwing the member's error (code, name and message unchanged) when it fails.</summary>
    public BsonDocument RunChecked(string database, BsonDocument body, BsonTimestamp clusterTime)
    {
        var reply = Run(database, body, clusterTime);
        if (reply.GetValue("ok", 0).ToDouble() == 1) return reply;
        throw Failure(reply);
    }

    /// <summary>A member's error reply as the failure the router passes on.</summary>
    public static CommandFailure Failure(BsonDocument reply)
    {
        var extra = new BsonDocument(reply.Where(e => e.Name is not ("ok" or "errmsg" or "code" or "codeName" or "$clusterTime" or "operationTime" or "errorLabels")));
        return new CommandFailure(reply.GetValue("code", 1).ToInt32(), reply.GetValue("codeName", "InternalError").AsString,
            reply.GetValue("errmsg", "").AsString) { ExtraInfo = extra.ElementCount == 0 ? null : extra };
    }

    /// <summary>
    /// Runs a cursor command (find, aggregate, listCollections, listIndexes) and its getMores to the end, with
    /// <paramref name="sessionFields"/> (lsid, txnNumber, autocommit) on each getMore.
    /// </summary>
    public List<BsonDocument> Drain(string database, BsonDocument command, BsonDocument sessionFields, BsonTimestamp clusterTime)
    {
        var reply = RunChecked(database, command, clusterTime);
        var cursor = reply["cursor"].AsBsonDocument;
        var documents = cursor["firstBatch"].AsBsonArray.Select(d => d.AsBsonDocument).ToList();
        var id = cursor["id"].ToInt64();
        var collection = cursor["ns"].AsString[(cursor["ns"].AsString.IndexOf('.') + 1)..];
        while (id != 0)
        {
            var more = new BsonDocument { { "getMore", id }, { "collection", collection } }.AddRange(sessionFields);
            var next = RunChecked(database, more, clusterTime)["cursor"].AsBsonDocument;
            documents.AddRange(next["nextBatch"].AsBsonArray.Select(d => d.AsBsonDocument));
            id = next["id"].ToInt64();
        }
        return documents;
    }
}
