using System.Security.Cryptography;
using MongoBackup.Engine.Codecs;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Fuzz;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Support;

/// <summary>
/// Tampering that knows the format (of a plain snapshot: an encrypted one's manifest is sealed): makes a snapshot's
/// manifest record a file's new bytes as a backup would have recorded them, so the damage reaches the readers behind
/// the manifest's checks. Its size and SHA-256; and what the manifest binds of its content, where the new content
/// still reads as BSON documents: a data file's namespace count and bytes, an oplog file's entry count, range and
/// (for a full snapshot) consistency point.
/// </summary>
public static class ManifestTampering
{
    public static void Reseal(string manifestPath, string path, byte[] stored)
    {
        var manifest = SnapshotManifest.Deserialize(File.ReadAllText(manifestPath), manifestPath);
        var index = manifest.Files.FindIndex(f => f.Path == path);
        var file = manifest.Files[index] = manifest.Files[index] with
        {
            Size = stored.Length, Sha256 = Convert.ToHexString(SHA256.HashData(stored)).ToLowerInvariant(),
        };
        if (Documents(stored, manifest.Compression) is { } documents)
        {
            if (file.Kind == ManifestFileKind.Data && ManifestBinding.NamespaceOf(file, manifest) is { } ns)
                manifest.Namespaces[manifest.Namespaces.IndexOf(ns)] = ns with { Documents = documents.Count, Bytes = documents.Sum(d => (long)d.Length) };
            else if (file.Kind == ManifestFileKind.Oplog) RecordRange(manifest, documents);
        }
        File.WriteAllText(manifestPath, manifest.Serialize());
    }

    private static void RecordRange(SnapshotManifest manifest, List<byte[]> entries)
    {
        List<ConsistencyPoint> points;
        try { points = entries.Select(e => ConsistencyPoint.OfEntry(new RawBsonDocument(e))).ToList(); }
        catch (Exception) { return; } // entries without a timestamp: nothing a backup could have recorded
        manifest.OplogEntries = points.Count;
        if (points.Count == 0) return;
        (manifest.OplogStart, manifest.OplogEnd) = (points[0].Timestamp, points[^1].Timestamp);
        if (manifest.Kind == SnapshotKind.Full) manifest.ConsistentAt = points[^1];
    }

    /// <summary>The documents of a stored file, or null when it does not decompress into whole, valid documents.</summary>
    private static List<byte[]>? Documents(byte[] stored, Compression compression)
    {
        try
        {
            using var reader = CompressionCodec.WrapForRead(new MemoryStream(stored), compression);
            var plain = new MemoryStream();
            reader.CopyTo(plain);
            return ReferenceDecoder.Documents(plain.ToArray());
        }
        catch (Exception) { return null; }
    }
}
