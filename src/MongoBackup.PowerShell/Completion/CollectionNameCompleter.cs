using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using MongoBackup.Engine.Connection;

namespace MongoBackup.PowerShell.Completion;

/// <summary>
/// Completes -Collection (and -ExcludeCollection) with the collections of the databases bound to -Database, or of
/// every user database when none is, on the server named by -ConnectionString. With one database bound a bare name
/// ('orders') says which collection; otherwise each is offered as its namespace ('shop.orders', which the parameter
/// takes too), since a bare name matches that collection in every database chosen, and two databases' 'orders' would
/// be offered as one. What was typed matches the namespace or the collection name alone ('ord' offers shop.orders).
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
        var boundDatabases = bound.Texts("Database").Where(d => !WildcardPattern.ContainsWildcardCharacters(d)).Distinct(StringComparer.Ordinal).ToList();
        var namespaces = QuietServerCall.Run(async ct =>
        {
            var databases = boundDatabases.Count > 0 ? boundDatabases
                : (await ServerNameLister.ListDatabasesAsync(connection, DatabaseNameCompleter.ServerTimeout, ct).ConfigureAwait(false))
                    .Where(d => !ServerDatabases.Contains(d)).ToList();
            var found = new List<(string Database, string Collection)>();
            foreach (var database in databases)
                found.AddRange((await ServerNameLister.ListCollectionsAsync(connection, database, DatabaseNameCompleter.ServerTimeout, ct).ConfigureAwait(false))
                    .Select(c => (database, c)));
            return (IReadOnlyList<(string Database, string Collection)>)found.Where(n => !n.Collection.StartsWith("system.", StringComparison.Ordinal)).ToList();
        });
        if (boundDatabases.Count == 1) return CompletionMatches.Of(namespaces.Select(n => n.Collection), wordToComplete).ToList();
        var candidates = namespaces.Select(n => $"{n.Database}.{n.Collection}").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(n => (n, n)).ToList();
        var byNamespace = CompletionMatches.Of(candidates, wordToComplete).ToList();
        var taken = byNamespace.Select(r => r.ListItemText).ToHashSet(StringComparer.Ordinal);
        // 'ord' typed: the namespaces whose collection name starts with it, after those whose namespace does.
        var byCollection = CompletionMatches.Of(namespaces.Select(n => (n.Collection, $"{n.Database}.{n.Collection}")), wordToComplete)
            .Select(r => (string)r.ToolTip).Where(n => !taken.Contains(n)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .SelectMany(n => CompletionMatches.Of([(n, n)], "*"));
        return byNamespace.Concat(byCollection).ToList();
    }
}
