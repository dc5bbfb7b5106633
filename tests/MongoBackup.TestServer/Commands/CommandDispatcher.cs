using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>
/// Runs one command: finds its handler (unknown -> CommandNotFound 59), enforces authentication, runs it under the
/// data lock (shared for plain inserts, see <see cref="SharedInsertAdmission"/>), turns a <see cref="CommandFailure"/> into MongoDB's error reply, and adds $clusterTime and
/// operationTime in replica-set mode (and on a mongos, from the cluster's members; see <see cref="OperationTimeScope"/>).
/// </summary>
internal sealed class CommandDispatcher
{
    private readonly ServerState _server;
    private readonly CommandTable _table = new();
    private readonly TextWriter _log;

    public CommandDispatcher(ServerState server, TextWriter log, IEnumerable<ICommandGroup> groups)
    {
        _server = server;
        _log = log;
        foreach (var group in groups) group.Register(_table);
        _table.Add("listCommands", ListCommands);
        UnshapedCommands.RequireEveryCommandAccountedFor(_table.Names);
    }

    /// <param name="misnamed">The body's arrays whose member names are not their positions, as the wire read them (<see cref="Wire.BodyFieldNames"/>).</param>
    public BsonDocument Run(ConnectionState connection, BsonDocument body, string database,
        IReadOnlyDictionary<string, Wire.MisnamedMember>? misnamed = null)
    {
        using var operationTime = OperationTimeScope.Begin();
        BsonDocument reply;
        try
        {
            if (body.ElementCount == 0) throw CommandFailure.FailedToParse("empty command document");
            var name = body.GetElement(0).Name;
            if (!_table.TryGet(name, out var handler, out var beforeAuth)) throw CommandFailure.CommandNotFound(name);
            if (_server.AuthEnabled && !beforeAuth && !connection.IsAuthenticated)
                throw CommandFailure.Unauthorized($"Command {name} requires authentication");
            if (_server.AuthEnabled && !beforeAuth) Auth.BuiltinRolePrivileges.Require(_server, connection, name, database);
            CommandShapes.Check(name, body, misnamed);
            RefuseReadAtClusterTime(body);
            var context = new CommandContext(_server, connection, body, database);
            // One operation per session at a time, as mongod checks a session out: a retry waits for the command it repeats.
            using (context.Session = context.RetryableWriteSession() is { } lsid ? _server.RetryableWrites.CheckOut(lsid["id"]) : null)
                reply = RunLocked(handler, context);
            if (!reply.Contains("ok")) reply.Add("ok", 1.0);
        }
        catch (CommandFailure failure)
        {
            reply = ErrorReply(failure);
        }
        catch (Storage.WriteConflict conflict)
        {
            // A transaction's statement (its transaction aborted), or a write outside the write commands (applyOps).
            reply = ErrorReply(WriteConflictRetry.Failure(conflict));
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or ArgumentException or KeyNotFoundException or OverflowException)
        {
            // Bad argument shapes surface as BSON cast errors: report them as the command failing, naming the cause.
            reply = new BsonDocument { { "ok", 0.0 }, { "errmsg", $"invalid command arguments: {e.Message}" }, { "code", 14 }, { "codeName", "TypeMismatch" } };
        }
        catch (Exception e)
        {
            _log.WriteLine($"[test-server] internal error running {body.ToJson()}: {e}");
            reply = new BsonDocument { { "ok", 0.0 }, { "errmsg", "internal error: " + e.Message }, { "code", 1 }, { "codeName", "InternalError" } };
        }
        AddClusterTime(reply, operationTime.Latest);
        return reply;
    }

    /// <summary>
    /// A read concern with atClusterTime (a snapshot read at a past cluster time, MongoDB 5.0+) needs the storage's history
    /// at that time, which this server does not keep: refused as not implemented, never served as the latest data.
    /// </summary>
    private static void RefuseReadAtClusterTime(BsonDocument body)
    {
        if (body.GetValue("readConcern", BsonNull.Value) is BsonDocument readConcern && readConcern.Contains("atClusterTime"))
            throw new CommandFailure(59, "CommandNotFound", "the in-memory test server does not implement readConcern atClusterTime (a read at a past cluster time)");
    }

    /// <summary>The reply to a request refused as it was read (see <see cref="Wire.CommandRequest.Refusal"/>).</summary>
    public BsonDocument Refuse(CommandFailure failure)
    {
        var reply = ErrorReply(failure);
        AddClusterTime(reply, null);
        return reply;
    }

    private static BsonDocument ErrorReply(CommandFailure failure)
    {
        var reply = new BsonDocument { { "ok", 0.0 }, { "errmsg", failure.Message }, { "code", failure.Code }, { "codeName", failure.CodeName } };
        if (failure.ExtraInfo != null) reply.AddRange(failure.ExtraInfo);
        if (failure.Code == 251) reply.Add("errorLabels", new BsonArray { "TransientTransactionError" });
        return reply;
    }

    /// <summary>Plain inserts into an existing collection share the data lock; every other command holds it alone.</summary>
    private BsonDocument RunLocked(CommandHandler handler, CommandContext context)
    {
        if (_server.RouterClusterTime != null) return handler(context);
        var dataLock = _server.Catalog.Lock;
        if (SharedInsertAdmission.MayTry(context.Body))
        {
            using (dataLock.Shared())
            {
                if (SharedInsertAdmission.TargetOf(_server.Catalog, context.Body, context.Database) is { } collection)
                    lock (collection.WriteSync)
                        return handler(context);
            }
        }
        using (dataLock.Exclusive())
            return handler(context);
    }

    /// <summary>$clusterTime is the newest time known; operationTime the command's own (see <see cref="OperationTimeScope"/>), else the newest.</summary>
    private void AddClusterTime(BsonDocument reply, BsonTimestamp? operationTime)
    {
        var last = _server.Oplog?.LastTimestamp ?? _server.RouterClusterTime?.Invoke();
        if (last == null) return;
        reply["$clusterTime"] = new BsonDocument
        {
            { "clusterTime", last },
            { "signature", new BsonDocument { { "hash", new BsonBinaryData(new byte[20], BsonBinarySubType.Binary) }, { "keyId", 0L } } },
        };
        reply["operationTime"] = operationTime ?? last;
    }

    private BsonDocument ListCommands(CommandContext context)
    {
        var commands = new BsonDocument();
        foreach (var name in _table.Names) commands.Add(name, new BsonDocument("help", ""));
        return new BsonDocument("commands", commands);
    }
}
