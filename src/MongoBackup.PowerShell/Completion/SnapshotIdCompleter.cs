using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using MongoBackup.Engine.Repository;

namespace MongoBackup.PowerShell.Completion;

/// <summary>Completes -Id with the snapshots of the repository bound to -Repository, newest first, their start time and kind as tooltip.</summary>
public sealed class SnapshotIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var repositoryArgument = new BoundArguments(fakeBoundParameters).Text("Repository");
        if (repositoryArgument is null || SourceNamespaces.RepositoryArgumentPath(repositoryArgument) is not { } folder) return [];
        var snapshots = QuietServerCall.Run(async ct =>
        {
            // The folder was resolved here, on the prompt's thread: the lookup's worker thread has no PowerShell location.
            var repository = RepositoryResolver.Open(repositoryArgument, _ => folder, RepositoryAccess.Read, mustExist: true, ct);
            var found = new List<MongoSnapshot>();
            await foreach (var result in repository.ListAsync(ct).ConfigureAwait(false))
                if (result.Manifest is { } manifest) found.Add(MongoSnapshot.FromManifest(manifest, repository));
            return (IReadOnlyList<MongoSnapshot>)found;
        });
        var candidates = snapshots
            .OrderByDescending(s => s.StartTime ?? DateTimeOffset.MinValue)
            .ThenByDescending(s => s.Id, StringComparer.Ordinal)
            .Select(s => (s.Id, $"{s.StartTime:u} {s.Kind}"));
        return CompletionMatches.Of(candidates, wordToComplete).ToList();
    }
}
