using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace MongoBackup.PowerShell.Completion;

/// <summary>
/// Completes -ClusterTime with the oplog timestamps restores can be cut at that the repository bound to -Repository
/// records: each snapshot's and slice's consistency point, newest first, its UTC time and snapshot as tooltip. It is a
/// timestamp, never a file name.
/// </summary>
public sealed class ClusterTimeCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        // Snapshots taken with no write between them share a point: it is offered once, for the newest of them.
        var candidates = BoundRepository.Manifests(fakeBoundParameters).Manifests
            .Where(m => m.ConsistentAt is not null)
            .OrderByDescending(m => m.ConsistentAt!.Timestamp).ThenByDescending(m => m.Id, StringComparer.Ordinal)
            .DistinctBy(m => m.ConsistentAt!.Timestamp)
            .Select(m => (m.ConsistentAt!.Timestamp.ToString(),
                $"{m.ConsistentAt.WallTime.UtcDateTime:yyyy-MM-dd HH:mm:ss.fff}Z, where {m.Kind.ToString().ToLowerInvariant()} {m.Id} is consistent"));
        return CompletionMatches.Of(candidates, wordToComplete).ToList();
    }
}
