namespace MongoBackup.Engine.Model;

/// <summary>
/// A failure the user can act on: a stable <see cref="ErrorId"/> (one of <see cref="ErrorIds"/>: documented, used as
/// the PowerShell error id, with one PowerShell category), the thing that was wrong, and a message that names it (never
/// a secret).
/// </summary>
public class MongoBackupException : Exception
{
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
