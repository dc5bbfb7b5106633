using MongoBackup.TestServer.Query;
using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>
/// Enforces a collection's validator on insert and update commands as MongoDB does: validationLevel "off" and
/// validationAction "warn" let everything through, "moderate" skips updates of documents that were already invalid,
/// and bypassDocumentValidation skips the check (for applyOps too, which validates the documents it applies otherwise).
/// Query-operator and $jsonSchema validators are evaluated; a validator this server cannot evaluate says so instead of
/// passing documents silently.
/// </summary>
internal static class DocumentValidation
{
    public static void Check(Collection? collection, BsonDocument document, BsonDocument? before, BsonDocument command)
    {
        if (collection == null || !collection.Options.TryGetValue("validator", out var validator) || validator is not BsonDocument rules || rules.ElementCount == 0)
            return;
        if (command.GetValue("bypassDocumentValidation", false).ToBoolean()) return;
        var level = collection.Options.GetValue("validationLevel", "strict").AsString;
        var action = collection.Options.GetValue("validationAction", "error").AsString;
        if (level == "off" || action == "warn") return;
        DocumentFilter filter;
        try
        {
            // A validator compares under the collection's default collation (mongod parses it with the collection's collator).
            filter = DocumentFilter.Parse(rules, collection.Order);
        }
        catch (CommandFailure failure)
        {
            throw CommandFailure.BadValue(
                $"the test server cannot evaluate the validator of {collection.Namespace} ({failure.Message}); write with bypassDocumentValidation");
        }
        if (level == "moderate" && before != null && !filter.Matches(before)) return;
        if (!filter.Matches(document))
            throw new CommandFailure(121, "DocumentValidationFailure", "Document failed validation");
    }
}
