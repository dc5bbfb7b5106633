using MongoBackup.Engine.Events;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// A namespace some of whose documents the server refused (duplicate keys and the like) is a failed namespace like any
/// other: it writes a non-terminating error naming it, the count and the first reason, and its result carries the error.
/// Its other documents stay in, as mongorestore keeps them, and it goes through the replay and gets its indexes (so it is
/// as near the source as it can be); the error is written once those are done, unless they failed it first.
/// </summary>
internal static class RefusedDocuments
{
    /// <summary>Records the error of every namespace of <paramref name="outcome"/> that has refused documents and no other error.</summary>
    public static void Report(IEngineObserver observer, RestoreOutcome outcome)
    {
        foreach (var result in outcome.Namespaces.Where(n => n.Failures > 0 && n.Error is null).ToList())
        {
            var unit = result.IsTimeseries ? "buckets" : "documents";
            NamespaceFailures.Record(observer, result, new MongoBackupException(ErrorIds.NamespaceRestoreFailed,
                $"{result.TargetNamespace} was not restored whole: the server refused {result.Failures:N0} of the " +
                $"{result.Failures + result.Documents:N0} {unit} restored from {result.SourceNamespace}" +
                (result.FirstRefusal is { } first ? $" (the first: {first})" : "") +
                (result.Documents == 0 ? $"; none of them is in it. Fix the cause, then restore it again."
                    : $"; the other {result.Documents:N0} are in it and were kept. Fix the cause, then restore it again with -Drop."),
                target: result.TargetNamespace));
        }
    }
}
