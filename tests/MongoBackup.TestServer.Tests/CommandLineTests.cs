using System.Diagnostics;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>The server as a process: one "ready" line on stdout, and it stops when its standard input closes.</summary>
public class CommandLineTests
{
    private static Process Launch(string arguments)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "MongoBackup.TestServer.dll");
        var start = new ProcessStartInfo("dotnet", $"\"{dll}\" {arguments}")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        return Process.Start(start)!;
    }

    [Fact]
    public void Prints_one_ready_line_serves_and_stops_at_end_of_input()
    {
        using var process = Launch("--port 0 --replSet rsX --auth admin:pa55word --oplogSizeMB 64");
        var stderr = process.StandardError.ReadToEndAsync();
        var line = process.StandardOutput.ReadLine();
        Assert.NotNull(line);
        Assert.Matches(@"^ready mongodb://127\.0\.0\.1:\d+/\?replicaSet=rsX$", line);
        var uri = line!["ready ".Length..];
        var settings = MongoClientSettings.FromConnectionString(uri);
        settings.Credential = MongoCredential.CreateCredential("admin", "admin", "pa55word");
        settings.ServerSelectionTimeout = TimeSpan.FromSeconds(10);
        using (var client = new MongoClient(settings))
            Assert.Equal(1.0, client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument("ping", 1))["ok"].ToDouble());

        process.StandardInput.Close();
        Assert.True(process.WaitForExit(10_000), "the server must exit when its standard input closes");
        Assert.Equal(0, process.ExitCode);
        Assert.Equal("", process.StandardOutput.ReadToEnd());
        Assert.DoesNotContain("pa55word", stderr.Result);
    }

    [Fact]
    public void Bad_arguments_are_named_and_exit_with_2()
    {
        using var process = Launch("--port banana");
        Assert.True(process.WaitForExit(10_000));
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("--port must be a number from 0 to 65535, not 'banana'", process.StandardError.ReadToEnd());
        Assert.Equal("", process.StandardOutput.ReadToEnd());
    }

    [Fact]
    public void SetParameter_options_are_taken_as_mongod_takes_them_and_a_bad_one_is_named()
    {
        using (var process = Launch("--port 0 --replSet rsP --setParameter maxNumberOfTransactionOperationsInSingleOplogEntry=3"))
        {
            var line = process.StandardOutput.ReadLine();
            Assert.NotNull(line);
            using (var client = new MongoClient(line!["ready ".Length..]))
            {
                var reply = client.GetDatabase("admin").RunCommand<BsonDocument>(
                    new BsonDocument { { "getParameter", 1 }, { "maxNumberOfTransactionOperationsInSingleOplogEntry", 1 } });
                Assert.Equal(3, reply["maxNumberOfTransactionOperationsInSingleOplogEntry"].AsInt32);
            }
            process.StandardInput.Close();
            Assert.True(process.WaitForExit(10_000));
        }

        using var bad = Launch("--setParameter maxNumberOfTransactionOperationsInSingleOplogEntry=0");
        Assert.True(bad.WaitForExit(10_000));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("maxNumberOfTransactionOperationsInSingleOplogEntry", bad.StandardError.ReadToEnd());
    }
}
