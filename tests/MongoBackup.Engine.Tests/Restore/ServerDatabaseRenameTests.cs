using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Restore;

namespace MongoBackup.Engine.Tests.Restore;

/// <summary>
/// A rename into local or config is refused before anything is read or written, naming the rule as the user wrote it and
/// the target database: written out in the rule, as soon as it is given; formed by a '*' or $part$, when the plan forms it.
/// A namespace of local or config restored under its own name is not a rename.
/// </summary>
public sealed class ServerDatabaseRenameTests
{
    [Theory]
    [InlineData("shop.*", "local.*", "local")]
    [InlineData("shop.orders", "config.orders", "config")]
    [InlineData("$db$.orders", "local.$db$_orders", "local")]
    public void A_namespace_map_whose_target_database_is_local_or_config_is_refused_when_given(string from, string to, string database)
    {
        var refused = Assert.Throws<MongoBackupException>(() => new NamespaceMap().Add(from, to));

        Assert.Equal(ErrorIds.InvalidArgument, refused.ErrorId);
        Assert.Contains($"-NamespaceMap '{from}' = '{to}' renames into the {database} database", refused.Message);
        Assert.Contains("Nothing was written", refused.Message);
        Assert.Equal(database, refused.Target);
    }

    [Theory]
    [InlineData("local")]
    [InlineData("config")]
    public void A_database_renamed_to_local_or_config_is_refused_naming_the_rename(string database)
    {
        var refused = Assert.Throws<MongoBackupException>(() => new NamespaceMap().AddDatabaseRename("shop", database));

        Assert.Equal(ErrorIds.InvalidArgument, refused.ErrorId);
        Assert.Contains($"-RenameDatabase 'shop={database}' renames into the {database} database", refused.Message);
        Assert.Equal(database, refused.Target);
    }

    [Theory]
    [InlineData("Local", "local")]
    [InlineData("CONFIG", "config")]
    [InlineData("Admin", "admin")]
    public void A_rename_into_a_case_variant_of_the_servers_own_databases_is_refused_naming_the_rule(string database, string own)
    {
        // mongod refuses a database differing only in case from one it has (DatabaseDifferCase, 13297), and every mongod has these.
        var renamed = Assert.Throws<MongoBackupException>(() => new NamespaceMap().AddDatabaseRename("shop", database));
        var mapped = Assert.Throws<MongoBackupException>(() => new NamespaceMap().Add("shop.orders", $"{database}.orders"));

        foreach (var refused in new[] { renamed, mapped })
        {
            Assert.Equal(ErrorIds.InvalidArgument, refused.ErrorId);
            Assert.Contains($"renames into the {database} database: {database} differs only in case from the server's own {own} database", refused.Message);
            Assert.Contains("DatabaseDifferCase, code 13297", refused.Message);
            Assert.Equal(database, refused.Target);
        }
        // admin itself, and a name that merely contains one of them, are the user's to choose.
        new NamespaceMap().AddDatabaseRename("shop", "admin").AddDatabaseRename("crm", "Localities");
    }

    [Fact]
    public void A_target_database_a_wildcard_forms_as_local_is_refused_by_the_plan_naming_the_rule_and_the_namespace()
    {
        var map = new NamespaceMap().Add("$db$_archive.$coll$", "$db$.$coll$");
        var dump = new ListedDump([Ns("shop_archive", "orders"), Ns("local_archive", "startup_log")]);

        var refused = Assert.Throws<MongoBackupException>(() => RestorePlanner.Plan(dump, NamespaceFilter.Everything, map));

        Assert.Equal(ErrorIds.InvalidArgument, refused.ErrorId);
        Assert.Contains("-NamespaceMap '$db$_archive.$coll$' = '$db$.$coll$' would restore local_archive.startup_log into the local database (local.startup_log)", refused.Message);
        Assert.Equal("local", refused.Target);
        // The same rule for the ordinary database alone is planned.
        Assert.Equal(["shop.orders"], RestorePlanner.Plan(dump, new NamespaceFilter(databases: ["shop_archive"]), map).Select(p => p.TargetNamespace));
    }

    [Fact]
    public void A_namespace_of_config_restored_under_its_own_name_is_not_a_rename_and_is_planned()
    {
        var map = new NamespaceMap().AddDatabaseRename("shop", "shop_copy");
        var dump = new ListedDump([Ns("shop", "orders"), Ns("config", "settings")]);

        var plan = RestorePlanner.Plan(dump, new NamespaceFilter(databases: ["shop", "config"]), map);

        Assert.Equal(["config.settings", "shop_copy.orders"], plan.Select(p => p.TargetNamespace).Order(StringComparer.Ordinal));
    }

    private static DumpNamespace Ns(string database, string collection) =>
        new(database, collection, new CollectionMetadata { CollectionName = collection, Type = CollectionMetadata.CollectionType }, $"{database}/{collection}.bson");
}
