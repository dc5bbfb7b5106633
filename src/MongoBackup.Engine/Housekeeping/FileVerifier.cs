using System.Text;
using MongoBackup.Engine.Codecs;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>
/// Reads one snapshot file end to end: checks its size and SHA-256 against the manifest, decompresses it, and
/// parses every document (with BSON structure validation) or, for a metadata file, its Extended JSON.
/// </summary>
internal static class FileVerifier
{
    public static async Task<FileVerification> VerifyAsync(ISnapshotRepository repository, SnapshotManifest manifest, ManifestFile file, CancellationToken ct)
    {
        var name = $"{manifest.Id}/{file.Path}";
        Stream raw;
        try { raw = await repository.OpenReadAsync(manifest.Id, file.Path, ct).ConfigureAwait(false); }
        catch (FileNotFoundException)
        {
            return new FileVerification(file.Path, file.Kind, file.Size, 0, 0, $"'{name}' is missing from {repository.Location}.", null);
        }

        await using (raw.ConfigureAwait(false))
        {
            using var counted = new ChecksumReadStream(raw);
            var (documents, parseProblem, offset) = await ParseAsync(counted, manifest.Compression, file.Kind, name, ct).ConfigureAwait(false);
            await counted.DrainAsync(ct).ConfigureAwait(false);

            var problems = new List<string>();
            if (counted.BytesRead != file.Size)
                problems.Add($"it is {counted.BytesRead:N0} bytes; the manifest records {file.Size:N0}");
            if (counted.Sha256() != file.Sha256)
                problems.Add("its SHA-256 does not match the manifest: it was changed or damaged after the backup");
            if (parseProblem is not null)
                problems.Add(offset is null ? parseProblem : $"at byte offset {offset} (uncompressed): {parseProblem}");
            var problem = problems.Count == 0 ? null : $"'{name}': {string.Join("; ", problems)}.";
            return new FileVerification(file.Path, file.Kind, file.Size, counted.BytesRead, documents, problem, offset);
        }
    }

    private static async Task<(long Documents, string? Problem, long? Offset)> ParseAsync(
        Stream stored, Compression compression, ManifestFileKind kind, string name, CancellationToken ct)
    {
        long documents = 0;
        // The decompressor must not close the counting stream: it is drained afterwards for the checksum.
        var plain = CompressionCodec.WrapForRead(new KeepOpenStream(stored), compression);
        try
        {
            if (kind == ManifestFileKind.Metadata)
            {
                using var text = new StreamReader(plain, Encoding.UTF8, leaveOpen: true);
                CollectionMetadata.Parse(await text.ReadToEndAsync(ct).ConfigureAwait(false), name);
                return (0, null, null);
            }
            var reader = new BsonDocumentReader(plain, name, validateStructure: true);
            while (await reader.ReadNextAsync(ct).ConfigureAwait(false) is not null) documents++;
            return (documents, null, null);
        }
        catch (CorruptDumpException e) { return (documents, e.Problem, e.Offset); }
        catch (InvalidDataException e) { return (documents, e.Message, null); }
        catch (ZstdSharp.ZstdException e) { return (documents, $"the compressed data is damaged: {e.Message}", null); }
        finally { await plain.DisposeAsync().ConfigureAwait(false); }
    }

    /// <summary>Hides Dispose from a decompressor that would otherwise close the stream it reads.</summary>
    private sealed class KeepOpenStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => inner.ReadAsync(buffer, ct);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => inner.ReadAsync(buffer, offset, count, ct);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
