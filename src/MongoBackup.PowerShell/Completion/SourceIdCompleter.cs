using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;

namespace MongoBackup.PowerShell.Completion;

/// <summary>
/// Completes -SourceId with the ids of the sources of the repository bound to -Repository's complete snapshots
/// (<see cref="SourceGroup.SourceId"/>: a replica set's replicaSetId, a cluster's clusterId, or for a source that recorded
/// none its name and oldest snapshot's id), the source whose newest snapshot is newest first,
/// with the source in words and its newest snapshot as tooltip.
/// </summary>
public sealed class SourceIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var candidates = SnapshotSources.Group(BoundRepository.Manifests(fakeBoundParameters).Manifests.Where(m => m.Status == SnapshotStatus.Complete))
            .Where(g => g.SourceId is not null)
            .Select(g => (Group: g, Newest: g.Snapshots.MaxBy(m => m.StartTime)!))
            .OrderByDescending(c => c.Newest.StartTime)
            .Select(c => (c.Group.SourceId!, $"{c.Group.Describe()}, newest snapshot {c.Newest.Id} ({c.Newest.StartTime:u})"));
        return CompletionMatches.Of(candidates, wordToComplete).ToList();
    }
}
