namespace MongoBackup.Engine.Formats;

/// <summary>
/// A dump file or archive does not hold what the format says it must. Names the file and the byte
/// offset (in the uncompressed stream) of the document or record that is broken, so a user can find it.
/// </summary>
public sealed class CorruptDumpException : Exception
{
    public CorruptDumpException(string file, long offset, string problem, Exception? inner = null)
        : base($"Corrupt dump file '{file}' at byte offset {offset}: {problem}", inner)
    {
        File = file;
        Offset = offset;
        Problem = problem;
    }

    /// <summary>The file (or archive) as the user named it.</summary>
    public string File { get; }

    /// <summary>Byte offset in the uncompressed stream where the broken document or record starts.</summary>
    public long Offset { get; }

    /// <summary>What is wrong, without the file and offset.</summary>
    public string Problem { get; }
}
