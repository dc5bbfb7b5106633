using MongoBackup.TestServer.Query;
using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>
/// insert, update and delete, with MongoDB's per-statement writeErrors and ordered semantics. A statement that meets a
/// record an open transaction owns fails or waits as <see cref="WriteConflictRetry"/> says. findAndModify is
/// <see cref="FindAndModifyCommand"/>. A retryable write's statements the session already executed under its txnNumber
/// are answered, not run again (<see cref="Sessions.RetryableWriteSessions"/>).
/// </summary>
internal sealed class WriteCommands : ICommandGroup
{
    public void Register(CommandTable table)
    {
        table.Add("insert", Insert);
        table.Add("update", Update);
        table.Add("delete", Delete);
    }

    private static BsonArray Statements(CommandContext context, string field)
    {
        if (!context.Body.TryGetValue(field, out var value) || value is not BsonArray statements)
            throw new CommandFailure(40414, "Location40414", $"BSON field '{context.CommandName}.{field}' is missing but a required field");
        return statements;
    }

    private static BsonDocument Insert(CommandContext context)
    {
        var name = context.CollectionName();
        var documents = Statements(context, "documents");
        var ordered = context.BoolArgument("ordered", true);
        var writes = context.Writes;
        var retryable = context.RetryableWrite;
        var session = retryable != null ? context.Session : null;
        var errors = new BsonArray();
        var n = 0;
        try
        {
            for (var i = 0; i < documents.Count; i++)
            {
                var statementId = 0;
                if (retryable != null)
                {
                    retryable.StatementId = statementId = context.StatementId(i);
                    if (session != null && session.Executed(statementId, out _))
                    {
                        n++; // a retry's statement the session executed: answered, not run again
                        continue;
                    }
                }
                try
                {
                    if (documents[i] is not BsonDocument document) throw CommandFailure.TypeMismatch("insert documents must be objects");
                    DocumentValidation.Check(context.Server.Catalog.Find(context.Database, name), document, null, context.Body);
                    WriteConflictRetry.Run(context, (Context: context, Name: name, Document: document, Writes: writes),
                        static s => s.Context.Server.DocumentWriter.Insert(s.Context.Database, s.Name, s.Document, s.Writes));
                    session?.RecordInsertOrDelete(statementId);
                    n++;
                }
                catch (CommandFailure failure)
                {
                    retryable?.StatementFailed();
                    errors.Add(WriteError(i, failure));
                    if (ordered) break;
                }
            }
        }
        finally
        {
            retryable?.Flush();
        }
        return WithErrors(new BsonDocument("n", n), errors);
    }

    private static BsonDocument Update(CommandContext context)
    {
        var name = context.CollectionName();
        var statements = Statements(context, "updates");
        var ordered = context.BoolArgument("ordered", true);
        var writes = context.Writes;
        var errors = new BsonArray();
        var upserted = new BsonArray();
        long matched = 0, modified = 0;
        for (var i = 0; i < statements.Count; i++)
        {
            var session = context.RetryableWrite != null ? context.Session : null;
            var statementId = context.StatementId(i);
            if (context.RetryableWrite is { } log) log.StatementId = statementId;
            if (session != null && session.Executed(statementId, out var executed) && executed != null)
            {
                // a retry's statement the session executed: answered with what it answered, not run again
                matched += executed.N - (executed.UpsertedId != null ? 1 : 0);
                modified += executed.Modified;
                if (executed.UpsertedId != null) upserted.Add(new BsonDocument { { "index", i }, { "_id", executed.UpsertedId } });
                continue;
            }
            try
            {
                var statement = statements[i].AsBsonDocument;
                if (statement.GetValue("multi", false).ToBoolean() && context.RetryableWrite != null)
                    throw CommandFailure.InvalidOptions("Cannot use (or request) retryable writes with multi=true"); // write_ops_exec.cpp
                var result = WriteConflictRetry.Run(context, () => ApplyUpdate(context, name, statement.GetValue("q", new BsonDocument()).AsBsonDocument,
                    statement["u"], statement.GetValue("upsert", false).ToBoolean(), statement.GetValue("multi", false).ToBoolean(),
                    statement.GetValue("arrayFilters", BsonNull.Value) as BsonArray, statement.GetValue("collation", null), writes));
                matched += result.Matched;
                modified += result.Modified;
                if (result.UpsertedId != null) upserted.Add(new BsonDocument { { "index", i }, { "_id", result.UpsertedId } });
                if (session != null && (result.Modified > 0 || result.UpsertedId != null))
                    session.RecordUpdate(statementId, new(result.Matched + (result.UpsertedId != null ? 1 : 0), result.Modified, result.UpsertedId));
            }
            catch (CommandFailure failure)
            {
                errors.Add(WriteError(i, failure));
                if (ordered) break;
            }
        }
        var reply = new BsonDocument { { "n", matched + upserted.Count }, { "nModified", modified } };
        if (upserted.Count > 0) reply.Add("upserted", upserted);
        return WithErrors(reply, errors);
    }

    private sealed record UpdateOutcome(long Matched, long Modified, BsonValue? UpsertedId);

    private static UpdateOutcome ApplyUpdate(CommandContext context, string name, BsonDocument filter, BsonValue update, bool upsert, bool multi,
        BsonArray? arrayFilters, BsonValue? collationSpec, WriteContext writes)
    {
        var spec = UpdateSpec.Parse(update);
        if (multi && spec.IsReplacement) throw CommandFailure.FailedToParse("multi update is not supported for replacement-style update");
        var collection = context.Server.Catalog.Find(context.Database, name);
        var collation = CollationKeys.Effective(collationSpec, collection);
        UpdateCollation.RefuseUnhonoured(update, arrayFilters, collation);
        var matches = collection == null ? new() : MatchingDocuments.Select(collection, filter, multi ? 0 : 1, context.Transaction, collation);
        if (collection != null) WriteConflictRetry.CheckAll(context, collection, matches);
        if (matches.Count == 0)
        {
            if (!upsert) return new UpdateOutcome(0, 0, null);
            var seed = UpdateSpec.UpsertSeed(filter);
            BsonDocument inserted;
            if (spec.IsReplacement)
            {
                inserted = spec.Apply(new BsonDocument());
                if (!inserted.Contains("_id") && seed.TryGetValue("_id", out var seedId)) inserted = new BsonDocument("_id", seedId).AddRange(inserted);
            }
            else
            {
                inserted = spec.Apply(seed, arrayFilters, isUpsertInsert: true);
            }
            DocumentValidation.Check(collection, inserted, null, context.Body);
            inserted = context.Server.DocumentWriter.Insert(context.Database, name, inserted, writes);
            return new UpdateOutcome(0, 0, inserted["_id"]);
        }
        long modified = 0;
        var positional = spec.UsesPositional ? DocumentFilter.Parse(filter, collation) : null;
        foreach (var (recordId, before) in matches)
        {
            var (after, operatorDelta) = spec.ApplyLogged(before, arrayFilters, positional?.PositionalMatch(before));
            if (spec.IsReplacement && !after.Contains("_id")) after = new BsonDocument("_id", before["_id"]).AddRange(after);
            if (!BsonBytes.Of(after).Span.SequenceEqual(BsonBytes.Of(before).Span))
            {
                DocumentValidation.Check(collection, after, before, context.Body);
                context.Server.DocumentWriter.Update(collection!, recordId, before, after, spec.IsReplacement, writes, spec.IsPipeline, operatorDelta);
                modified++;
            }
        }
        return new UpdateOutcome(matches.Count, modified, null);
    }

    private static BsonDocument Delete(CommandContext context)
    {
        var name = context.CollectionName();
        var statements = Statements(context, "deletes");
        var ordered = context.BoolArgument("ordered", true);
        var writes = context.Writes;
        var errors = new BsonArray();
        long n = 0;
        for (var i = 0; i < statements.Count; i++)
        {
            var session = context.RetryableWrite != null ? context.Session : null;
            var statementId = context.StatementId(i);
            if (context.RetryableWrite is { } log) log.StatementId = statementId;
            if (session != null && session.Executed(statementId, out _))
            {
                n++; // a retry's statement the session executed: answered n: 1, not run again
                continue;
            }
            try
            {
                var statement = statements[i].AsBsonDocument;
                var limit = statement.GetValue("limit", 0).ToInt32();
                if (limit is not (0 or 1)) throw CommandFailure.BadValue($"The limit field in delete objects must be 0 or 1. Got {limit}");
                if (limit == 0 && context.RetryableWrite != null)
                    throw CommandFailure.InvalidOptions("Cannot use (or request) retryable writes with limit=0"); // write_ops_exec.cpp
                var collection = context.Server.Catalog.Find(context.Database, name);
                var collation = CollationKeys.Effective(statement.GetValue("collation", null), collection);
                if (collection == null) continue;
                var deleted = WriteConflictRetry.Run(context, () =>
                {
                    var targets = MatchingDocuments.Select(collection, statement.GetValue("q", new BsonDocument()).AsBsonDocument, limit, context.Transaction, collation);
                    WriteConflictRetry.CheckAll(context, collection, targets);
                    foreach (var (recordId, document) in targets) context.Server.DocumentWriter.Delete(collection, recordId, document, writes);
                    return targets.Count;
                });
                if (deleted > 0) session?.RecordInsertOrDelete(statementId);
                n += deleted;
            }
            catch (CommandFailure failure)
            {
                errors.Add(WriteError(i, failure));
                if (ordered) break;
            }
        }
        return WithErrors(new BsonDocument("n", n), errors);
    }

    private static BsonDocument WriteError(int index, CommandFailure failure) => new()
    {
        { "index", index }, { "code", failure.Code }, { "codeName", failure.CodeName }, { "errmsg", failure.Message },
    };

    private static BsonDocument WithErrors(BsonDocument reply, BsonArray errors)
    {
        if (errors.Count > 0) reply.Add("writeErrors", errors);
        return reply;
    }
}
