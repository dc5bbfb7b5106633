using MongoBackup.Engine.Codecs;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Security;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>
/// Reads one snapshot file end to end: checks its size and SHA-256 against the manifest, decrypts it (when the
/// snapshot is encrypted and its key is given), decompresses it, and parses every document (with BSON structure
/// validation) or, for a metadata file, its Extended JSON. Without the key of an encrypted snapshot
/// (parse false) only size and SHA-256 are checked. A shard's view of a cluster snapshot is read from its folder
/// (<see cref="SnapshotManifest.StoredUnder"/>).
/// </summary>
internal static class FileVerifier
{
    public static async Task<FileVerification> VerifyAsync(ISnapshotRepository repository, SnapshotManifest manifest, ManifestFile file,
        DataKey? dataKey, bool parse, CancellationToken ct)
    {
        var path = manifest.StoredUnder + file.Path;
        var name = $"{manifest.Id}/{path}";
        Stream raw;
        try { raw = await repository.OpenReadAsync(manifest.Id, path, ct).ConfigureAwait(false); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new FileVerification(path, file.Kind, file.Size, 0, 0, $"'{name}' is missing from {repository.Location}.", null);
        }

        await using (raw.ConfigureAwait(false))
        {
            using var counted = new HashingReadStream(raw, leaveOpen: true);
            var content = new ContentCheck(manifest, file, name);
            var (documents, parseProblem, offset) = parse
                ? await ParseAsync(counted, manifest, file, dataKey, name, content, ct).ConfigureAwait(false)
                : (0, null, null);
            await counted.DrainAsync(ct).ConfigureAwait(false);

            var problems = new List<string>();
            if (counted.BytesRead != file.Size)
                problems.Add($"it is {counted.BytesRead:N0} bytes; the manifest records {file.Size:N0}");
            if (counted.Sha256() != file.Sha256)
                problems.Add("its SHA-256 does not match the manifest: it was changed or damaged after the backup");
            if (parseProblem is not null)
                problems.Add(parseProblem);
            else if (parse)
                problems.AddRange(content.Problems());
            var problem = problems.Count == 0 ? null : $"'{name}': {string.Join("; ", problems)}.";
            return new FileVerification(path, file.Kind, file.Size, counted.BytesRead, documents, problem, offset);
        }
    }

    private static async Task<(long Documents, string? Problem, long? Offset)> ParseAsync(
        Stream counted, SnapshotManifest manifest, ManifestFile file, DataKey? dataKey, string name, ContentCheck content, CancellationToken ct)
    {
        long documents = 0;
        // Nothing downstream may close the counting stream: it is drained afterwards for the checksum.
        Stream keepOpen = new KeepOpenStream(counted);
        var stored = dataKey is null ? keepOpen : new DecryptingStream(keepOpen, dataKey, SnapshotEncryption.FileIdentity(manifest.Id, manifest.StoredUnder + file.Path), name);
        var plain = CompressionCodec.WrapForRead(stored, manifest.Compression);
        try
        {
            if (file.Kind == ManifestFileKind.Metadata && !HasExactSibling(manifest, file))
            {
                CollectionMetadata.Parse(await MetadataText.ReadAsync(plain, name, ct).ConfigureAwait(false), name);
            }
            else if (file.Kind == ManifestFileKind.Metadata)
            {
                // Its JSON is known not to say the metadata exactly (it may not even parse); the exact file beside it is checked.
                await plain.CopyToAsync(Stream.Null, ct).ConfigureAwait(false);
            }
            else if (file.Kind == ManifestFileKind.ExactMetadata)
            {
                CollectionMetadata.FromBson(await MetadataText.ReadExactAsync(plain, name, ct).ConfigureAwait(false), name);
            }
            else
            {
                var reader = new BsonDocumentReader(plain, name, validateStructure: true);
                while (await reader.ReadNextAsync(ct).ConfigureAwait(false) is { } document)
                {
                    documents++;
                    content.Observe(document);
                }
            }
            // The decompressor stops at its own end marker; decrypting the rest authenticates the file's end too.
            if (!ReferenceEquals(stored, keepOpen)) await stored.CopyToAsync(Stream.Null, ct).ConfigureAwait(false);
            return (documents, null, null);
        }
        catch (CorruptDumpException e) { return (documents, e.Location is null ? e.Problem : $"{e.Location}: {e.Problem}", e.Offset); }
        catch (InvalidDataException e) { return (documents, e.Message, null); }
        finally { await plain.DisposeAsync().ConfigureAwait(false); }
    }

    private static bool HasExactSibling(SnapshotManifest manifest, ManifestFile metadata)
    {
        var exact = DumpLayout.ExactMetadataFileBeside(metadata.Path);
        return manifest.Files.Any(f => f.Kind == ManifestFileKind.ExactMetadata && f.Path == exact);
    }

    /// <summary>Hides Dispose from a decompressor that would otherwise close the stream it reads.</summary>
    private sealed class KeepOpenStream(Stream inner) : ReadOnlyStream
    {
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => inner.ReadAsync(buffer, ct);
    }
}
