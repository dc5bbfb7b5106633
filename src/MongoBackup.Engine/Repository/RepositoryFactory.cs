namespace MongoBackup.Engine.Repository;

/// <summary>Opens the repository a location names: a folder, an Azure Blob Storage container or an S3 bucket.</summary>
public static class RepositoryFactory
{
    /// <summary>Parses <paramref name="repository"/> (a path, file://, az://, s3://) and opens it.</summary>
    public static Task<ISnapshotRepository> OpenAsync(string repository, RepositoryOptions? options, CancellationToken ct) =>
        OpenAsync(RepositoryLocation.Parse(repository), options, ct);

    /// <summary>
    /// Opens the repository to write to it and, for object stores, proves it answers: wrong credentials, a missing
    /// container or bucket, or an unreachable endpoint fail here as a <see cref="MongoBackupException"/> naming the
    /// location. A folder is created when missing.
    /// </summary>
    public static Task<ISnapshotRepository> OpenAsync(RepositoryLocation location, RepositoryOptions? options, CancellationToken ct) =>
        OpenAsync(location, options, RepositoryAccess.Write, ct);

    /// <summary>
    /// The same, for what the command does with it: a folder opened to <see cref="RepositoryAccess.Read"/> is neither
    /// created nor written; one opened to <see cref="RepositoryAccess.Write"/> is created when missing and proven writable
    /// (RepositoryNotWritable naming it). An object store is proven by a listing either way, which writes nothing.
    /// </summary>
    public static async Task<ISnapshotRepository> OpenAsync(RepositoryLocation location, RepositoryOptions? options, RepositoryAccess access, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(location);
        options ??= RepositoryOptions.None;
        return location.Kind switch
        {
            RepositoryKind.AzureBlob => await AzureBlobRepository.OpenAsync(location, options, ct).ConfigureAwait(false),
            RepositoryKind.S3 => await S3Repository.OpenAsync(location, options, ct).ConfigureAwait(false),
            _ => new FolderRepository(location.Path!, access),
        };
    }
}
