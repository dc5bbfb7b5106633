using System.Collections.Concurrent;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;

namespace MongoBackup.PowerShell;

/// <summary>
/// The one way cmdlets turn -Repository (a path, file://, az://, s3://, or a New-MongoRepository object) into a
/// repository. Object-store repositories described with New-MongoRepository are remembered by location for the
/// session once given to a cmdlet (not when only created), so a snapshot piped from Get-MongoSnapshot (which carries
/// only the location) reopens with the same sign-in.
/// </summary>
public static class RepositoryResolver
{
    private static readonly ConcurrentDictionary<string, MongoRepository> Known = new(StringComparer.Ordinal);

    internal static void Remember(MongoRepository repository)
    {
        if (repository.ParsedLocation.Kind != RepositoryKind.Folder) Known[repository.Location] = repository;
    }

    /// <summary>What a -Repository argument names, for messages and -WhatIf: the resolved folder or the object-store location.</summary>
    public static string Describe(string repository, Func<string, string> resolvePath)
    {
        var location = RepositoryLocation.Parse(repository);
        return location.Kind == RepositoryKind.Folder ? resolvePath(location.Path!) : location.ToString();
    }

    /// <param name="repository">The -Repository text (a MongoRepository argument was already turned into its location).</param>
    /// <param name="resolvePath">Resolves a folder against PowerShell's current location.</param>
    /// <param name="access">
    /// What the command does with it: a command that only reads opens a folder without writing anything to it (it may
    /// be on read-only media); one that writes proves at once that it can (RepositoryNotWritable naming the folder).
    /// </param>
    /// <param name="mustExist">
    /// Reading never creates a folder where a path was mistyped; a command that may start a repository (a backup, a
    /// policy run, a copy into it, settings) creates its folder, but only inside a folder that exists: one level, never a
    /// chain of folders a typo in a parent's name would make (RepositoryNotFound naming the missing parent).
    /// </param>
    /// <param name="verbose">Told when the settings of a remembered New-MongoRepository object are used for the location.</param>
    public static ISnapshotRepository Open(string repository, Func<string, string> resolvePath, RepositoryAccess access, bool mustExist, CancellationToken ct,
        Action<string>? verbose = null)
    {
        var location = RepositoryLocation.Parse(repository);
        if (location.Kind == RepositoryKind.Folder)
        {
            var path = resolvePath(location.Path!);
            if (!Directory.Exists(path))
            {
                if (mustExist)
                    throw new MongoBackupException(ErrorIds.SourceNotFound, $"The repository folder '{path}' does not exist.", target: path);
                RequireParent(path);
            }
            return new FolderRepository(path, access);
        }
        // A bare az:// or s3:// string signs in the default way (DefaultAzureCredential, the AWS credential chain), unless an
        // object for the same location was given to a cmdlet earlier: said in a verbose line, since the string alone does not show it.
        var options = Known.TryGetValue(location.ToString(), out var known) ? known.Options : RepositoryOptions.None;
        if (known is not null)
            verbose?.Invoke($"Repository {location}: signing in with the settings of the New-MongoRepository object used for it earlier in this session " +
                            $"({Settings(known)}), not the default way a plain '{location}' string alone signs in.");
        return RepositoryFactory.OpenAsync(location, options, access, ct).GetAwaiter().GetResult();
    }

    /// <summary>A remembered object's endpoint and sign-in, by name only (never a secret).</summary>
    private static string Settings(MongoRepository repository)
    {
        var options = repository.Options;
        var endpoint = options.S3Endpoint ?? options.AzureEndpoint;
        return $"{(endpoint is null ? "the public endpoint" : $"endpoint {endpoint}")}, {repository.Authentication}";
    }

    private static void RequireParent(string path)
    {
        var parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(path));
        if (string.IsNullOrEmpty(parent) || Directory.Exists(parent)) return;
        throw new MongoBackupException(ErrorIds.RepositoryNotFound,
            $"The repository folder '{path}' does not exist, and neither does its parent '{parent}': a new repository is created " +
            "only inside a folder that exists. Check the path for a typo (or a volume that is not mounted); to start a repository " +
            "there, create the parent folder first.", target: path);
    }
}
