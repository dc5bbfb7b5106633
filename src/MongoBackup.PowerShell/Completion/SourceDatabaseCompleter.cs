using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace MongoBackup.PowerShell.Completion;

/// <summary>
/// Completes -Database of the commands that read backups (Restore-MongoDatabase, Restore-MongoPointInTime,
/// Get-MongoSnapshot) with the databases the backup source holds (see <see cref="SourceNamespaces"/>).
/// </summary>
public sealed class SourceDatabaseCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var namespaces = SourceNamespaces.Find(new BoundArguments(fakeBoundParameters), commandAst);
        return CompletionMatches.Of(namespaces.Select(n => n.Database), wordToComplete).ToList();
    }
}

/// <summary>Completes -Collection and -ExcludeCollection of restores with the source's collections (of the bound -Database, if any).</summary>
public sealed class SourceCollectionCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var bound = new BoundArguments(fakeBoundParameters);
        var databases = bound.Texts("Database").Select(d => new WildcardPattern(d, WildcardOptions.None)).ToList();
        var collections = SourceNamespaces.Find(bound, commandAst)
            .Where(n => databases.Count == 0 || databases.Any(p => p.IsMatch(n.Database)))
            .Select(n => n.Collection);
        return CompletionMatches.Of(collections, wordToComplete).ToList();
    }
}

/// <summary>Completes -ReplicaSetName with the replica sets a repository's snapshots come from.</summary>
public sealed class ReplicaSetNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompletionMatches.Of(SourceNamespaces.ReplicaSets(new BoundArguments(fakeBoundParameters)), wordToComplete).ToList();
}
