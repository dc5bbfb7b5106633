using System.Management.Automation;
using System.Management.Automation.Language;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Repository;

namespace MongoBackup.PowerShell.Completion;

/// <summary>
/// The namespaces (database, collection) a command line's backup source holds, for completing restore and listing
/// filters: -Path (a snapshot folder, mongodump directory or archive), else -Repository (every complete snapshot's
/// manifest), else the -Repository of a Get-MongoSnapshot, Get-MongoRestoreWindow or Find-MongoOplogEntry earlier in the same pipeline, as in
/// <c>Get-MongoSnapshot -Repository /backups -Latest | Restore-MongoDatabase ... -Database &lt;Tab&gt;</c>.
/// </summary>
internal static class SourceNamespaces
{
    private static readonly HashSet<string> RepositoryListers = new(["Get-MongoSnapshot", "Get-MongoRestoreWindow", "Find-MongoOplogEntry"], StringComparer.OrdinalIgnoreCase);

    public static IReadOnlyList<(string Database, string Collection)> Find(BoundArguments bound, CommandAst commandAst)
    {
        if (bound.Text("Path") is { } path)
        {
            var folder = BoundArguments.ResolvePath(path);
            return QuietServerCall.Run(async ct =>
            {
                await using var reader = DumpReaders.Open(folder);
                return (IReadOnlyList<(string, string)>)reader.Namespaces.Select(n => (n.Database, n.Collection)).ToList();
            });
        }
        var repository = bound.Text("Repository") ?? RepositoryEarlierInPipeline(commandAst);
        if (repository is null) return [];
        var resolved = RepositoryArgumentPath(repository);
        if (resolved is null) return [];
        // With -Id bound (an id or a pattern), what those snapshots hold: the restore reads them, not the whole repository.
        var ids = bound.Texts("Id").Select(id => new WildcardPattern(id, WildcardOptions.IgnoreCase)).ToList();
        return QuietServerCall.Run(async ct =>
        {
            var opened = RepositoryResolver.Open(repository, _ => resolved, RepositoryAccess.Read, mustExist: true, ct);
            var snapshots = await SnapshotCatalog.LoadCompleteAsync(opened, ct).ConfigureAwait(false);
            return (IReadOnlyList<(string, string)>)snapshots.Where(s => ids.Count == 0 || ids.Any(p => p.IsMatch(s.Id)))
                .SelectMany(s => s.Namespaces).Select(n => (n.Database, n.Collection)).Distinct().ToList();
        });
    }

    /// <summary>The replica sets a repository's snapshots come from.</summary>
    public static IReadOnlyList<string> ReplicaSets(BoundArguments bound)
    {
        if (bound.Text("Repository") is not { } repository || RepositoryArgumentPath(repository) is not { } resolved) return [];
        return QuietServerCall.Run(async ct =>
        {
            var opened = RepositoryResolver.Open(repository, _ => resolved, RepositoryAccess.Read, mustExist: true, ct);
            var snapshots = await SnapshotCatalog.LoadCompleteAsync(opened, ct).ConfigureAwait(false);
            return (IReadOnlyList<string>)snapshots.Select(s => s.Source.ReplicaSetName).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        });
    }

    /// <summary>
    /// The folder a folder repository resolves to, on the prompt's thread ("" for an object store, whose location needs
    /// no resolving); null when the argument is no repository location at all.
    /// </summary>
    public static string? RepositoryArgumentPath(string repositoryArgument)
    {
        try
        {
            var location = RepositoryLocation.Parse(repositoryArgument);
            return location.Kind == RepositoryKind.Folder ? BoundArguments.ResolvePath(location.Path!) : "";
        }
        catch (Exception)
        {
            return null; // half-typed or malformed: nothing to suggest yet
        }
    }

    private static string? RepositoryEarlierInPipeline(CommandAst commandAst)
    {
        if (commandAst.Parent is not PipelineAst pipeline) return null;
        foreach (var element in pipeline.PipelineElements.TakeWhile(e => e != commandAst).OfType<CommandAst>().Reverse())
        {
            if (!RepositoryListers.Contains(element.GetCommandName() ?? "")) continue;
            var elements = element.CommandElements;
            for (var i = 1; i < elements.Count; i++)
            {
                if (elements[i] is CommandParameterAst { ParameterName: var name } parameter
                    && "Repository".StartsWith(name, StringComparison.OrdinalIgnoreCase) && name.Length > 0)
                    return (parameter.Argument ?? (i + 1 < elements.Count ? elements[i + 1] : null)) is StringConstantExpressionAst value ? value.Value : null;
            }
            // Positional: the repository is the first argument of both listers.
            return elements.Count > 1 && elements[1] is StringConstantExpressionAst first ? first.Value : null;
        }
        return null;
    }
}
