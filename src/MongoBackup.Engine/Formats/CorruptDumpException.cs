namespace MongoBackup.Engine.Formats;

/// <summary>
/// A dump file or archive does not hold what the format says it must. Names the file and, where the damage has a
/// place, the byte offset (in the uncompressed stream) of the document or record that is broken, so a user can find
/// it; damage to the file as a whole (missing, a checksum that does not match) has no offset.
/// </summary>
public sealed class CorruptDumpException : Exception
{
    /// <summary>
    /// Damage at byte <paramref name="offset"/> of <paramref name="file"/>, counted in the uncompressed (and decrypted) stream
    /// from its start: where the broken document or archive record begins.
    /// </summary>
    public CorruptDumpException(string file, long offset, string problem, Exception? inner = null)
        : base($"Corrupt dump file '{file}' at byte offset {offset}: {problem}", inner)
    {
        File = file;
        Offset = offset;
        Problem = problem;
    }

    /// <summary>Damage to the whole file, which no single offset locates.</summary>
    public CorruptDumpException(string file, string problem, Exception? inner = null)
        : base($"Corrupt dump file '{file}': {problem}", inner)
    {
        File = file;
        Problem = problem;
    }

    /// <summary>The file (or archive) as the user named it.</summary>
    public string File { get; }

    /// <summary>Byte offset in the uncompressed stream where the broken document or record starts; null for the whole file.</summary>
    public long? Offset { get; }

    /// <summary>What is wrong, without the file and offset.</summary>
    public string Problem { get; }

    /// <summary>This damage as the engine reports it to users: CorruptFile, with the file as its target.</summary>
    public MongoBackupException ToCorruptFile() => new(ErrorIds.CorruptFile, Message, this, File);
}
