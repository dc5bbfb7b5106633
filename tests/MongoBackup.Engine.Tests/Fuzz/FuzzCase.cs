using System.IO.Compression;
using System.Text;
using MongoBackup.Engine.Codecs;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Tests.Support;

namespace MongoBackup.Engine.Tests.Fuzz;

/// <summary>What a restore of a damaged input may report as restored, per source namespace.</summary>
public abstract record Expected
{
    /// <summary>Restored only with exactly these documents (hex of their bytes, sorted).</summary>
    public sealed record Exactly(List<string> Documents) : Expected;
    /// <summary>Damage no format check can see changed what the collection is (its options): any outcome but a crash.</summary>
    public sealed record Anything : Expected;
}

/// <summary>
/// One fuzz case: a copy of a seed with one file damaged, either its stored bytes ("raw"), the content inside its
/// gzip compression recompressed whole ("content", so the parsers behind a valid gzip layer are reached), or a
/// snapshot file's content with the manifest's size and SHA-256 made to match ("resealed", tampering that reaches the
/// parsers behind a snapshot's checks); and what a restore of it may report.
/// </summary>
public sealed record FuzzCase(int Seed, FuzzSeed Source, string Root, string File, string Layer, Mutation Mutation, Dictionary<string, Expected> Expectations)
{
    /// <summary>
    /// The namespace whose own file (data or metadata) of a dump folder or snapshot was damaged; null when the damage
    /// is to something every namespace depends on (an archive's stream, a manifest, an oplog) or to a file no restored
    /// namespace owns. Only this namespace may fail: every other one must restore exactly.
    /// </summary>
    public string? DamagedNamespace { get; init; }

    public string Describe() =>
        $"case {Seed} ({FuzzSettings.CaseVariable}={Seed}): seed '{Source.Name}', file '{File}', {Layer} layer, {Mutation.Description}";

    /// <summary>The damaged bytes around the mutation, in hex.</summary>
    public string Excerpt()
    {
        var from = Math.Max(0, Mutation.Offset - 32);
        var to = Math.Min(Mutation.Result.Length, Mutation.Offset + 32);
        return $"bytes {from}..{to} of {Mutation.Result.Length}: {Convert.ToHexString(Mutation.Result.AsSpan(from, to - from))}";
    }

    public static FuzzCase Make(int seed, FuzzSeed source, string workRoot)
    {
        var random = new Random(seed);
        var root = Path.Combine(workRoot, $"case-{seed}");
        var input = source.Kind == SeedKind.Archive ? Path.Combine(root, Path.GetFileName(source.Path)) : root;
        if (source.Kind == SeedKind.Archive)
        {
            Directory.CreateDirectory(root);
            System.IO.File.Copy(source.Path, input);
        }
        else FuzzCorpus.CopyTree(source.Path, root);

        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var file = files[random.Next(files.Count)];
        var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
        var original = System.IO.File.ReadAllBytes(file);
        var expectations = source.Baseline.ToDictionary(kv => kv.Key, kv => (Expected)new Expected.Exactly(kv.Value), StringComparer.Ordinal);
        var isMetadata = relative.Contains(".metadata.json", StringComparison.Ordinal);
        var isManifest = relative.EndsWith(SnapshotManifest.FileName, StringComparison.Ordinal);
        var snapshotFile = source.Kind == SeedKind.Snapshot && !isManifest && source.Keys is null && relative.StartsWith(source.SnapshotId + "/", StringComparison.Ordinal)
                           && Listed(root, source, relative[(source.SnapshotId!.Length + 1)..]); // not the snapshot folder's own mark
        var gzipFile = source.Kind != SeedKind.Snapshot && relative.EndsWith(".gz", StringComparison.Ordinal);

        string layer;
        Mutation mutation;
        if ((gzipFile || snapshotFile) && random.Next(2) == 0)
        {
            var compression = snapshotFile ? SnapshotCompression(root, source) : Compression.Gzip;
            var plain = Decompress(original, compression);
            mutation = Mutations.Apply(plain, random, isJson: isMetadata);
            layer = snapshotFile ? "resealed" : "content";
            var stored = Compress(mutation.Result, compression);
            System.IO.File.WriteAllBytes(file, stored);
            if (snapshotFile)
                ManifestTampering.Reseal(Path.Combine(root, source.SnapshotId!, SnapshotManifest.FileName), relative[(source.SnapshotId!.Length + 1)..], stored);
            Expect(expectations, source, relative, Encoding.UTF8.GetString(plain), mutation.Result, isMetadata);
        }
        else
        {
            mutation = Mutations.Apply(original, random, isJson: isMetadata || isManifest);
            layer = "raw";
            System.IO.File.WriteAllBytes(file, mutation.Result);
            var plainFolderFile = source.Kind == SeedKind.Folder && !gzipFile;
            if (plainFolderFile) Expect(expectations, source, relative, Encoding.UTF8.GetString(original), mutation.Result, isMetadata);
            // An archive's prelude (header and metadata) has no checksum: damage there may change what a collection is.
            if (source.Kind == SeedKind.Archive && !gzipFile && mutation.Offset < PreludeLength(original))
                foreach (var ns in expectations.Keys.ToList()) expectations[ns] = new Expected.Anything();
        }
        var owner = source.Kind != SeedKind.Archive && !isManifest && Namespace(source, relative) is { } owned && expectations.ContainsKey(owned) ? owned : null;
        return new FuzzCase(seed, source, input, relative, layer, mutation, expectations) { DamagedNamespace = owner };
    }

    /// <summary>Damaged plain content: data must restore as the reference reads it or fail; metadata may change the collection.</summary>
    private static void Expect(Dictionary<string, Expected> expectations, FuzzSeed source, string relative, string originalText, byte[] damaged, bool isMetadata)
    {
        // Namespaces a restore leaves out (the auth collections, system collections) have nothing to expect.
        if (Namespace(source, relative) is not { } ns || !expectations.ContainsKey(ns)) return;
        if (isMetadata)
        {
            if (!ReferenceDecoder.SameCollection(originalText, Encoding.UTF8.GetString(damaged))) expectations[ns] = new Expected.Anything();
            return;
        }
        var documents = ReferenceDecoder.Documents(damaged);
        expectations[ns] = documents is null
            ? new Expected.Exactly(["(no valid documents: the namespace must fail)"])
            : new Expected.Exactly(documents.Select(Convert.ToHexString).Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>"db.coll" of a dump file "db/coll.bson[.gz]" or "db/coll.metadata.json[.gz]" (under a snapshot id for snapshots).</summary>
    private static string? Namespace(FuzzSeed source, string relative)
    {
        var parts = relative.Split('/');
        if (source.Kind == SeedKind.Snapshot) parts = parts[1..];
        if (parts.Length != 2) return null;
        var stem = parts[1];
        foreach (var suffix in new[] { ".gz", ".zst", ".bson", ".metadata.json" })
            if (stem.EndsWith(suffix, StringComparison.Ordinal)) stem = stem[..^suffix.Length];
        try { return DumpNames.UnescapeDatabase(parts[0]) + "." + DumpNames.UnescapeCollection(stem); }
        catch (Exception) { return null; }
    }

    private static int PreludeLength(byte[] archive)
    {
        var at = 4;
        while (at + 4 <= archive.Length)
        {
            var length = BitConverter.ToInt32(archive, at);
            if (length == -1) return at + 4;
            if (length < 5) break;
            at += length;
        }
        return archive.Length;
    }

    private static SnapshotManifest ManifestOf(string root, FuzzSeed source) =>
        SnapshotManifest.Deserialize(System.IO.File.ReadAllText(Path.Combine(root, source.SnapshotId!, SnapshotManifest.FileName)), "manifest");

    private static Compression SnapshotCompression(string root, FuzzSeed source) => ManifestOf(root, source).Compression;

    private static bool Listed(string root, FuzzSeed source, string path) => ManifestOf(root, source).Files.Any(f => f.Path == path);

    private static byte[] Decompress(byte[] stored, Compression compression)
    {
        using var reader = CompressionCodec.WrapForRead(new MemoryStream(stored), compression);
        var plain = new MemoryStream();
        reader.CopyTo(plain);
        return plain.ToArray();
    }

    private static byte[] Compress(byte[] plain, Compression compression)
    {
        var stored = new MemoryStream();
        using (var writer = CompressionCodec.WrapForWrite(new NonClosingStream(stored), compression)) writer.Write(plain);
        return stored.ToArray();
    }
}
