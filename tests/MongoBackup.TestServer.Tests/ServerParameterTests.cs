using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>Server parameters: set at startup as mongod's --setParameter sets them, read with getParameter, never changed at runtime.</summary>
public class ServerParameterTests
{
    private const string MaxOps = ServerParameters.MaxTransactionOperationsPerEntryName;

    [Fact]
    public void The_per_entry_transaction_operation_limit_defaults_to_int_max_and_cannot_change_at_runtime()
    {
        using var target = MongoTarget.Open();
        var reply = target.Admin.RunCommand<BsonDocument>(new BsonDocument { { "getParameter", 1 }, { MaxOps, 1 } });
        Assert.Equal(int.MaxValue, reply[MaxOps].ToInt32());

        var error = Assert.Throws<MongoCommandException>(() =>
            target.Admin.RunCommand<BsonDocument>(new BsonDocument { { "setParameter", 1 }, { MaxOps, 2 } }));
        Assert.Equal(20, error.Code);
        Assert.Equal($"not allowed to change [{MaxOps}] at runtime", error.ErrorMessage);
    }

    [Fact]
    public void Setting_an_unknown_parameter_is_refused_naming_it()
    {
        using var target = MongoTarget.Open();
        var error = Assert.Throws<MongoCommandException>(() =>
            target.Admin.RunCommand<BsonDocument>(new BsonDocument { { "setParameter", 1 }, { "noSuchParameterAnywhere", 2 } }));
        Assert.Equal(72, error.Code);
        Assert.StartsWith("attempted to set unrecognized parameter [noSuchParameterAnywhere]", error.ErrorMessage);
    }

    [InMemoryFact("startup parameters")]
    public void Startup_parameters_are_what_getParameter_reports()
    {
        using var target = MongoTarget.StartInMemory(new Dictionary<string, string> { [MaxOps] = "2", ["enableTestCommands"] = "1" });
        var reply = target.Admin.RunCommand<BsonDocument>(new BsonDocument { { "getParameter", 1 }, { MaxOps, 1 }, { "enableTestCommands", 1 } });
        Assert.Equal(2, reply[MaxOps].AsInt32);
        Assert.True(reply["enableTestCommands"].AsBoolean);
    }

    [Theory]
    [InlineData("maxNumberOfTransactionOperationsInSingleOplogEntry", "0")]
    [InlineData("maxNumberOfTransactionOperationsInSingleOplogEntry", "many")]
    [InlineData("enableTestCommands", "yes")]
    [InlineData("noSuchParameter", "1")]
    public void A_bad_startup_parameter_stops_the_server_from_starting_naming_it(string name, string value)
    {
        var error = Assert.Throws<ArgumentException>(() => MongoTestServer.Start(new TestServerOptions
        {
            ReplicaSetName = "rs0", Parameters = new Dictionary<string, string> { [name] = value }, Log = TextWriter.Null,
        }));
        Assert.Contains(name, error.Message);
    }
}
