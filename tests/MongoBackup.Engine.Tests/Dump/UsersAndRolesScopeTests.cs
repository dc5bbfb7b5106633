using MongoBackup.Engine.Dump;

namespace MongoBackup.Engine.Tests.Dump;

public class UsersAndRolesScopeTests
{
    [Fact]
    public void A_whole_instance_backup_saves_every_user_including_the_admin_ones_as_mongodump_does()
    {
        Assert.Null(UsersAndRolesScope.For(NamespaceFilter.Everything, ["shop", "crm"]));
    }

    [Fact]
    public void A_backup_that_names_the_admin_database_saves_every_user()
    {
        Assert.Null(UsersAndRolesScope.For(new NamespaceFilter(databases: ["admin", "shop"]), ["shop"]));
    }

    [Fact]
    public void A_backup_of_chosen_databases_saves_only_their_users()
    {
        var scope = UsersAndRolesScope.For(new NamespaceFilter(databases: ["shop"]), ["shop", "shop"]);
        Assert.Equal(["shop"], scope);
    }
}
