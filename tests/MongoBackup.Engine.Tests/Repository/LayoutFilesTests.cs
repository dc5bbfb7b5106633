using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Repository;
using static MongoBackup.Engine.Tests.Housekeeping.SnapshotHistory;

namespace MongoBackup.Engine.Tests.Repository;

/// <summary>
/// The binding of each file to its namespace, and the check that each namespace a manifest records has its files, on the
/// namings a snapshot can have: plain, encrypted under the encrypted names ('shop.encrypted/items.bson.gz.encrypted'),
/// and encrypted under the plain names, as snapshots encrypted before that layout were.
/// </summary>
public sealed class LayoutFilesTests
{
    private static readonly ManifestEncryption Encrypted = new("AES-256-GCM", "fp", "wrapped");

    private static SnapshotManifest Manifest(bool encrypted, bool encryptedNames)
    {
        var manifest = Full("20260101T000000Z-full-enc1", 100);
        manifest.Compression = Compression.Gzip;
        manifest.Encryption = encrypted ? Encrypted : null;
        // Its consistency point's wall time is its oplog second's, as a backup records it, so the manifest holds together.
        manifest.ConsistentAt = manifest.ConsistentAt! with { WallTime = manifest.ConsistentAt.Timestamp.WallTime };
        manifest.Namespaces.Add(new ManifestNamespace("shop", "items", "collection", 1, 1));
        foreach (var (path, kind) in new[]
                 {
                     (DumpLayout.MetadataFile("shop", "items", Compression.Gzip), ManifestFileKind.Metadata),
                     (DumpLayout.DataFile("shop", "items", Compression.Gzip), ManifestFileKind.Data),
                     (DumpLayout.OplogFile(Compression.Gzip), ManifestFileKind.Oplog),
                 })
            manifest.Files.Add(new ManifestFile(encryptedNames ? EncryptedLayout.Of(path) : path, 1, new string('0', 64), kind));
        return manifest;
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(true, false)]
    public void Every_recorded_file_is_bound_to_its_namespace_by_its_layout_path_whatever_the_naming(bool encrypted, bool encryptedNames)
    {
        var manifest = Manifest(encrypted, encryptedNames);
        // Read as an older manifest (bound from its paths), then as a backup commits it (the binding recorded per file).
        Assert.True(ManifestChecks.Problems(manifest).Count == 0, string.Join("\n", ManifestChecks.Problems(manifest)));
        manifest.Files = ManifestBinding.Bind(manifest.Files, manifest.Namespaces, manifest.Compression);

        Assert.Equal(["shop.items", "shop.items", null], manifest.Files.Select(f => f.Namespace));
        Assert.True(ManifestChecks.Problems(manifest).Count == 0, string.Join("\n", ManifestChecks.Problems(manifest)));
        Assert.Equal("shop/items.metadata.json.gz", LayoutFiles.LayoutPathOf(manifest.Files[0].Path));
        Assert.Equal("oplog.bson", LayoutFiles.LayoutPathOf(manifest.Files[2].Path));
    }

    [Fact]
    public void A_lost_data_file_of_an_encrypted_snapshot_is_named_as_the_snapshot_stores_it()
    {
        var manifest = Manifest(encrypted: true, encryptedNames: true);
        manifest.Files.RemoveAll(f => f.Kind == ManifestFileKind.Data);

        var problem = Assert.Single(ManifestChecks.Check(manifest).OfNamespace["shop.items"]);

        Assert.Contains("records the collection shop.items but lists no data file for it ('shop.encrypted/items.bson.gz.encrypted'", problem);
    }

    [Fact]
    public void A_file_under_an_encrypted_name_in_a_plain_manifest_fails_its_namespace()
    {
        var manifest = Manifest(encrypted: false, encryptedNames: true);

        var problems = ManifestChecks.Check(manifest);

        Assert.Contains(problems.OfNamespace["shop.items"], p => p.Contains("lists 'shop.encrypted/items.bson.gz.encrypted' under an encrypted name, but the snapshot is not encrypted"));
    }

    [Theory]
    [InlineData("shop.encrypted/items.bson.gz.encrypted", "shop/items.bson.gz")]
    [InlineData("oplog.bson.encrypted", "oplog.bson")]
    [InlineData("shop/items.bson.gz", "shop/items.bson.gz")]
    public void PlainOf_undoes_Of(string stored, string plain)
    {
        Assert.Equal(plain, EncryptedLayout.PlainOf(stored));
        if (stored != plain) Assert.Equal(stored, EncryptedLayout.Of(plain));
    }
}
