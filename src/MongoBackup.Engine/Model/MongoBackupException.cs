namespace MongoBackup.Engine.Model;

/// <summary>
/// A failure the user can act on: a stable <see cref="ErrorId"/> (documented, used as the PowerShell error id),
/// a category for PowerShell, the thing that was wrong, and a message that names it (never a secret).
/// </summary>
public class MongoBackupException : Exception
{
    public MongoBackupException(string errorId, string message, Exception? inner = null, string? target = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Target = target;
    }

    public string ErrorId { get; }
    /// <summary>What the error is about: a namespace, a file, a repository, a server (redacted).</summary>
    public string? Target { get; }
}
