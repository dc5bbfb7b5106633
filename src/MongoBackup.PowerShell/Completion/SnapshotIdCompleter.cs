using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace MongoBackup.PowerShell.Completion;

/// <summary>Completes -Id with the snapshots of the repository bound to -Repository, newest first, their start time and kind as tooltip.</summary>
public sealed class SnapshotIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var (repository, manifests) = BoundRepository.Manifests(fakeBoundParameters);
        if (repository is null) return [];
        var candidates = manifests.Select(m => MongoSnapshot.FromManifest(m, repository))
            .OrderByDescending(s => s.StartTime ?? DateTimeOffset.MinValue)
            .ThenByDescending(s => s.Id, StringComparer.Ordinal)
            .Select(s => (s.Id, $"{s.StartTime:u} {s.Kind}"));
        return CompletionMatches.Of(candidates, wordToComplete).ToList();
    }
}
