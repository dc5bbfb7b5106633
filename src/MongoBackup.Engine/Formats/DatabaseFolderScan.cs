using System.Text;
using MongoBackup.Engine.Codecs;

namespace MongoBackup.Engine.Formats;

/// <summary>
/// Finds the collections in one database folder of a dump, pairing each data file with its metadata
/// file, as mongorestore does: names are unescaped from the file stem (or taken from the metadata when
/// mongodump truncated a long name), and a timeseries collection's data is its system.buckets file.
/// A metadata file that cannot be read marks its namespace as damaged instead of failing the whole dump.
/// </summary>
internal static class DatabaseFolderScan
{

    internal sealed record Found(string Collection, CollectionMetadata? Metadata, string? DataFile, string? MetadataFile, NamespaceDamage? Damage = null);

    public static List<Found> Scan(string dbFolder)
    {
        var dataByStem = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var metadataByStem = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(dbFolder))
        {
            var name = Path.GetFileName(file);
            var withoutCompression = name[..^CompressionCodec.FileSuffix(CompressionCodec.FromFileName(name)).Length];
            if (withoutCompression.EndsWith(DumpLayout.MetadataExtension, StringComparison.Ordinal))
                metadataByStem.TryAdd(withoutCompression[..^DumpLayout.MetadataExtension.Length], file);
            else if (withoutCompression.EndsWith(DumpLayout.DataExtension, StringComparison.Ordinal))
                dataByStem.TryAdd(withoutCompression[..^DumpLayout.DataExtension.Length], file);
            else if (name.EndsWith(".bin", StringComparison.Ordinal)) // mongorestore still reads the legacy extension
                dataByStem.TryAdd(name[..^4], file);
            // Anything else (prelude.json, stray files) is not part of the dump, as for mongorestore.
        }

        var found = new List<Found>();
        var timeseriesBuckets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (stem, metadataFile) in metadataByStem)
        {
            var (meta, damage) = ReadMetadata(metadataFile);
            var collection = CollectionName(stem, meta, metadataFile, ref damage);
            // Old mongodump versions did not record the name; the file name did.
            if (meta is not null && string.IsNullOrEmpty(meta.CollectionName)) meta.CollectionName = collection;
            string? dataFile;
            if (meta?.IsTimeseries == true)
            {
                // Before server 8.3 mongodump names the data after the buckets collection; from 8.3 after the collection.
                var bucketsStem = DumpNames.EscapeCollection(TimeseriesBuckets.Of(collection), CompressionCodec.FromFileName(metadataFile));
                if (!dataByStem.TryGetValue(bucketsStem, out dataFile)) dataByStem.TryGetValue(stem, out dataFile);
                timeseriesBuckets.Add(bucketsStem);
            }
            else
            {
                dataByStem.TryGetValue(stem, out dataFile);
            }
            found.Add(new Found(collection, meta, dataFile, metadataFile, damage));
        }
        foreach (var (stem, dataFile) in dataByStem)
        {
            if (metadataByStem.ContainsKey(stem) || timeseriesBuckets.Contains(stem)) continue;
            NamespaceDamage? damage = null;
            found.Add(new Found(CollectionName(stem, null, dataFile, ref damage), null, dataFile, null, damage));
        }
        found = LegacySystemIndexes.Apply(found, metadataByStem.Count > 0);
        found.Sort((a, b) => StringComparer.Ordinal.Compare(a.Collection, b.Collection));
        return found;
    }

    private static string CollectionName(string stem, CollectionMetadata? metadata, string file, ref NamespaceDamage? damage)
    {
        var compression = CompressionCodec.FromFileName(file);
        if (DumpNames.IsTruncated(stem, compression))
        {
            if (!string.IsNullOrEmpty(metadata?.CollectionName)) return metadata.CollectionName;
            if (damage is not null) return stem; // the metadata that would name it is the damaged file
            throw new InvalidDataException(
                $"'{file}' has a shortened collection name, and no metadata file with the collection's full name sits beside it.");
        }
        try
        {
            return DumpNames.UnescapeCollection(stem, compression);
        }
        catch (Exception e) when (e is FormatException or DecoderFallbackException)
        {
            throw new InvalidDataException($"'{file}': the collection name in the file name cannot be unescaped: {e.Message}", e);
        }
    }

    /// <summary>
    /// The metadata, or null for an empty file (old mongodump versions wrote some); a file that cannot be read is the
    /// namespace's damage, not the dump's.
    /// </summary>
    private static (CollectionMetadata?, NamespaceDamage?) ReadMetadata(string file)
    {
        string json;
        try
        {
            using var stream = CompressionCodec.WrapForRead(File.OpenRead(file), CompressionCodec.FromFileName(file));
            json = MetadataText.Read(stream, file);
        }
        catch (Exception e) when (e is InvalidDataException or ZstdSharp.ZstdException)
        {
            return (null, new NamespaceDamage(file, $"Metadata file '{file}' cannot be decompressed: {e.Message}"));
        }
        catch (CorruptDumpException e)
        {
            return (null, new NamespaceDamage(file, e.Message));
        }
        if (string.IsNullOrWhiteSpace(json)) return (null, null);
        try
        {
            return (CollectionMetadata.Parse(json, file), null);
        }
        catch (Exception e) when (e is InvalidDataException or CorruptDumpException)
        {
            return (null, new NamespaceDamage(file, e.Message));
        }
    }
}
