using System.Text.Json.Nodes;
using MongoBackup.Engine.Security;
using MongoBackup.Engine.Tests.Model;

namespace MongoBackup.Engine.Tests.Security;

/// <summary>A seal survives any re-layout of manifest.json and fails on any change to a name or a value.</summary>
public sealed class ManifestSealerTests
{
    private static (SnapshotManifest Sealed, DataKey Key) Sealed()
    {
        var key = DataKey.Generate();
        var manifest = SnapshotManifestTests.Sample();
        ManifestSealer.Seal(manifest, key);
        return (manifest, key);
    }

    private static SnapshotManifest Reread(string json) => SnapshotManifest.Deserialize(json, "manifest.json");

    [Fact]
    public void A_sealed_manifest_read_back_proves_unchanged_even_reindented_and_reordered()
    {
        var (manifest, key) = Sealed();
        using var _ = key;
        Assert.Null(ManifestSealer.Problem(Reread(manifest.Serialize()), key, sealRequired: true));

        var compact = JsonNode.Parse(manifest.Serialize())!.ToJsonString();
        Assert.Null(ManifestSealer.Problem(Reread(compact), key, sealRequired: true));

        var reordered = new JsonObject(JsonNode.Parse(manifest.Serialize())!.AsObject().Reverse()
            .Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
        Assert.Null(ManifestSealer.Problem(Reread(reordered.ToJsonString()), key, sealRequired: true));
    }

    [Theory]
    [InlineData("namespaces", "documents", 1201)]
    [InlineData("files", "size", 1)]
    [InlineData("files", "path", "shop/other.bson.gz")]
    public void Any_changed_value_fails_the_seal(string array, string field, object value)
    {
        var (manifest, key) = Sealed();
        using var _ = key;
        var json = JsonNode.Parse(manifest.Serialize())!.AsObject();
        json[array]![0]![field] = JsonValue.Create(value);

        Assert.Contains("does not match its seal", ManifestSealer.Problem(Reread(json.ToJsonString()), key, sealRequired: true));
    }

    [Fact]
    public void A_property_written_twice_has_no_canonical_form_and_fails_the_seal_instead_of_crashing()
    {
        var (manifest, key) = Sealed();
        using var _ = key;
        // The fuzzer's find: damage left a file entry with "size" twice; the reader takes the last, the seal can take neither.
        var json = manifest.Serialize();
        var at = json.IndexOf("\"size\":", StringComparison.Ordinal);
        var doubled = json.Insert(at, "\"size\": 60,\n");

        Assert.Contains("cannot be put in canonical form", ManifestSealer.Problem(Reread(doubled), key, sealRequired: true));
    }

    [Fact]
    public void Another_snapshots_key_fails_and_a_removed_seal_is_seen_when_the_wrap_says_it_was_sealed()
    {
        var (manifest, key) = Sealed();
        using var _ = key;
        using var other = DataKey.Generate();
        Assert.Contains("does not match its seal", ManifestSealer.Problem(Reread(manifest.Serialize()), other, sealRequired: true));

        manifest.Seal = null;
        Assert.Contains("lost its seal", ManifestSealer.Problem(Reread(manifest.Serialize()), key, sealRequired: true));
        Assert.Null(ManifestSealer.Problem(Reread(manifest.Serialize()), key, sealRequired: false));
    }

    [Fact]
    public void A_manifest_naming_a_property_twice_is_a_problem_named_as_such_not_a_crash()
    {
        // Found by the dump fuzzer: a deletion that joined two objects left "kind" twice in one of them.
        var (manifest, key) = Sealed();
        using var _ = key;
        var json = manifest.Serialize();
        var twice = "{\"id\": " + JsonValue.Create(manifest.Id).ToJsonString() + "," + json.TrimStart()[1..];

        var problem = ManifestSealer.Problem(Reread(twice), key, sealRequired: true);

        Assert.NotNull(problem);
        Assert.Contains("cannot be put in canonical form", problem);
        Assert.Contains("names a property twice", problem);
    }
}
