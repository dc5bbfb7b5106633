using MongoBackup.Engine.Codecs;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Security;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// Opens a stored snapshot file for reading through the whole chain: size and SHA-256 check, decryption (when the
/// snapshot is encrypted), decompression. Call <see cref="VerifyToEndAsync"/> once the content is consumed.
/// </summary>
public sealed class SnapshotFileReader : IAsyncDisposable
{
    private readonly VerifyingReadStream _verifying;
    private readonly Stream _stored;

    private SnapshotFileReader(VerifyingReadStream verifying, Stream stored, Stream content, string displayName)
    {
        _verifying = verifying;
        _stored = stored;
        Content = content;
        DisplayName = displayName;
    }

    /// <summary>The file's plain content.</summary>
    public Stream Content { get; }
    /// <summary>"ID/relative path", how the file is named in messages.</summary>
    public string DisplayName { get; }

    /// <summary>Opens <paramref name="file"/> of the snapshot: stored bytes checked, decrypted with <paramref name="dataKey"/> (null: not encrypted), decompressed.</summary>
    /// <exception cref="CorruptDumpException">The file the manifest lists is missing from the repository.</exception>
    /// <exception cref="InvalidOperationException">A bug: an encrypted snapshot's file opened without its data key.</exception>
    public static async Task<SnapshotFileReader> OpenAsync(
        ISnapshotRepository repository, SnapshotManifest manifest, ManifestFile file, DataKey? dataKey, CancellationToken ct)
    {
        var path = manifest.StoredUnder + file.Path;
        var name = $"{manifest.Id}/{path}";
        // A reader that forgot the key would report the ciphertext as a damaged file (it once did, for a cluster's oplogs).
        if (manifest.Encryption is not null && dataKey is null)
            throw new InvalidOperationException($"{name} is encrypted, and was opened to be read without its snapshot's data key.");
        Stream opened;
        try { opened = await repository.OpenReadAsync(manifest.Id, path, ct); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // Damage to this file alone: the namespace it belongs to fails, named (or the restore still ends with its result).
            throw new CorruptDumpException(name, $"the file its manifest lists is missing from {repository.Location}: it was removed after " +
                "the backup (or while this read the snapshot)", e);
        }
        var verifying = new VerifyingReadStream(opened, file, name);
        Stream stored = dataKey is null
            ? verifying
            : new DecryptingStream(verifying, dataKey, SnapshotEncryption.FileIdentity(manifest.Id, path), name);
        return new SnapshotFileReader(verifying, stored, CompressionCodec.WrapForRead(stored, manifest.Compression), name);
    }

    /// <summary>
    /// Reads what the decompressor left (through decryption, so the end marker is authenticated too) and checks the
    /// stored bytes against the manifest's size and SHA-256.
    /// </summary>
    public async Task VerifyToEndAsync(CancellationToken ct)
    {
        if (!ReferenceEquals(_stored, _verifying)) await _stored.CopyToAsync(Stream.Null, ct);
        await _verifying.VerifyToEndAsync(ct);
    }

    /// <summary>Closes the chain down to the stored stream.</summary>
    public ValueTask DisposeAsync() => Content.DisposeAsync();
}
