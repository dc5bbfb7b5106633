using MongoDB.Bson;

namespace MongoBackup.TestServer.Sharding;

/// <summary>
/// The reply of a write command split across shards: n and nModified summed, upserted and writeErrors with their
/// index in the client's batch. A shard's command-level failure becomes the failure of the whole command.
/// </summary>
internal sealed class MergedWriteReply
{
    private readonly BsonArray _upserted = new();
    private readonly BsonArray _writeErrors = new();
    private long _nModified;
    private bool _sawModified;

    public long N { get; private set; }
    public bool HasErrors => _writeErrors.Count > 0;

    /// <summary>Adds a shard's reply to a batch whose i-th statement is the client's <paramref name="indexes"/>[i].</summary>
    public void Add(BsonDocument reply, IReadOnlyList<int> indexes)
    {
        if (reply.GetValue("ok", 1).ToDouble() != 1) throw ClusterMember.Failure(reply);
        N += reply.GetValue("n", 0).ToInt64();
        if (reply.TryGetValue("nModified", out var modified))
        {
            _sawModified = true;
            _nModified += modified.ToInt64();
        }
        foreach (var upsert in reply.GetValue("upserted", new BsonArray()).AsBsonArray.Select(u => u.AsBsonDocument))
            _upserted.Add(new BsonDocument(upsert) { ["index"] = indexes[upsert["index"].ToInt32()] });
        foreach (var error in reply.GetValue("writeErrors", new BsonArray()).AsBsonArray.Select(e => e.AsBsonDocument))
            _writeErrors.Add(new BsonDocument(error) { ["index"] = indexes[error["index"].ToInt32()] });
    }

    /// <summary>A statement that failed before reaching a shard (it could not be routed).</summary>
    public void AddError(int index, CommandFailure failure) =>
        _writeErrors.Add(new BsonDocument { { "index", index }, { "code", failure.Code }, { "codeName", failure.CodeName }, { "errmsg", failure.Message } });

    public BsonDocument ToReply()
    {
        var reply = new BsonDocument("n", N > int.MaxValue ? N : (int)N);
        if (_sawModified) reply.Add("nModified", (int)_nModified);
        if (_upserted.Count > 0) reply.Add("upserted", _upserted);
        if (_writeErrors.Count > 0) reply.Add("writeErrors", _writeErrors);
        return reply;
    }
}
