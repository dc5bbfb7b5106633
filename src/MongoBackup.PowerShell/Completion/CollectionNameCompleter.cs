using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using MongoBackup.Engine.Connection;

namespace MongoBackup.PowerShell.Completion;

/// <summary>
/// Completes -Collection (and -ExcludeCollection) with the collections of the databases bound to -Database, or of
/// every user database when none is, on the server named by -ConnectionString.
/// </summary>
public sealed class CollectionNameCompleter : IArgumentCompleter
{
    // MongoDB's own databases: their collections are never what a user means by a bare collection name.
    private static readonly HashSet<string> ServerDatabases = new(["admin", "config", "local"], StringComparer.Ordinal);

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var bound = new BoundArguments(fakeBoundParameters);
        var connection = bound.Connection();
        if (connection is null) return [];
        var names = QuietServerCall.Run(async ct =>
        {
            var databases = bound.Texts("Database").Where(d => !WildcardPattern.ContainsWildcardCharacters(d)).ToList();
            if (databases.Count == 0)
                databases = (await ServerNameLister.ListDatabasesAsync(connection, DatabaseNameCompleter.ServerTimeout, ct).ConfigureAwait(false))
                    .Where(d => !ServerDatabases.Contains(d)).ToList();
            var collections = new List<string>();
            foreach (var database in databases)
                collections.AddRange(await ServerNameLister.ListCollectionsAsync(connection, database, DatabaseNameCompleter.ServerTimeout, ct).ConfigureAwait(false));
            return (IReadOnlyList<string>)collections.Where(c => !c.StartsWith("system.", StringComparison.Ordinal)).ToList();
        });
        return CompletionMatches.Of(names, wordToComplete).ToList();
    }
}
