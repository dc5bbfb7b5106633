using MongoBackup.Engine.Formats;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// The files a snapshot's manifest lists, found by their mongodump-layout path ('sales/orders.bson.gz'): a plain
/// snapshot stores each file under that path, an encrypted one under its <see cref="EncryptedLayout"/> name
/// ('sales.encrypted/orders.bson.gz.encrypted'), and one encrypted before that layout under the plain path too.
/// Whatever reads a snapshot by layout (the restore's reader, the check that each recorded namespace has its files)
/// looks files up here, so both namings are read alike.
/// </summary>
public sealed class LayoutFiles
{
    private readonly Dictionary<string, ManifestFile> _byLayoutPath = new(StringComparer.Ordinal);
    private readonly bool _encryptedNames;

    public LayoutFiles(SnapshotManifest manifest)
    {
        _encryptedNames = manifest.Encryption is not null && manifest.Files.Any(f => f.Path.EndsWith(EncryptedLayout.Suffix, StringComparison.Ordinal));
        // A damaged manifest may list one file under both namings: the first listed is the one read.
        foreach (var file in manifest.Files) _byLayoutPath.TryAdd(LayoutPathOf(file.Path), file);
    }

    /// <summary>The listed file a backup wrote at <paramref name="layoutPath"/>; null when the manifest lists none.</summary>
    public ManifestFile? Find(string layoutPath) => _byLayoutPath.GetValueOrDefault(layoutPath);

    /// <summary>The mongodump-layout path of a listed file.</summary>
    public string LayoutPathOf(string storedPath) => _encryptedNames ? EncryptedLayout.PlainOf(storedPath) : storedPath;

    /// <summary>Where this snapshot would store the file of <paramref name="layoutPath"/>: the name to show when it is missing.</summary>
    public string StoredPathOf(string layoutPath) => _encryptedNames ? EncryptedLayout.Of(layoutPath) : layoutPath;
}
