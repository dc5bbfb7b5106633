using MongoBackup.TestServer.Query;
using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>
/// findAndModify (alias findandmodify), as mongod 7.0 runs it (src/mongo/db/commands/find_and_modify.cpp): the first
/// document the query matches in sort order is updated (operators, replacement or pipeline, arrayFilters, collation,
/// upsert, as the update command applies them here) or removed, and the reply is {lastErrorObject: {n, updatedExisting
/// (updates), upserted (an upsert that inserted)}, value: the document before, or after with new: true, projected by
/// fields; null when none}. Its oplog entries are those of update and delete; a retryable one (lsid and txnNumber outside a
/// transaction) adds needsRetryImage and keeps the image in config.image_collection (<see cref="Oplog.RetryableWriteLog"/>),
/// and its retry with the same txnNumber and stmtId answers from them without writing again (<see cref="Sessions.FindAndModifyRetries"/>).
/// In a transaction the operation goes into the commit's applyOps without needsRetryImage (collection_write_path.cpp sets
/// it only for a retryable write). hint and let are not served.
/// </summary>
internal sealed class FindAndModifyCommand : ICommandGroup
{
    public void Register(CommandTable table)
    {
        table.Add("findAndModify", Run);
        table.Add("findandmodify", Run);
    }

    private sealed record Request(string Collection, BsonDocument Query, BsonDocument Sort, Projection? Fields, bool Remove, BsonValue? Update,
        bool New, bool Upsert, BsonArray? ArrayFilters, BsonValue? Collation);

    private static BsonDocument Run(CommandContext context)
    {
        var request = Parse(context);
        var retryable = context.RetryableWrite;
        var statementId = context.StatementId(0);
        if (retryable != null)
        {
            retryable.StatementId = statementId;
            if (context.Server.FindAndModifyRetries.Find(retryable.Lsid, retryable.TxnNumber, statementId) is { } executed)
                return Retried(context, request, retryable, executed, statementId);
        }
        try
        {
            var (reply, op, inserted) = WriteConflictRetry.Run(context, () => request.Remove ? Remove(context, request) : Modify(context, request));
            retryable?.Flush();
            if (retryable != null && op != null && retryable.LastTimestamp is { } ts)
                context.Server.FindAndModifyRetries.Record(retryable.Lsid, new(retryable.TxnNumber, statementId, op, ts, inserted));
            return reply;
        }
        finally
        {
            retryable?.Flush();
        }
    }

    // find_and_modify.cpp, validate(); the messages are mongod's, the trailing space of the upsert one included.
    private static Request Parse(CommandContext context)
    {
        var body = context.Body;
        var remove = context.BoolArgument("remove");
        var update = body.GetValue("update", BsonNull.Value) is { IsBsonNull: false } u ? u : null;
        var upsert = context.BoolArgument("upsert");
        var returnNew = context.BoolArgument("new");
        var arrayFilters = body.GetValue("arrayFilters", BsonNull.Value) is { IsBsonNull: false } a
            ? a as BsonArray ?? throw CommandFailure.TypeMismatch($"BSON field '{context.CommandName}.arrayFilters' is the wrong type '{BsonTypeNames.AliasOf(a)}', expected type 'array'")
            : null;
        if (!remove && update == null) throw CommandFailure.FailedToParse("Either an update or remove=true must be specified");
        if (remove)
        {
            if (update != null) throw CommandFailure.FailedToParse("Cannot specify both an update and remove=true");
            if (upsert) throw CommandFailure.FailedToParse("Cannot specify both upsert=true and remove=true ");
            if (returnNew) throw CommandFailure.FailedToParse("Cannot specify both new=true and remove=true; 'remove' always returns the deleted document");
            if (arrayFilters != null) throw CommandFailure.FailedToParse("Cannot specify arrayFilters and remove=true");
        }
        if (update is BsonArray && arrayFilters != null) throw CommandFailure.FailedToParse("Cannot specify arrayFilters and a pipeline update");
        if (update != null && update is not (BsonDocument or BsonArray))
            throw CommandFailure.FailedToParse($"Update argument must be either an object or an array, not {BsonTypeNames.AliasOf(update)}");
        var fields = context.DocumentArgument("fields");
        return new Request(context.CollectionName(), context.DocumentArgument("query"), context.DocumentArgument("sort"),
            fields.ElementCount > 0 ? Projection.Parse(fields) : null, remove, update, returnNew, upsert, arrayFilters,
            body.GetValue("collation", null));
    }

    /// <summary>The document the command acts on: the first match in sort order (natural order without a sort).</summary>
    private static (long RecordId, BsonDocument Document)? Target(CommandContext context, Collection collection, Request request, BsonValueOrder collation)
    {
        if (request.Sort.ElementCount == 0)
        {
            var first = MatchingDocuments.Select(collection, request.Query, 1, context.Transaction, collation);
            return first.Count == 0 ? null : first[0];
        }
        var order = SortOrder.Parse(request.Sort, collation);
        var matches = MatchingDocuments.Select(collection, request.Query, 0, context.Transaction, collation);
        return matches.Count == 0 ? null : matches.OrderBy(m => m.Document, order).First();
    }

    private static (BsonDocument Reply, string? Op, BsonDocument? Inserted) Remove(CommandContext context, Request request)
    {
        var collection = context.Server.Catalog.Find(context.Database, request.Collection);
        var collation = CollationKeys.Effective(request.Collation, collection);
        var target = collection == null ? null : Target(context, collection, request, collation);
        if (target is not { } found) return (Reply(new BsonDocument("n", 0), null, request), null, null);
        WriteConflictRetry.CheckAll(context, collection!, [found]);
        context.RetryableWrite?.NeedsRetryImage("preImage", found.Document);
        context.Server.DocumentWriter.Delete(collection!, found.RecordId, found.Document, context.Writes);
        return (Reply(new BsonDocument("n", 1), found.Document, request), "d", null);
    }

    private static (BsonDocument Reply, string? Op, BsonDocument? Inserted) Modify(CommandContext context, Request request)
    {
        var spec = UpdateSpec.Parse(request.Update!);
        var collection = context.Server.Catalog.Find(context.Database, request.Collection);
        var collation = CollationKeys.Effective(request.Collation, collection);
        UpdateCollation.RefuseUnhonoured(request.Update!, request.ArrayFilters, collation);
        var target = collection == null ? null : Target(context, collection, request, collation);
        if (target is not { } found)
        {
            if (!request.Upsert) return (Reply(new BsonDocument { { "n", 0 }, { "updatedExisting", false } }, null, request), null, null);
            var inserted = UpsertDocument(spec, request);
            DocumentValidation.Check(collection, inserted, null, context.Body);
            inserted = context.Server.DocumentWriter.Insert(context.Database, request.Collection, inserted, context.Writes);
            var lastError = new BsonDocument { { "n", 1 }, { "updatedExisting", false }, { "upserted", inserted["_id"] } };
            return (Reply(lastError, request.New ? inserted : null, request), "i", inserted);
        }
        WriteConflictRetry.CheckAll(context, collection!, [found]);
        var before = found.Document;
        var positional = spec.UsesPositional ? DocumentFilter.Parse(request.Query, collation) : null;
        var (after, operatorDelta) = spec.ApplyLogged(before, request.ArrayFilters, positional?.PositionalMatch(before));
        if (spec.IsReplacement && !after.Contains("_id")) after = new BsonDocument("_id", before["_id"]).AddRange(after);
        string? op = null;
        if (!BsonBytes.Of(after).Span.SequenceEqual(BsonBytes.Of(before).Span))
        {
            DocumentValidation.Check(collection, after, before, context.Body);
            context.RetryableWrite?.NeedsRetryImage(request.New ? "postImage" : "preImage", request.New ? after : before);
            context.Server.DocumentWriter.Update(collection!, found.RecordId, before, after, spec.IsReplacement, context.Writes, spec.IsPipeline, operatorDelta);
            op = "u";
        }
        return (Reply(new BsonDocument { { "n", 1 }, { "updatedExisting", true } }, request.New ? after : before, request), op, null);
    }

    // As the update command seeds an upsert (WriteCommands.ApplyUpdate).
    private static BsonDocument UpsertDocument(UpdateSpec spec, Request request)
    {
        var seed = UpdateSpec.UpsertSeed(request.Query);
        if (!spec.IsReplacement) return spec.Apply(seed, request.ArrayFilters, isUpsertInsert: true);
        var inserted = spec.Apply(new BsonDocument());
        return !inserted.Contains("_id") && seed.TryGetValue("_id", out var seedId) ? new BsonDocument("_id", seedId).AddRange(inserted) : inserted;
    }

    private static BsonDocument Reply(BsonDocument lastErrorObject, BsonDocument? value, Request request) => new()
    {
        { "lastErrorObject", lastErrorObject },
        { "value", value == null ? BsonNull.Value : request.Fields?.Apply(value) ?? value },
    };

    /// <summary>
    /// The reply to a retry of an executed statement, rebuilt as write_ops_retryability.cpp does: the request must fit what
    /// was written (40606, 40608, 40609; new: true wants the post-image, 40611, false the pre-image, 40612); an update's or
    /// delete's value is the image kept in config.image_collection, as stored (5637601/5637602 when it is gone or belongs to
    /// another write); an upsert's is the inserted document with new: true. retriedStmtId names the statement (find_and_modify.cpp).
    /// </summary>
    private static BsonDocument Retried(CommandContext context, Request request, Oplog.RetryableWriteLog retryable, Sessions.FindAndModifyRetries.Executed executed, int statementId)
    {
        var lastError = new BsonDocument("n", 1);
        BsonValue value = BsonNull.Value;
        var compatible = executed.Op switch { "d" => request.Remove, "i" => request.Upsert, _ => !request.Remove };
        if (!compatible)
            throw new CommandFailure(executed.Op switch { "d" => 40606, "i" => 40608, _ => 40609 }, $"Location{executed.Op switch { "d" => 40606, "i" => 40608, _ => 40609 }}",
                $"findAndModify retry request: {context.Body.ToJson()} is not compatible with previous write in the transaction of type: {executed.Op}, oplogTs: {executed.Ts}");
        if (executed.Op == "i")
        {
            lastError.Add("updatedExisting", false).Add("upserted", executed.Inserted!["_id"]);
            if (request.New) value = executed.Inserted!;
        }
        else
        {
            if (executed.Op == "u") lastError.Add("updatedExisting", true);
            var image = Sessions.ImageCollection.Find(context.Server.Catalog, retryable.Lsid)
                ?? throw new CommandFailure(5637601, "Location5637601",
                    $"image collection no longer contains the complete write history of this transaction, record with sessionId: {retryable.Lsid.ToJson()} cannot be found");
            if (image["ts"].AsBsonTimestamp != executed.Ts || image["txnNum"].ToInt64() != executed.TxnNumber)
                throw new CommandFailure(5637602, "Location5637602",
                    $"image collection no longer contains the complete write history of this transaction, record with sessionId: {retryable.Lsid.ToJson()} cannot be found");
            var kind = image["imageKind"].AsString;
            if (executed.Op == "u" && request.New != (kind == "postImage"))
                throw request.New
                    ? new CommandFailure(40611, "Location40611", $"findAndModify retry request: {context.Body.ToJson()} wants the document after update returned, but only before update document is stored, oplogTs: {executed.Ts}")
                    : new CommandFailure(40612, "Location40612", $"findAndModify retry request: {context.Body.ToJson()} wants the document before update returned, but only after update document is stored, oplogTs: {executed.Ts}");
            value = image["image"];
        }
        return new BsonDocument { { "lastErrorObject", lastError }, { "value", value }, { "retriedStmtId", statementId } };
    }
}
