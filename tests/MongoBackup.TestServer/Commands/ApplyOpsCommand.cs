using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>
/// applyOps, as repl/apply_ops.cpp runs it: the command refuses the fields of transaction entries (prepare, partialTxn,
/// count), applies its entries in order (no-ops skipped) through <see cref="OplogApplication"/>, validates documents
/// against the collection's validator unless bypassDocumentValidation is given, and replies {applied, results}. An entry
/// that throws stops the command, which fails with that error; one that only fails (a collection UUID that names another
/// collection) is recorded as false and the command fails at the end with UnknownError. Either failure reply carries
/// applied and results.
/// </summary>
internal sealed class ApplyOpsCommand : ICommandGroup
{
    public void Register(CommandTable table) => table.Add("applyOps", ApplyOps);

    private static BsonDocument ApplyOps(CommandContext context)
    {
        if (context.CommandValue is not BsonArray entries) throw CommandFailure.FailedToParse("applyOps needs an array of oplog entries");
        RefuseTransactionFields(context.Body);
        var mode = OplogApplicationModes.Parse(context.Body.GetValue("oplogApplicationMode", BsonNull.Value) is BsonString m ? m.Value : null);
        if (entries.Count > 1 && entries.Any(e => e is BsonDocument d && d.GetValue("op", "") == "c" && d.GetValue("o", BsonNull.Value) is BsonDocument o
                && o.ElementCount > 0 && o.GetElement(0).Name == "dropDatabase"))
            throw new CommandFailure(6275900, "Location6275900", "dropDatabase in an applyOps must be the only entry");
        var application = new OplogApplication(context, mode, context.Writes);
        var results = new BsonArray();
        var failed = false;
        foreach (var entry in entries)
        {
            if (entry is not BsonDocument document) throw CommandFailure.FailedToParse("each applyOps entry must be a document");
            if (document.GetValue("op", BsonNull.Value) is BsonString { Value: "n" }) continue;
            bool applied;
            try
            {
                applied = application.Apply(document);
            }
            catch (CommandFailure failure)
            {
                results.Add(false);
                throw new CommandFailure(failure.Code, failure.CodeName, failure.Message)
                {
                    ExtraInfo = new BsonDocument { { "applied", results.Count }, { "results", results } }.AddRange(failure.ExtraInfo ?? new BsonDocument()),
                };
            }
            results.Add(applied);
            failed |= !applied;
        }
        var reply = new BsonDocument { { "applied", results.Count }, { "results", results } };
        if (failed) throw new CommandFailure(8, "UnknownError", "applyOps had one or more errors applying ops") { ExtraInfo = reply };
        return reply;
    }

    /// <summary>apply_ops.cpp refuses an applyOps (the command, or a nested applyOps entry's o) holding a transaction's fields.</summary>
    public static void RefuseTransactionFields(BsonDocument applyOps)
    {
        if (applyOps.Contains("prepare")) throw CommandFailure.BadValue("applyOps command can't have 'prepare' field");
        if (applyOps.Contains("partialTxn")) throw new CommandFailure(31056, "Location31056", "applyOps command can't have 'partialTxn' field.");
        if (applyOps.Contains("count")) throw new CommandFailure(31240, "Location31240", "applyOps command can't have 'count' field.");
    }
}
