using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Restore;

namespace MongoBackup.Engine.Tests.Restore;

/// <summary>
/// Which namespaces of a dump a restore takes and where they go: filters on the dump's names, renames after, users and
/// roles and the server's own system collections never restored as collections, collections before views.
/// </summary>
public sealed class RestorePlannerTests
{
    private static readonly DumpNamespace[] Dump =
    [
        Ns("admin", "system.users"), Ns("admin", "system.version"), Ns("admin", "settings"),
        Ns("sales", "orders"), Ns("sales", "system.js"), Ns("sales", "system.profile"), Ns("sales", "$admin.system.roles"),
        Ns("sales", "big_orders", CollectionMetadata.ViewType), Ns("sales", "weather", CollectionMetadata.TimeseriesType),
        Ns("sales", "customers"), Ns("shop", "log[2024]"), Ns("shop", "log2"),
    ];

    private static IReadOnlyList<PlannedNamespace> Plan(NamespaceFilter filter, NamespaceMap? map = null) =>
        RestorePlanner.Plan(new ListedDump(Dump), filter, map ?? NamespaceMap.Identity);

    [Fact]
    public void Users_roles_and_the_servers_own_system_collections_are_never_planned_as_collections()
    {
        var planned = Plan(new NamespaceFilter(databases: ["admin", "sales"])).Select(p => p.SourceNamespace).ToList();

        Assert.Equal(["admin.settings", "sales.customers", "sales.orders", "sales.system.js", "sales.weather", "sales.big_orders"], planned);
    }

    [Fact]
    public void Collections_come_before_views_so_a_views_source_exists_first()
    {
        var planned = Plan(new NamespaceFilter(databases: ["sales"]));

        Assert.Equal("sales.big_orders", planned[^1].SourceNamespace);
        Assert.True(planned[^1].IsView);
        Assert.All(planned.SkipLast(1), p => Assert.False(p.IsView));
    }

    [Fact]
    public void Filters_apply_to_the_dumps_names_and_renames_after_them()
    {
        var map = new NamespaceMap().AddDatabaseRename("sales", "sales_check");

        var planned = Plan(new NamespaceFilter(collections: ["sales.weather", "sales.orders"]), map);

        Assert.Equal([("sales.orders", "sales_check.orders"), ("sales.weather", "sales_check.weather")],
            planned.Select(p => (p.SourceNamespace, p.TargetNamespace)));
        var weather = planned.Single(p => p.IsTimeseries);
        Assert.Equal("system.buckets.weather", weather.DataCollection);
        Assert.Equal("timeseries", weather.Type);
    }

    [Fact]
    public void A_pattern_that_is_exactly_a_name_in_the_dump_means_that_name()
    {
        Assert.Equal(["shop.log[2024]"], Plan(new NamespaceFilter(collections: ["log[2024]"])).Select(p => p.SourceNamespace));
        Assert.Equal(["shop.log2"], Plan(new NamespaceFilter(collections: ["log[0-9]"])).Select(p => p.SourceNamespace));
    }

    [Fact]
    public void A_rename_to_a_name_without_a_dot_is_refused_naming_both()
    {
        var broken = new NamespaceMap().Add("sales.*", "*");

        var error = Assert.Throws<MongoBackupException>(() => Plan(new NamespaceFilter(databases: ["sales"]), broken));

        Assert.Equal(ErrorIds.InvalidArgument, error.ErrorId);
        Assert.Equal("The namespace map sends 'sales.orders' to 'orders', which is not a database.collection name.", error.Message);
    }

    private static DumpNamespace Ns(string database, string collection, string type = CollectionMetadata.CollectionType) =>
        new(database, collection, new CollectionMetadata { CollectionName = collection, Type = type }, $"{database}/{collection}.bson");
}
