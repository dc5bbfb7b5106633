using System.Security.Cryptography;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Tests.Support;

/// <summary>Tampering that knows the format: makes a snapshot's manifest record a file's new bytes (its size and SHA-256).</summary>
public static class ManifestSeal
{
    public static void Reseal(string manifestPath, string path, byte[] stored)
    {
        var manifest = SnapshotManifest.Deserialize(File.ReadAllText(manifestPath), manifestPath);
        var index = manifest.Files.FindIndex(f => f.Path == path);
        manifest.Files[index] = manifest.Files[index] with
        {
            Size = stored.Length, Sha256 = Convert.ToHexString(SHA256.HashData(stored)).ToLowerInvariant(),
        };
        File.WriteAllText(manifestPath, manifest.Serialize());
    }
}
