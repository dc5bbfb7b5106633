namespace MongoBackup.Engine.Tests.Model;

public class SnapshotScopeTests
{
    [Fact]
    public void A_partial_backups_scope_is_kept_in_the_manifest_and_covers_what_its_filter_took()
    {
        var manifest = SnapshotManifestTests.Sample();
        manifest.Scope = SnapshotScope.From(new NamespaceFilter(databases: ["shop", "b*"], excludeCollections: ["tmp*"]));
        manifest.CopyOnly = true;

        var back = SnapshotManifest.Deserialize(manifest.Serialize(), "manifest.json");

        Assert.False(back.EffectiveScope.IsWhole);
        Assert.True(back.CopyOnly);
        Assert.Equal(["b*", "shop"], back.EffectiveScope.Databases);
        Assert.True(back.EffectiveScope.Covers("shop", "orders"));
        Assert.True(back.EffectiveScope.Covers("billing", "created_later"));
        Assert.False(back.EffectiveScope.Covers("shop", "tmp1"));
        Assert.False(back.EffectiveScope.Covers("prod", "victim"));
        Assert.Equal("databases b*, shop; excluding collections tmp*", back.EffectiveScope.ToString());
    }

    [Fact]
    public void A_manifest_without_a_scope_reads_as_whole_and_a_whole_backup_records_an_empty_scope()
    {
        var manifest = SnapshotManifestTests.Sample();
        Assert.Null(manifest.Scope);
        Assert.True(manifest.EffectiveScope.IsWhole);

        var whole = SnapshotScope.From(NamespaceFilter.Everything);
        Assert.True(whole.IsWhole);
        Assert.True(whole.Covers("anything", "at_all"));
        Assert.False(whole.Covers("admin", "system.users"));
        Assert.Equal("all databases", whole.ToString());
    }

    [Fact]
    public void Excluded_databases_are_outside_the_scope()
    {
        var scope = SnapshotScope.From(new NamespaceFilter(excludeDatabases: ["scratch*"]));
        Assert.False(scope.IsWhole);
        Assert.False(scope.Covers("scratch1", "a"));
        Assert.True(scope.Covers("shop", "a"));
        Assert.True(scope.SameAs(SnapshotScope.From(new NamespaceFilter(excludeDatabases: ["scratch*"]))));
        Assert.False(scope.SameAs(SnapshotScope.Whole));
    }
}
