using System.Buffers.Binary;
using MongoBackup.Engine.Codecs;

namespace MongoBackup.Engine.Formats;

/// <summary>
/// A file that is one piece of a mongodump folder, given where a dump or an archive was expected: one collection's
/// data (.bson, .bson.gz, .bson.zst) or metadata (.metadata.json...) file, or the dump's oplog.bson. mongorestore takes a
/// lone .bson file with --db and --collection naming its namespace; a restore here takes the dump folder and a filter
/// choosing the collection, so the file is refused saying so, and never called damaged. A file whose name says .bson
/// but that starts as an archive (mongodump --archive=x.bson) is an archive.
/// </summary>
internal static class DumpPiece
{
    /// <summary>Why <paramref name="file"/> (a full path) is a piece of a dump folder and what to give instead; null when it is none.</summary>
    public static string? Describe(string file)
    {
        var name = Path.GetFileName(file);
        var bare = name[..^CompressionCodec.FileSuffix(CompressionCodec.FromFileName(name)).Length];
        var isData = bare.EndsWith(DumpLayout.DataExtension, StringComparison.Ordinal);
        var isMetadata = bare.EndsWith(DumpLayout.MetadataExtension, StringComparison.Ordinal) || bare.EndsWith(DumpLayout.ExactMetadataExtension, StringComparison.Ordinal);
        if (!isData && !isMetadata || StartsAsArchive(file)) return null;
        var folder = Path.GetDirectoryName(file)!;
        if (bare == DumpLayout.OplogStem + DumpLayout.DataExtension)
            return $"'{file}' is the oplog file of a mongodump folder, not a dump or an archive: give -Path the dump folder that holds it, '{folder}', which replays it.";
        var database = Path.GetFileName(folder);
        var collection = CollectionOf(folder, file);
        var ns = collection is null ? null : $"{database}.{collection}";
        return $"'{file}' is one collection's {(isData ? "data" : "metadata")} file{(ns is null ? "" : $" ({ns})")} of a mongodump folder, " +
               $"not a dump or an archive: give -Path the dump folder that holds its database folder '{database}', '{Path.GetDirectoryName(folder)}', " +
               (ns is null ? "with -Collection naming the collection to restore it alone." : $"with -Collection '{ns}' to restore that collection alone.");
    }

    /// <summary>The collection <paramref name="file"/> belongs to, as a restore of its folder names it; null when the folder cannot be read as one.</summary>
    private static string? CollectionOf(string folder, string file)
    {
        try
        {
            return DatabaseFolderScan.Scan(folder).FirstOrDefault(f => f.DataFile == file || f.MetadataFile == file)?.Collection;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool StartsAsArchive(string file)
    {
        try
        {
            using var stream = DumpReaders.OpenSniffed(file);
            Span<byte> head = stackalloc byte[4];
            return stream.ReadAtLeast(head, 4, throwOnEndOfStream: false) == 4 && BinaryPrimitives.ReadUInt32LittleEndian(head) == ArchivePrelude.MagicNumber;
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            return false; // damaged compression: not an archive's start either
        }
    }
}
