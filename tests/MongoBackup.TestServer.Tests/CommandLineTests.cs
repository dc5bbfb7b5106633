using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// The server's command line through its launcher (<see cref="TestServerProcess"/>): one "ready" line on standard output,
/// nothing more there, a stop with exit code 0 when its standard input closes, and bad arguments named with exit code 2.
/// </summary>
public class CommandLineTests
{
    [Fact]
    public void Prints_one_ready_line_serves_and_stops_at_end_of_input()
    {
        var log = new StringWriter();
        var server = TestServerProcess.Start(["--port", "0", "--replSet", "rsX", "--auth", "admin:pa55word", "--oplogSizeMB", "64"], log);
        using (server)
        {
            Assert.Matches(@"^mongodb://127\.0\.0\.1:\d+/\?replicaSet=rsX$", server.ConnectionString);
            var settings = MongoClientSettings.FromConnectionString(server.ConnectionString);
            settings.Credential = MongoCredential.CreateCredential("admin", "admin", "pa55word");
            settings.ServerSelectionTimeout = TimeSpan.FromSeconds(10);
            using var client = new MongoClient(settings);
            Assert.Equal(1.0, client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument("ping", 1))["ok"].ToDouble());
            Assert.Null(server.ExitCode);
        }

        Assert.Equal(0, server.ExitCode); // it exited when its standard input closed
        Assert.DoesNotContain("stdout: ", log.ToString()); // nothing on standard output after the ready line
        Assert.DoesNotContain("pa55word", log.ToString());
    }

    [Fact]
    public void Bad_arguments_are_named_and_exit_with_2()
    {
        var error = Assert.Throws<InvalidOperationException>(() => TestServerProcess.Start(["--port", "banana"], TextWriter.Null));
        Assert.Contains("exited with code 2", error.Message);
        Assert.Contains("--port must be a number from 0 to 65535, not 'banana'", error.Message);
        Assert.Contains("instead of its ready line", error.Message); // it printed nothing on standard output
    }

    [Fact]
    public void SetParameter_options_are_taken_as_mongod_takes_them_and_a_bad_one_is_named()
    {
        using (var server = TestServerProcess.Start(["--port", "0", "--replSet", "rsP", "--setParameter", "maxNumberOfTransactionOperationsInSingleOplogEntry=3"], TextWriter.Null))
        using (var client = new MongoClient(server.ConnectionString))
        {
            var reply = client.GetDatabase("admin").RunCommand<BsonDocument>(
                new BsonDocument { { "getParameter", 1 }, { "maxNumberOfTransactionOperationsInSingleOplogEntry", 1 } });
            Assert.Equal(3, reply["maxNumberOfTransactionOperationsInSingleOplogEntry"].AsInt32);
        }

        var error = Assert.Throws<InvalidOperationException>(() =>
            TestServerProcess.Start(["--setParameter", "maxNumberOfTransactionOperationsInSingleOplogEntry=0"], TextWriter.Null));
        Assert.Contains("exited with code 2", error.Message);
        Assert.Contains("maxNumberOfTransactionOperationsInSingleOplogEntry", error.Message);
    }
}
