using MongoBackup.Engine.Formats;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// How a snapshot's stored file names stand for mongodump-layout paths ('sales/orders.bson.gz'): a plain snapshot stores
/// each file under that path, an encrypted one under its <see cref="EncryptedLayout"/> name
/// ('sales.encrypted/orders.bson.gz.encrypted'), and one encrypted before that layout under the plain path too.
/// Whatever places a file by layout (<see cref="ManifestBinding"/>, which binds files to their namespaces and checks
/// them; the database folder a metadata file sits in) reads its layout path here, so every naming is read alike.
/// </summary>
public static class LayoutFiles
{
    /// <summary>
    /// The mongodump-layout path of a stored path: an encrypted name's plain path, a plain path as it is. Only the
    /// encrypted layout ends a name in ".encrypted": every mongodump file name ends in .bson, .json or .bsn (then .gz or
    /// .zst), so the two namings cannot be taken for each other.
    /// </summary>
    public static string LayoutPathOf(string storedPath) => EncryptedLayout.PlainOf(storedPath);

    /// <summary>Whether a stored path is under the encrypted layout's names.</summary>
    public static bool IsEncryptedName(string storedPath) => storedPath.EndsWith(EncryptedLayout.Suffix, StringComparison.Ordinal);

    /// <summary>
    /// Where <paramref name="manifest"/>'s snapshot would store the file of <paramref name="layoutPath"/>: the name to
    /// show when the manifest lists none there (under the encrypted names when it keeps its files so).
    /// </summary>
    public static string StoredPathOf(SnapshotManifest manifest, string layoutPath) =>
        manifest.Encryption is not null && manifest.Files.Any(f => IsEncryptedName(f.Path)) ? EncryptedLayout.Of(layoutPath) : layoutPath;
}
