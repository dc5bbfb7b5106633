namespace MongoBackup.Engine.Model;

/// <summary>
/// A failure the user can act on: a stable <see cref="ErrorId"/> (one of <see cref="ErrorIds"/>: documented, used as
/// the PowerShell error id, with one PowerShell category), the thing that was wrong, and a message that names it (never
/// a secret).
/// </summary>
public class MongoBackupException : Exception
{
    /// <summary>
    /// A failure with id <paramref name="errorId"/> (an <see cref="ErrorIds"/> value), the user's <paramref name="message"/>,
    /// and <paramref name="target"/>: the thing that was wrong (a path, a snapshot id, a namespace, a redacted server list).
    /// </summary>
    public MongoBackupException(string errorId, string message, Exception? inner = null, string? target = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Target = target;
    }

    /// <summary>One of <see cref="ErrorIds"/>.</summary>
    public string ErrorId { get; }
    /// <summary>What the error is about: a namespace, a file, a repository, a server (redacted).</summary>
    public string? Target { get; }
}
