using MongoBackup.Engine.Storage;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// A folder repository's refusal to store what a writer writes, as the error the user sees: a full disk is
/// RepositoryFull, any other file-system refusal (read-only media, permissions, a folder where a file should be)
/// RepositoryNotWritable, each naming the repository and what was being written. Object stores translate their own
/// failures (<see cref="MongoBackupException"/> already); every writer (a backup, an oplog slice, a continuous capture, a
/// copy) describes its storage failures here, so the same cause gets the same id whichever command meets it.
/// </summary>
public static class RepositoryWriteErrors
{
    /// <summary>
    /// The error for <paramref name="error"/> met while writing <paramref name="what"/> (e.g. "snapshot 20261124T221500Z-full-3f9a")
    /// to <paramref name="location"/>; null when it is not a storage failure (the caller describes it).
    /// </summary>
    public static MongoBackupException? Describe(Exception error, string location, string what) => error switch
    {
        IOException io when IsDiskFull(io) => new MongoBackupException(ErrorIds.RepositoryFull,
            $"The repository {location} ran out of space while writing {what}; nothing was kept.", error, location),
        UnauthorizedAccessException or IOException => new MongoBackupException(ErrorIds.RepositoryNotWritable,
            $"Cannot write {what} to {location}: {error.Message}", error, location),
        _ => null,
    };

    /// <summary>
    /// A write-only stream over <paramref name="destination"/> that raises its storage failures (on write, flush and close) as
    /// <see cref="Describe"/> names them; disposing it disposes <paramref name="destination"/>.
    /// </summary>
    public static Stream Guard(Stream destination, string location, string what) =>
        new ErrorTranslatingWriteStream(destination, e => Describe(e, location, what));

    /// <summary>ENOSPC on Unix; ERROR_DISK_FULL and ERROR_HANDLE_DISK_FULL on Windows (as HRESULTs).</summary>
    private static bool IsDiskFull(IOException e)
    {
        const int enospc = 28, windowsDiskFull = unchecked((int)0x80070070), windowsHandleDiskFull = unchecked((int)0x80070027);
        return e.HResult is enospc or windowsDiskFull or windowsHandleDiskFull
            || e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase);
    }
}
