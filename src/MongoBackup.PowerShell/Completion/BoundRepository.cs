using System.Collections;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;

namespace MongoBackup.PowerShell.Completion;

/// <summary>The manifests of the repository a command line binds to -Repository, for the completers that offer what it holds.</summary>
internal static class BoundRepository
{
    /// <summary>The repository and its finished snapshots' manifests; nothing when -Repository is not bound or cannot be read in time.</summary>
    public static (ISnapshotRepository? Repository, IReadOnlyList<SnapshotManifest> Manifests) Manifests(IDictionary fakeBoundParameters)
    {
        var repositoryArgument = new BoundArguments(fakeBoundParameters).Text("Repository");
        if (repositoryArgument is null || SourceNamespaces.RepositoryArgumentPath(repositoryArgument) is not { } folder) return (null, []);
        ISnapshotRepository? opened = null;
        var manifests = QuietServerCall.Run(async ct =>
        {
            // The folder was resolved here, on the prompt's thread: the lookup's worker thread has no PowerShell location.
            var repository = opened = RepositoryResolver.Open(repositoryArgument, _ => folder, RepositoryAccess.Read, mustExist: true, ct);
            var found = new List<SnapshotManifest>();
            await foreach (var result in repository.ListAsync(ct).ConfigureAwait(false))
                if (result.Manifest is { } manifest) found.Add(manifest);
            return (IReadOnlyList<SnapshotManifest>)found;
        });
        return (opened, manifests);
    }
}
