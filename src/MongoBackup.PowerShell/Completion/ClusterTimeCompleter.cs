using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;

namespace MongoBackup.PowerShell.Completion;

/// <summary>
/// Completes -ClusterTime with the oplog timestamps a restore can be cut at that the repository bound to -Repository
/// records: each snapshot's and slice's consistency point, newest first, its UTC time and snapshot as tooltip. It is a
/// timestamp, never a file name.
/// </summary>
public sealed class ClusterTimeCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var repositoryArgument = new BoundArguments(fakeBoundParameters).Text("Repository");
        if (repositoryArgument is null || SourceNamespaces.RepositoryArgumentPath(repositoryArgument) is not { } folder) return [];
        var points = QuietServerCall.Run(async ct =>
        {
            // The folder was resolved here, on the prompt's thread: the lookup's worker thread has no PowerShell location.
            var repository = RepositoryResolver.Open(repositoryArgument, _ => folder, RepositoryAccess.Read, mustExist: true, ct);
            var found = new List<(ConsistencyPoint Point, string Id, SnapshotKind Kind)>();
            await foreach (var result in repository.ListAsync(ct).ConfigureAwait(false))
                if (result.Manifest is { ConsistentAt: { } at } manifest) found.Add((at, manifest.Id, manifest.Kind));
            return (IReadOnlyList<(ConsistencyPoint Point, string Id, SnapshotKind Kind)>)found;
        });
        // Snapshots taken with no write between them share a point: it is offered once, for the newest of them.
        var candidates = points
            .OrderByDescending(p => p.Point.Timestamp).ThenByDescending(p => p.Id, StringComparer.Ordinal)
            .DistinctBy(p => p.Point.Timestamp)
            .Select(p => (p.Point.Timestamp.ToString(), $"{p.Point.WallTime.UtcDateTime:yyyy-MM-dd HH:mm:ss.fff}Z, where {p.Kind.ToString().ToLowerInvariant()} {p.Id} is consistent"));
        return CompletionMatches.Of(candidates, wordToComplete).ToList();
    }
}
