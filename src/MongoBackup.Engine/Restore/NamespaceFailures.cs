using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Formats;
using MongoDB.Driver;

namespace MongoBackup.Engine.Restore;

/// <summary>Records why a namespace was not (fully) restored, as the user sees it, and tells the observer.</summary>
public static class NamespaceFailures
{
    /// <summary>Sets <paramref name="result"/>'s error from <paramref name="e"/>, in the user's terms, and reports it.</summary>
    public static void Record(IEngineObserver observer, NamespaceRestoreResult result, Exception e)
    {
        var error = e switch
        {
            CorruptDumpException c => new MongoBackupException(ErrorIds.CorruptFile,
                $"{result.TargetNamespace} was not fully restored: {c.Message}", c, c.File),
            MongoBackupException m => m,
            MongoCommandException c when AccessRefusal.Describe(c) is { } refused => new MongoBackupException(refused.ErrorId,
                $"{result.TargetNamespace} was not restored: {refused.Message}", c, result.TargetNamespace),
            MongoCommandException c => new MongoBackupException(ErrorIds.NamespaceRestoreFailed,
                $"{result.TargetNamespace}: the server refused: {c.ErrorMessage}", c, result.TargetNamespace),
            _ => new MongoBackupException(ErrorIds.NamespaceRestoreFailed, $"{result.TargetNamespace}: {e.Message}", e, result.TargetNamespace),
        };
        result.Error = error.Message;
        observer.NamespaceFailed(result.TargetNamespace, error);
    }
}
