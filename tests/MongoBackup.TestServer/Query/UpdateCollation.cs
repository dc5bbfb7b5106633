using MongoDB.Bson;

namespace MongoBackup.TestServer.Query;

/// <summary>
/// The update operators that compare values inside a document, which mongod runs under the update's collation
/// (UpdateDriver::setCollator hands it to $addToSet, $pull, $pullAll, $push's $sort, $min, $max and the arrayFilters).
/// The test server applies them in binary order only, so under a non-simple collation it refuses them loudly instead
/// of comparing differently from mongod.
/// </summary>
internal static class UpdateCollation
{
    private static readonly HashSet<string> CollatedOperators = ["$addToSet", "$pull", "$pullAll", "$min", "$max"];

    /// <exception cref="CommandFailure">The update compares values and <paramref name="collation"/> is not simple.</exception>
    public static void RefuseUnhonoured(BsonValue update, BsonArray? arrayFilters, BsonValueOrder collation)
    {
        if (collation.IsSimple) return;
        if (arrayFilters is { Count: > 0 }) throw NotImplemented("arrayFilters");
        if (update is not BsonDocument modifiers) return;
        foreach (var element in modifiers)
        {
            if (CollatedOperators.Contains(element.Name)) throw NotImplemented(element.Name);
            if (element.Name == "$push" && element.Value is BsonDocument pushes
                && pushes.Values.Any(v => v is BsonDocument each && each.Contains("$sort")))
                throw NotImplemented("$push with $sort");
        }
    }

    private static CommandFailure NotImplemented(string what) =>
        new(59, "CommandNotFound", $"the in-memory test server does not implement {what} under a non-simple collation");
}
