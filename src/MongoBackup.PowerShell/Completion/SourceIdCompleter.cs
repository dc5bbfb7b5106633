using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using MongoBackup.Engine.Repository;

namespace MongoBackup.PowerShell.Completion;

/// <summary>
/// Completes -SourceId with the source ids the snapshots of the repository bound to -Repository recorded (a replica set's
/// replicaSetId, a cluster's clusterId: <see cref="SnapshotSources"/>), the source whose newest snapshot is newest first,
/// with the source in words and its newest snapshot as tooltip.
/// </summary>
public sealed class SourceIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var candidates = BoundRepository.Manifests(fakeBoundParameters).Manifests
            .Where(m => SnapshotSources.IdOf(m) is not null)
            .GroupBy(m => SnapshotSources.IdOf(m)!, StringComparer.OrdinalIgnoreCase)
            .Select(g => g.MaxBy(m => m.StartTime)!)
            .OrderByDescending(m => m.StartTime)
            .Select(m => (SnapshotSources.IdOf(m)!, $"{SnapshotSources.Describe(m)}, newest snapshot {m.Id} ({m.StartTime:u})"));
        return CompletionMatches.Of(candidates, wordToComplete).ToList();
    }
}
