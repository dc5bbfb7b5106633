using MongoBackup.Engine.Security;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>
/// How far Test-MongoSnapshot can trust a manifest itself: a sealed one is proven unchanged by its seal (or found
/// altered); any other is only checked for holding together with its files, and the result says so.
/// </summary>
internal static class ManifestTrust
{
    public static void Judge(SnapshotManifest manifest, DataKey? dataKey, SnapshotVerification result)
    {
        if (manifest.Encryption is null)
            result.Unchecked.Add($"manifest.json is not authenticated (the snapshot is not encrypted, so there is no key to seal it with): " +
                "its files are checked against it, but someone who can rewrite it and its files' SHA-256 could change anything unseen.");
        else if (dataKey is null)
            result.Unchecked.Add("The manifest's seal was not checked: no key was given.");
        else if (ManifestSealer.Problem(manifest, dataKey, dataKey.SealsManifest) is { } altered)
            result.Problems.Add(altered);
        else if (manifest.Seal is null)
            result.Unchecked.Add("The manifest is not sealed (written before manifests were): nothing proves it unchanged. " +
                "Update-MongoSnapshotKey seals it when it re-wraps its key.");
        if (manifest.Integrity < 1)
            result.Unchecked.Add("The manifest was written before files were bound to their namespaces: files were matched to namespaces by " +
                (manifest.Kind == SnapshotKind.Full ? "their names, and the count of the oplog entries saved was not checked." : "their names."));
    }
}
