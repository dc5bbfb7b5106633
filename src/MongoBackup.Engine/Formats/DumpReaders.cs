using MongoBackup.Engine.Codecs;

namespace MongoBackup.Engine.Formats;

/// <summary>Opens whatever a user points a restore at: a mongodump directory or snapshot folder, or an --archive file.</summary>
public static class DumpReaders
{
    /// <summary>
    /// A folder is read as a mongodump directory (each file gzip, zstd or plain by its suffix; a snapshot's
    /// manifest.json is ignored). A file is read as a mongodump archive, gzip, zstd or plain by its first bytes.
    /// </summary>
    /// <exception cref="FileNotFoundException">Nothing exists at <paramref name="path"/>.</exception>
    /// <exception cref="NotADumpException">
    /// The path is sound but no dump: a piece of one (a database folder, a collection's file, the oplog file), a
    /// repository's root, a folder with no dump in it; the message names it and what to give instead.
    /// </exception>
    /// <exception cref="InvalidDataException">The file is not an archive (or one whose start is damaged); the message names it.</exception>
    /// <exception cref="CorruptDumpException">An archive's header is damaged.</exception>
    public static IDumpReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (Directory.Exists(path)) return DumpDirectoryReader.Open(path);
        if (File.Exists(path))
        {
            if (DumpPiece.Describe(Path.GetFullPath(path)) is { } piece) throw new NotADumpException(piece);
            return DumpArchiveReader.Open(path);
        }
        throw new FileNotFoundException($"No mongodump directory or archive exists at '{path}'.", path);
    }

    /// <summary>Opens a file and undoes its compression, found from its first bytes.</summary>
    internal static Stream OpenSniffed(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        Span<byte> head = stackalloc byte[4];
        var got = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        file.Position = 0;
        return CompressionCodec.WrapForRead(file, CompressionCodec.Sniff(head[..got]));
    }
}
