using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Tests.Repository;

public class ScopeCoverageTests
{
    private static SnapshotScope Scope(string[]? databases = null, string[]? collections = null, string[]? excludeCollections = null,
        string[]? namespaces = null, string[]? excludeDatabases = null) =>
        SnapshotScope.From(new NamespaceFilter(databases, collections, excludeCollections, namespaces, excludeDatabases: excludeDatabases));

    private static bool Covers(SnapshotScope scope, string[]? databases = null, string[]? collections = null, string[]? excludeCollections = null,
        string[]? namespaces = null) =>
        ScopeCoverage.Covers(scope, new NamespaceFilter(databases, collections, excludeCollections, namespaces));

    [Fact]
    public void A_whole_scope_covers_every_restore()
    {
        Assert.True(Covers(SnapshotScope.Whole));
        Assert.True(Covers(SnapshotScope.Whole, databases: ["created_later*"]));
        Assert.True(Covers(SnapshotScope.Whole, collections: ["anything"]));
    }

    [Fact]
    public void Databases_named_exactly_are_covered_by_a_scope_that_takes_them_whole()
    {
        var abc = Scope(databases: ["a", "b", "c"]);
        Assert.True(Covers(abc, databases: ["a"]));
        Assert.True(Covers(abc, databases: ["a", "c"]));
        Assert.True(Covers(abc, databases: ["a"], collections: ["new_collection"]));
        Assert.True(Covers(abc, namespaces: ["a.orders"]));
        Assert.True(Covers(abc, namespaces: ["a.*"]));
        Assert.True(Covers(abc, collections: ["b.orders"]));
        Assert.False(Covers(abc, databases: ["a", "d"]));
        Assert.False(Covers(Scope(databases: ["b"]), databases: ["a"]));
        Assert.True(Covers(Scope(databases: ["sales*"]), databases: ["sales_eu"]));
    }

    [Fact]
    public void Patterns_are_covered_only_by_the_same_pattern_or_by_every_database()
    {
        Assert.True(Covers(Scope(databases: ["sales*"]), databases: ["sales*"]));
        Assert.False(Covers(Scope(databases: ["sales*"]), databases: ["sal*"]));
        Assert.False(Covers(Scope(databases: ["a", "b"]), databases: ["[ab]"]));
        // Patterns are never compared with each other, only matched against exact names: conservative, never wrong.
        Assert.False(Covers(Scope(excludeDatabases: ["scratch"]), databases: ["sales*"]));
        Assert.True(Covers(Scope(excludeDatabases: ["scratch"]), databases: ["sales"]));
        Assert.False(Covers(Scope(excludeDatabases: ["scratch"]), databases: ["scratch"]));
        Assert.False(Covers(Scope(databases: ["a"]), namespaces: ["*.orders"]));
        Assert.False(Covers(Scope(databases: ["a"]), collections: ["orders"])); // a collection name alone means every database's
    }

    [Fact]
    public void A_scope_narrowed_to_collections_covers_only_those_collections_named_exactly()
    {
        var orders = Scope(databases: ["shop"], collections: ["orders"]);
        Assert.False(Covers(orders, databases: ["shop"]));
        Assert.True(Covers(orders, databases: ["shop"], collections: ["orders"]));
        Assert.True(Covers(orders, namespaces: ["shop.orders"]));
        Assert.False(Covers(orders, databases: ["shop"], collections: ["order*"]));
        Assert.False(Covers(orders, namespaces: ["shop.*"]));
        Assert.True(Covers(orders, databases: ["shop"], collections: ["orders"], excludeCollections: ["x"]));
    }

    [Fact]
    public void What_a_scope_leaves_out_the_restore_must_leave_out_too()
    {
        var noLogs = Scope(excludeCollections: ["logs*"]);
        Assert.False(Covers(noLogs, databases: ["shop"]));
        Assert.True(Covers(noLogs, databases: ["shop"], excludeCollections: ["logs*"]));
        Assert.True(Covers(noLogs, databases: ["shop"], collections: ["orders"]));
        Assert.False(Covers(noLogs, databases: ["shop"], collections: ["logs1"]));
        Assert.False(Covers(noLogs));
        Assert.True(Covers(noLogs, excludeCollections: ["logs*"]));
    }

    [Fact]
    public void A_restore_of_everything_is_covered_only_by_a_scope_of_every_database()
    {
        Assert.False(Covers(Scope(databases: ["a", "b", "c"])));
        Assert.False(Covers(Scope(excludeDatabases: ["scratch"])));
        Assert.True(ScopeCoverage.IsUnfiltered(new NamespaceFilter(excludeCollections: ["tmp"])));
        Assert.False(ScopeCoverage.IsUnfiltered(new NamespaceFilter(databases: ["a"])));
        Assert.True(ScopeCoverage.PinsNoDatabase(new NamespaceFilter(collections: ["orders"])));
        Assert.False(ScopeCoverage.PinsNoDatabase(new NamespaceFilter(collections: ["shop.orders"])));
        Assert.False(ScopeCoverage.PinsNoDatabase(new NamespaceFilter(namespaceInclude: ["shop.*"])));
    }

    [Fact]
    public void A_scope_contains_another_when_it_takes_everything_the_other_takes()
    {
        var abc = Scope(databases: ["a", "b", "c"]);
        var b = Scope(databases: ["b"]);
        Assert.True(ScopeCoverage.Contains(abc, b));
        Assert.False(ScopeCoverage.Contains(b, abc));
        Assert.True(ScopeCoverage.Contains(SnapshotScope.Whole, abc));
        Assert.False(ScopeCoverage.Contains(abc, SnapshotScope.Whole));
        Assert.True(ScopeCoverage.Contains(abc, Scope(databases: ["c", "b", "a"])));
        Assert.True(ScopeCoverage.Contains(Scope(databases: ["shop"]), Scope(databases: ["shop"], collections: ["orders"])));
    }
}
