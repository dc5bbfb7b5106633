using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Integration;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Model;

/// <summary>
/// -NamespaceInclude/-NamespaceExclude/-NamespaceMap follow mongorestore's --nsInclude/--nsFrom syntax (mongo-tools
/// mongorestore/ns): '*' is the only wildcard, '\' escapes; -Database/-Collection keep PowerShell wildcards, but a
/// pattern that is exactly an existing name means that name.
/// </summary>
public sealed class NamespacePatternTests
{
    [Theory]
    [InlineData("shop.log[2024]", "shop.log[2024]", true)]
    [InlineData("shop.log[2024]", "shop.log2", false)]
    [InlineData("shop.log?", "shop.log2", false)]
    [InlineData("shop.log?", "shop.log?", true)]
    [InlineData("*.user*", "stuff.users", true)]
    [InlineData("*.*", "stuff", false)]
    [InlineData("*.*", "prod.turbo.encabulators", true)]
    [InlineData(@"pr\*d.*", "pr*d.magic", true)]
    [InlineData(@"pr\*d.*", "prod.magic", false)]
    [InlineData(@"pr\*d\.*", @"pr*d\.magic", false)]
    [InlineData(@"pr\*d\.*", "pr*d.magic", true)]
    [InlineData(@"a\\b.*", @"a\b.c", true)]
    [InlineData("shop.(x)|y+", "shop.(x)|y+", true)]
    [InlineData("restaurants.cafés", "restaurants.cafés", true)]
    public void Include_patterns_match_as_mongorestore_does(string pattern, string ns, bool matches) =>
        Assert.Equal(matches, NamespacePattern.ForMatching(pattern).IsMatch(ns));

    [Fact]
    public void A_dollar_in_an_include_pattern_is_refused_as_mongorestore_refuses_it()
    {
        var error = Assert.Throws<MongoBackupException>(() => NamespacePattern.ForMatching("*.user$"));
        Assert.Equal(ErrorIds.InvalidArgument, error.ErrorId);
        Assert.Contains("*.user$", error.Message);
    }

    [Fact]
    public void Escape_makes_a_pattern_that_matches_only_the_name()
    {
        var name = @"shop.a*b\c[1]";
        var pattern = NamespacePattern.ForMatching(NamespacePattern.Escape(name));
        Assert.True(pattern.IsMatch(name));
        Assert.False(pattern.IsMatch(@"shop.aXXb\c[1]"));
    }

    [Theory]
    [InlineData("*.*", "*_test.*", "prod.turbo.encabulators", "prod_test.turbo.encabulators")]
    [InlineData("$db$.user$$", "test.user$$_$db$", "stuff.users", "test.users_stuff")]
    [InlineData(@"pr\*d\\.*", @"st\*g\\ing.*", @"pr*d\.users", @"st*g\ing.users")]
    [InlineData("sales.*", "archive.sales_*", "sales.orders", "archive.sales_orders")]
    [InlineData("sales.*", "archive.sales_*", "other.orders", "other.orders")]
    public void Renames_follow_nsFrom_and_nsTo(string from, string to, string ns, string expected) =>
        Assert.Equal(expected, new NamespaceMap().Add(from, to).Map(ns));

    [Theory]
    [InlineData("$db$.user$db$", "test.user-$db$")]
    [InlineData("$db$.coll", "test.$other$")]
    [InlineData("a.*", "b.c")]
    [InlineData("a.b", "c.$x$")]
    public void Rename_rules_that_do_not_fit_are_refused(string from, string to) =>
        Assert.Equal(ErrorIds.InvalidArgument, Assert.Throws<MongoBackupException>(() => new NamespaceMap().Add(from, to)).ErrorId);

    [Fact]
    public void A_database_rename_takes_the_name_literally() =>
        Assert.Equal("new.c", new NamespaceMap().AddDatabaseRename("old", "new").Map("old.c"));

    [Fact]
    public async Task The_issue_input_restores_only_the_bracketed_collection()
    {
        using var dump = DumpWith("shop", "log2", "log[2024]", "logs");
        Assert.Equal(["shop.log[2024]"], await PlannedAsync(dump.Path, new NamespaceFilter(namespaceInclude: ["shop.log[2024]"])));
        Assert.Equal(["shop.log2", "shop.logs"], await PlannedAsync(dump.Path, new NamespaceFilter(namespaceExclude: ["shop.log[2024]"])));
    }

    [Fact]
    public async Task An_exact_collection_or_database_name_wins_over_its_wildcard_reading()
    {
        using var dump = DumpWith("shop", "log2", "log[2024]", "logs");
        Assert.Equal(["shop.log[2024]"], await PlannedAsync(dump.Path, new NamespaceFilter(collections: ["log[2024]"])));
        Assert.Equal(["shop.log[2024]"], await PlannedAsync(dump.Path, new NamespaceFilter(collections: ["shop.log[2024]"])));
        Assert.Equal(["shop.log2", "shop.logs"], await PlannedAsync(dump.Path, new NamespaceFilter(excludeCollections: ["log[2024]"])));
        // No collection is called that: the pattern is a wildcard again.
        Assert.Equal(["shop.log2"], await PlannedAsync(dump.Path, new NamespaceFilter(collections: ["log[0-9]"])));
        Assert.Equal(["shop.log[2024]"], await PlannedAsync(dump.Path, new NamespaceFilter(collections: [NamePattern.Escape("log[2024]")])));
    }

    private static async Task<List<string>> PlannedAsync(string path, NamespaceFilter filter) =>
        (await RestoreRunner.PlanAsync(new RestoreRequest
        {
            Connection = new ConnectionSettings { ConnectionString = "mongodb://127.0.0.1:1" }, SourcePath = path, Filter = filter,
        }, CancellationToken.None)).Select(p => p.SourceNamespace).Order(StringComparer.Ordinal).ToList();

    private static TempFolder DumpWith(string database, params string[] collections)
    {
        var dump = new TempFolder();
        Directory.CreateDirectory(Path.Combine(dump.Path, database));
        foreach (var collection in collections)
            File.WriteAllBytes(Path.Combine(dump.Path, database, MongoBackup.Engine.Formats.DumpNames.EscapeCollection(collection) + ".bson"),
                new BsonDocument("_id", 1).ToBson());
        return dump;
    }
}
