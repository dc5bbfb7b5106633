namespace MongoBackup.Engine.Formats;

/// <summary>
/// Where an encrypted snapshot keeps its files: each database folder and each file name ends in ".encrypted"
/// ("sales.encrypted/orders.bson.gz.encrypted", "oplog.bson.encrypted"), so no stock tool takes ciphertext for a dump.
/// mongorestore refuses such a folder outright ("illegal character '.' found in db name", mongo-tools
/// common/util/mongo.go ValidateDBName) before it restores anything, and skips such files by name; bsondump is not
/// tempted either. A real database name cannot contain '.', so the folder name cannot clash with one.
/// </summary>
public static class EncryptedLayout
{
    /// <summary>Appended to each database folder and file name of an encrypted snapshot.</summary>
    public const string Suffix = ".encrypted";

    /// <summary>The stored path of a file that a plain snapshot keeps at <paramref name="plainPath"/> ('/' separators).</summary>
    public static string Of(string plainPath)
    {
        var slash = plainPath.IndexOf('/');
        return slash < 0 ? plainPath + Suffix : $"{plainPath[..slash]}{Suffix}/{plainPath[(slash + 1)..]}{Suffix}";
    }

    /// <summary>The (escaped) database name a snapshot's database folder stands for, encrypted or not.</summary>
    public static string DatabaseFolder(string folder) =>
        folder.EndsWith(Suffix, StringComparison.Ordinal) ? folder[..^Suffix.Length] : folder;

    /// <summary>The mongodump-layout path of a stored path: the inverse of <see cref="Of"/>; a plain path is returned as it is.</summary>
    public static string PlainOf(string storedPath)
    {
        if (!storedPath.EndsWith(Suffix, StringComparison.Ordinal)) return storedPath;
        var file = storedPath[..^Suffix.Length];
        var slash = file.IndexOf('/');
        return slash < 0 ? file : $"{DatabaseFolder(file[..slash])}/{file[(slash + 1)..]}";
    }
}
