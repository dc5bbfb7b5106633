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

    /// <summary>
    /// A rename into a name mongod refuses (NamespaceString::validDBName, validCollectionName and MaxNsCollectionLen,
    /// src/mongo/db/namespace_string.h) is refused when planned, before anything is written, naming source, target and why.
    /// </summary>
    [Theory]
    [InlineData("sales.*", "sales copy.*", "sales.orders", "sales copy.orders", "cannot contain a space")]
    [InlineData("sales.*", "sales/2024.*", "sales.orders", "sales/2024.orders", "cannot contain '/'")]
    [InlineData("$db$.orders", "$db$_\"q\".orders", "sales.orders", "sales_\"q\".orders", "cannot contain '\"'")]
    [InlineData("sales.*", "sales.*.", "sales.orders", "sales.orders.", null)]
    [InlineData("sales.*", "sales..*", "sales.orders", "sales..orders", "cannot start with '.'")]
    public void A_rename_into_a_name_MongoDB_refuses_is_refused_when_planned(string from, string to, string source, string target, string? why)
    {
        var map = new NamespaceMap().Add(from, to);

        var plan = () => Plan(new NamespaceFilter(databases: ["sales"], collections: ["orders"]), map);

        if (why is null)
        {
            // A trailing '.' is a name MongoDB takes ("orders." as a collection): planned, not refused.
            Assert.Equal(target, Assert.Single(plan()).TargetNamespace);
            return;
        }
        var error = Assert.Throws<MongoBackupException>(plan);
        Assert.Equal(ErrorIds.InvalidArgument, error.ErrorId);
        Assert.StartsWith($"Cannot restore {source} into {target}: MongoDB refuses that name, ", error.Message, StringComparison.Ordinal);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was written", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rename_whose_namespace_runs_past_255_bytes_is_refused_and_a_time_series_buckets_name_counts()
    {
        var longest = new string('c', 255 - "sales.".Length);
        Assert.Equal("sales." + longest, Assert.Single(Plan(new NamespaceFilter(databases: ["sales"], collections: ["orders"]),
            new NamespaceMap().Add("sales.orders", "sales." + longest))).TargetNamespace);

        var error = Assert.Throws<MongoBackupException>(() => Plan(new NamespaceFilter(databases: ["sales"], collections: ["orders"]),
            new NamespaceMap().Add("sales.orders", "sales." + longest + "x")));
        Assert.Contains("at most 255 bytes, and this one has 256", error.Message, StringComparison.Ordinal);

        // weather is a time-series collection: its documents go to system.buckets.NAME, 15 bytes longer.
        var buckets = Assert.Throws<MongoBackupException>(() => Plan(new NamespaceFilter(databases: ["sales"], collections: ["weather"]),
            new NamespaceMap().Add("sales.weather", "sales." + new string('w', 240))));
        Assert.Contains("Cannot restore sales.weather into sales.www", buckets.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_a_rename_did_not_form_are_the_servers_own_and_not_judged_again()
    {
        // shop.log[2024] keeps its name; brackets are no concern of MongoDB's either.
        Assert.Contains(Plan(new NamespaceFilter(databases: ["shop"])), p => p.TargetNamespace == "shop.log[2024]");
    }

    [Theory]
    [InlineData("ord$ers", "a collection name cannot contain '$'")]
    [InlineData(".orders", "a collection name cannot start with '.'")]
    [InlineData("or\0ders", "a collection name cannot contain NUL")]
    [InlineData("", "a collection name cannot be empty")]
    public void Collection_names_follow_validCollectionName(string collection, string why) =>
        Assert.Equal(why, NamespaceNames.CollectionProblem(collection));

    [Theory]
    [InlineData("sales copy", "cannot contain a space")]
    [InlineData("a.b", "cannot contain '.'")]
    [InlineData("a\\b", "cannot contain '\\'")]
    [InlineData("a$b", "cannot contain '$'")]
    [InlineData("a\0b", "cannot contain NUL")]
    [InlineData("", "cannot be empty")]
    public void RenameDatabase_into_a_name_MongoDB_refuses_is_refused_as_the_map_is_built(string to, string why)
    {
        var error = Assert.Throws<MongoBackupException>(() => new NamespaceMap().AddDatabaseRename("hr", to));

        Assert.Equal(ErrorIds.InvalidArgument, error.ErrorId);
        Assert.Contains($"Cannot rename the database hr to '{to}': MongoDB refuses that name, ", error.Message, StringComparison.Ordinal);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RenameDatabase_into_a_name_of_64_bytes_is_refused_and_63_taken()
    {
        Assert.Equal(new string('d', 63) + ".c", new NamespaceMap().AddDatabaseRename("hr", new string('d', 63)).Map("hr.c"));
        var error = Assert.Throws<MongoBackupException>(() => new NamespaceMap().AddDatabaseRename("hr", new string('d', 62) + "é"));
        Assert.Contains("shorter than 64 bytes, and this one has 64", error.Message, StringComparison.Ordinal);
    }

    private static DumpNamespace Ns(string database, string collection, string type = CollectionMetadata.CollectionType) =>
        new(database, collection, new CollectionMetadata { CollectionName = collection, Type = type }, $"{database}/{collection}.bson");
    [Theory]
    [InlineData("admin.system.users", "-IncludeUsersAndRoles")]
    [InlineData("admin.system.roles", "-IncludeUsersAndRoles")]
    [InlineData("admin.system.version", "-IncludeUsersAndRoles")]
    [InlineData("sales.system.buckets.orders", "time-series collection orders")]
    [InlineData("sales.system.profile", "profiler")]
    [InlineData("sales.system.views", "view definitions")]
    [InlineData("sales.system.indexes", "names starting with 'system.'")]
    public void A_rename_into_a_system_namespace_is_refused_naming_the_target_and_why(string target, string why)
    {
        var e = Assert.Throws<MongoBackupException>(() => Plan(new NamespaceFilter(collections: ["sales.orders"]), new NamespaceMap().Add("sales.orders", target)));

        Assert.Equal(ErrorIds.InvalidArgument, e.ErrorId);
        Assert.Contains($"Cannot restore sales.orders into {target}: that is a system namespace", e.Message);
        Assert.Contains(why, e.Message);
        Assert.Contains("Nothing was written", e.Message);
    }

    [Fact]
    public void System_js_takes_an_ordinary_collection_as_mongorestore_does_but_not_a_view()
    {
        var planned = Plan(new NamespaceFilter(collections: ["sales.orders"]), new NamespaceMap().Add("sales.orders", "other.system.js"));
        Assert.Equal("other.system.js", planned.Single().TargetNamespace);
        // system.js itself renamed to another database stays what it is.
        Assert.Equal("copy.system.js", Plan(new NamespaceFilter(collections: ["sales.system.js"]), new NamespaceMap().AddDatabaseRename("sales", "copy")).Single().TargetNamespace);

        var e = Assert.Throws<MongoBackupException>(() => Plan(new NamespaceFilter(collections: ["sales.big_orders"]), new NamespaceMap().Add("sales.big_orders", "sales.system.js")));
        Assert.Contains("only an ordinary collection", e.Message);
    }

    [Fact]
    public void A_time_series_collection_renamed_into_a_system_name_is_refused_as_its_buckets_would_be_one_too()
    {
        var e = Assert.Throws<MongoBackupException>(() => Plan(new NamespaceFilter(collections: ["sales.weather"]), new NamespaceMap().Add("sales.weather", "sales.system.weather")));
        Assert.Equal(ErrorIds.InvalidArgument, e.ErrorId);
    }

    [Fact]
    public void Two_sources_renamed_onto_one_target_are_refused_naming_both_and_the_target()
    {
        var e = Assert.Throws<MongoBackupException>(() => Plan(new NamespaceFilter(databases: ["sales"]),
            new NamespaceMap().Add("sales.orders", "m.all").Add("sales.customers", "m.all")));

        Assert.Equal(ErrorIds.InvalidArgument, e.ErrorId);
        Assert.Contains("both sales.customers and sales.orders into m.all", e.Message);
        Assert.Equal("m.all", e.Target);
    }

    [Fact]
    public void Two_databases_renamed_onto_one_are_refused_where_they_share_a_collection_name_only()
    {
        DumpNamespace[] dump = [Ns("a", "orders"), Ns("a", "x"), Ns("b", "orders"), Ns("b", "y")];
        var map = new NamespaceMap().AddDatabaseRename("a", "c").AddDatabaseRename("b", "c");

        var e = Assert.Throws<MongoBackupException>(() => RestorePlanner.Plan(new ListedDump(dump), NamespaceFilter.Everything, map));
        Assert.Contains("both a.orders and b.orders into c.orders", e.Message);
        Assert.Equal(["c.x", "c.y"], RestorePlanner.Plan(new ListedDump(dump), new NamespaceFilter(collections: ["x", "y"]), map).Select(p => p.TargetNamespace));
    }

    [Fact]
    public void A_namespace_map_rule_a_database_rename_shadows_is_refused_naming_both_rules()
    {
        var map = new NamespaceMap().AddDatabaseRename("sales", "t").Add("sales.orders", "t.orders_2025");

        var e = Assert.Throws<MongoBackupException>(() => Plan(new NamespaceFilter(databases: ["sales"]), map));

        Assert.Equal(ErrorIds.InvalidArgument, e.ErrorId);
        Assert.Contains("-NamespaceMap 'sales.orders' = 't.orders_2025' never applies to sales.orders: -RenameDatabase 'sales=t' renames every namespace", e.Message);
        Assert.Contains("would go to t.orders", e.Message);
        // A rule on another database, or one no database rename reaches first, applies.
        var beside = new NamespaceMap().AddDatabaseRename("sales", "t").Add("shop.log2", "t.log2");
        Assert.Contains("t.log2", Plan(NamespaceFilter.Everything, beside).Select(p => p.TargetNamespace));
    }
    [Fact]
    public void Two_namespace_map_rules_matching_one_namespace_are_refused_naming_both_in_either_order()
    {
        // -NamespaceMap comes from a hashtable: the order its rules are added in is not the user's, so neither may win.
        foreach (var map in new[]
                 {
                     new NamespaceMap().Add("sales.*", "arch.*").Add("sales.orders", "special.orders"),
                     new NamespaceMap().Add("sales.orders", "special.orders").Add("sales.*", "arch.*"),
                 })
        {
            var e = Assert.Throws<MongoBackupException>(() => Plan(new NamespaceFilter(databases: ["sales"]), map));

            Assert.Equal(ErrorIds.InvalidArgument, e.ErrorId);
            Assert.Contains("-NamespaceMap 'sales.*' = 'arch.*'", e.Message);
            Assert.Contains("-NamespaceMap 'sales.orders' = 'special.orders'", e.Message);
            Assert.Contains("both match sales.orders", e.Message);
        }
        // Rules that do not overlap apply.
        var apart = new NamespaceMap().Add("sales.orders", "special.orders").Add("shop.*", "arch.*");
        Assert.Contains("special.orders", Plan(NamespaceFilter.Everything, apart).Select(p => p.TargetNamespace));
    }
}
