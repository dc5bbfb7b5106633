namespace MongoBackup.Engine.Storage;

/// <summary>
/// The bottom of storage: named blobs of bytes under one root (a local folder, an Azure Blob Storage container and
/// prefix, an S3 bucket and prefix). Snapshots, leases, marks and settings are built on it; it knows nothing of them.
/// <para>
/// <b>Names.</b> A name is relative to the root, '/'-separated, with no empty, "." or ".." segment and no leading '/'
/// (an <see cref="ArgumentException"/> otherwise). A folder store maps it to a file below its folder, an object store to the
/// key ROOT-PREFIX/name. Names whose last segment starts with <see cref="ReservedPrefix"/> belong to the store itself.
/// </para>
/// <para>
/// <b>Errors.</b> A blob that does not exist is <see cref="FileNotFoundException"/> from <see cref="OpenReadAsync"/> and
/// null from <see cref="ReadAsync"/>; a failed condition is a null result, never an exception. Every other failure of
/// an object store is a <see cref="MongoBackupException"/> naming the location and the blob, never a secret (ErrorIds
/// RepositoryAccessDenied, RepositoryNotFound, RepositoryUnavailable); a folder store lets
/// <see cref="IOException"/> and <see cref="UnauthorizedAccessException"/> through, as the file system gives them.
/// Every write to a store opened read-only (<see cref="IsWritable"/> false) fails with RepositoryNotWritable before
/// touching anything.
/// </para>
/// <para>
/// <b>Atomicity and what readers see.</b> <see cref="TryCreateAsync"/> and <see cref="TryReplaceAsync"/> are atomic: the blob
/// is its old content or the new one, whole, and of two writers racing on one name exactly one succeeds. A blob
/// streamed by <see cref="OpenWriteAsync"/> is visible only once its stream is disposed on an object store (a block list
/// committed, a multipart upload completed); on a folder store it is visible, growing, while written, so what vouches
/// for it (a snapshot's manifest) must be written after it with a conditional create. <see cref="ListAsync"/> shows every
/// blob whose write finished before the listing began, may or may not show one finished during it, and never shows
/// one whose write has not finished on an object store. <see cref="DeleteAsync"/> of one blob is atomic; deleting many
/// is not.
/// </para>
/// <para>
/// <b>Durability.</b> Once a write's call returns (or its stream is disposed), the content is on stable storage: a
/// folder store flushes the file and, for conditional writes, the folder that names it (fsync), and before each
/// conditional write the folders naming every earlier write, so what vouches for them is durable only after them;
/// object stores acknowledge only stored writes.
/// </para>
/// </summary>
public interface IBlobStore
{
    /// <summary>The start of names a store keeps for itself (temporary files of conditional writes); <see cref="ListAsync"/> never shows them.</summary>
    public const string ReservedPrefix = ".mongobackup-tmp-";

    /// <summary>The root as shown to users: a folder path, az://account/container/prefix or s3://bucket/prefix; never a secret.</summary>
    string Location { get; }

    /// <summary>False when the store was opened read-only: every write fails with RepositoryNotWritable.</summary>
    bool IsWritable { get; }

    /// <summary>
    /// Put, streamed: a stream that writes the blob <paramref name="name"/>, replacing any blob of that name. The write is
    /// finished (durable and, on an object store, visible) when the stream is disposed; a failure while writing or
    /// closing is thrown from the stream. Memory is bounded: at most two upload parts (8 MiB each) per open stream.
    /// </summary>
    /// <exception cref="MongoBackupException">RepositoryNotWritable when read-only; the store's translated failures.</exception>
    Task<Stream> OpenWriteAsync(string name, CancellationToken ct);

    /// <summary>Get, streamed: the blob's stored bytes, read forward once.</summary>
    /// <exception cref="FileNotFoundException">No blob of that name.</exception>
    Task<Stream> OpenReadAsync(string name, CancellationToken ct);

    /// <summary>
    /// Every blob name that starts with <paramref name="prefix"/> ("" for all), in ordinal order, without the store's own
    /// (<see cref="ReservedPrefix"/>) names. A name is a whole name, not a folder: "a/b" lists "a/b/c" and "a/bc".
    /// </summary>
    Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct);

    /// <summary>Removes the blob; removing one that does not exist is not an error. A folder store also removes folders it leaves empty.</summary>
    /// <exception cref="MongoBackupException">RepositoryNotWritable when read-only; the store's translated failures.</exception>
    Task DeleteAsync(string name, CancellationToken ct);

    /// <summary>A small blob's whole content as UTF-8 text with its ETag (what <see cref="TryReplaceAsync"/> must match); null when there is none.</summary>
    Task<StoredObject?> ReadAsync(string name, CancellationToken ct);

    /// <summary>
    /// Conditional create of a small blob (If-None-Match: * on Azure and S3; a rename that refuses an existing target on a
    /// folder): the new ETag, or null when a blob of that name exists, in which case it is left as it was.
    /// </summary>
    /// <exception cref="MongoBackupException">RepositoryNotWritable when read-only; the store's translated failures.</exception>
    Task<string?> TryCreateAsync(string name, string content, CancellationToken ct);

    /// <summary>
    /// Conditional replace of a small blob (If-Match on Azure and S3; under an exclusive lock on a folder): the new ETag,
    /// or null when the blob's ETag is no longer <paramref name="etag"/> or it is gone.
    /// </summary>
    /// <exception cref="MongoBackupException">RepositoryNotWritable when read-only; the store's translated failures.</exception>
    Task<string?> TryReplaceAsync(string name, string content, string etag, CancellationToken ct);
}
