using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using MongoBackup.Engine.Connection;

namespace MongoBackup.PowerShell.Completion;

/// <summary>
/// Completes -Database with the user databases of the server named by -ConnectionString (and -Credential): local and
/// config, the server's own (its oplog and replication state, a cluster's metadata), are not offered.
/// </summary>
public sealed class DatabaseNameCompleter : IArgumentCompleter
{
    /// <summary>How long completion waits for a server: a prompt must not hang on an unreachable one.</summary>
    internal static readonly TimeSpan ServerTimeout = TimeSpan.FromSeconds(2);

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var connection = new BoundArguments(fakeBoundParameters).Connection();
        if (connection is null) return [];
        var names = QuietServerCall.Run(ct => ServerNameLister.ListDatabasesAsync(connection, ServerTimeout, ct));
        return CompletionMatches.Of(names.Where(n => n is not ("local" or "config")), wordToComplete).ToList();
    }
}
