namespace MongoBackup.Engine.Tests.Model;

/// <summary>
/// Which namespaces -Database, -Collection, -ExcludeDatabase, -ExcludeCollection, -NamespaceInclude and -NamespaceExclude
/// take, as a backup or restore applies them (the pattern syntaxes themselves are in <see cref="NamespacePatternTests"/>).
/// </summary>
public sealed class NamespaceFilterTests
{
    private static readonly (string Database, string Collection)[] Server =
    [
        ("admin", "system.version"), ("admin", "audit"), ("local", "oplog.rs"), ("config", "system.sessions"),
        ("sales", "orders"), ("sales", "orders_2024"), ("sales", "customers"), ("Sales", "orders"), ("hr", "people"),
    ];

    private static List<string> Taken(NamespaceFilter filter) =>
        Server.Where(n => filter.Includes(n.Database, n.Collection)).Select(n => n.Database + "." + n.Collection).ToList();

    [Fact]
    public void With_no_filter_every_database_but_local_and_config_is_taken_admin_as_mongodump_takes_it() =>
        // mongodump without --db dumps admin's collections and mongorestore --dir restores them (mongodump/prepare.go skips
        // only local, and admin.system.keys); admin's auth collections never, they are the users and roles step's.
        Assert.Equal(["admin.audit", "sales.orders", "sales.orders_2024", "sales.customers", "Sales.orders", "hr.people"],
            Taken(NamespaceFilter.Everything));

    [Fact]
    public void Local_and_config_are_taken_only_when_named_exactly_admin_also_by_star_not_through_another_wildcard()
    {
        Assert.Equal(["admin.audit"], Taken(new NamespaceFilter(databases: ["admin"])));
        Assert.Contains("admin.audit", Taken(new NamespaceFilter(databases: ["*"])));
        Assert.DoesNotContain("local.oplog.rs", Taken(new NamespaceFilter(databases: ["*"])));
        Assert.DoesNotContain("admin.audit", Taken(new NamespaceFilter(databases: ["a*"])));
        Assert.Equal(["local.oplog.rs"], Taken(new NamespaceFilter(databases: ["local", "l*"])));
        Assert.Equal(["config.system.sessions"], Taken(new NamespaceFilter(databases: ["config", "c*"])));
    }

    [Fact]
    public void A_collection_pattern_naming_a_database_takes_it_local_and_config_too_and_a_bare_name_takes_admins()
    {
        Assert.Equal(["admin.audit"], Taken(new NamespaceFilter(collections: ["admin.audit"])));
        Assert.Equal(["admin.audit"], Taken(new NamespaceFilter(collections: ["audit"])));
        Assert.Equal(["config.system.sessions"], Taken(new NamespaceFilter(collections: ["config.system.sessions"])));
        Assert.Empty(Taken(new NamespaceFilter(collections: ["system.sessions"])));
    }

    [Fact]
    public void Every_namespace_takes_local_and_config_as_well_for_the_messages_naming_what_a_source_holds() =>
        Assert.Equal(Server.Skip(1).Select(n => n.Database + "." + n.Collection), Taken(NamespaceFilter.EveryNamespace));

    [Fact]
    public void A_namespace_include_naming_a_system_database_takes_it_without_a_database_pattern() =>
        Assert.Equal(["admin.audit"], Taken(new NamespaceFilter(namespaceInclude: ["admin.audit"])));

    [Fact]
    public void Database_patterns_are_case_sensitive_wildcards_and_an_exclusion_wins_over_an_inclusion()
    {
        Assert.Equal(["sales.orders", "sales.orders_2024", "sales.customers"], Taken(new NamespaceFilter(databases: ["sales"])));
        Assert.Equal(["sales.orders", "sales.orders_2024", "sales.customers", "hr.people"], Taken(new NamespaceFilter(databases: ["[sh]*"])));
        Assert.Equal(["admin.audit", "Sales.orders", "hr.people"], Taken(new NamespaceFilter(databases: ["*"], excludeDatabases: ["sales"])));
        Assert.Empty(Taken(new NamespaceFilter(databases: ["hr"], excludeDatabases: ["h?"])));
        Assert.False(new NamespaceFilter(excludeDatabases: ["hr"]).IncludesDatabase("hr"));
    }

    [Fact]
    public void Collection_patterns_match_the_collection_name_or_the_whole_namespace()
    {
        Assert.Equal(["sales.orders", "sales.orders_2024", "Sales.orders"], Taken(new NamespaceFilter(collections: ["orders*"])));
        Assert.Equal(["sales.orders", "sales.orders_2024"], Taken(new NamespaceFilter(collections: ["sales.order*"])));
        Assert.Equal(["admin.audit", "sales.customers", "hr.people"], Taken(new NamespaceFilter(excludeCollections: ["orders*"])));
        Assert.Equal(["sales.orders", "sales.customers", "Sales.orders"],
            Taken(new NamespaceFilter(databases: ["?ales"], excludeCollections: ["sales.orders_2024"])));
    }

    [Fact]
    public void Namespace_include_and_exclude_narrow_what_the_other_patterns_take()
    {
        Assert.Equal(["sales.orders", "sales.orders_2024"], Taken(new NamespaceFilter(namespaceInclude: ["sales.orders*"])));
        Assert.Equal(["sales.orders"], Taken(new NamespaceFilter(namespaceInclude: ["sales.orders*"], namespaceExclude: ["*_2024"])));
        Assert.Empty(Taken(new NamespaceFilter(databases: ["hr"], namespaceInclude: ["sales.*"])));
        // '?' is a plain character in mongorestore's syntax, unlike in -Database.
        Assert.Empty(Taken(new NamespaceFilter(namespaceInclude: ["?ales.orders"])));
    }

    [Fact]
    public void A_pattern_that_is_exactly_an_existing_name_means_that_name_only()
    {
        (string, string)[] present = [("shop", "log[2024]"), ("shop", "log2"), ("shop", "logs")];
        var filter = new NamespaceFilter(collections: ["log[2024]"]);

        Assert.True(filter.Includes("shop", "log2"), "read as a wildcard, 'log[2024]' matches log2");
        var exact = filter.PreferringExactNames(present);
        Assert.Equal(["shop.log[2024]"], present.Where(n => exact.Includes(n.Item1, n.Item2)).Select(n => n.Item1 + "." + n.Item2));
        // Where no such name exists, the pattern stays a wildcard.
        Assert.True(filter.PreferringExactNames([("shop", "log2")]).Includes("shop", "log2"));
    }

    [Fact]
    public void An_include_pattern_holding_a_dollar_is_refused_when_the_filter_is_made()
    {
        var error = Assert.Throws<MongoBackupException>(() => new NamespaceFilter(namespaceInclude: ["sales.$x$"]));
        Assert.Equal(ErrorIds.InvalidArgument, error.ErrorId);
        Assert.Contains("'sales.$x$'", error.Message);
    }
}
