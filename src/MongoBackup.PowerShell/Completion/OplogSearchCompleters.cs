using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using MongoBackup.Engine.Oplog;

namespace MongoBackup.PowerShell.Completion;

/// <summary>Completes Find-MongoOplogEntry -Operation with the operation names it takes.</summary>
public sealed class OplogOperationCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompletionMatches.Of(OplogSearchFilter.OperationNames.Select(n => (n, n)), wordToComplete).ToList();
}

/// <summary>Completes -Namespace with the "database.collection" names the repository's snapshots hold (see <see cref="SourceNamespaces"/>).</summary>
public sealed class SourceNamespaceCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompletionMatches.Of(SourceNamespaces.Find(new BoundArguments(fakeBoundParameters), commandAst).Select(n => $"{n.Database}.{n.Collection}"), wordToComplete).ToList();
}
