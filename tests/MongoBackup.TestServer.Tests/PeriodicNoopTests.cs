using MongoBackup.TestServer.Oplog;
using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// A replica-set primary's periodic no-ops (src/mongo/db/repl/noop_writer.cpp): {op: "n", ns: "", o: {msg: "periodic
/// noop"}} once nothing was written for periodicNoopIntervalSecs (10 s by default). The wire tests run against
/// MONGOBACKUP_TEST_URI when set (reading that server's interval with getParameter); the in-memory server they start
/// otherwise ticks every second, so they wait about a second, not ten.
/// </summary>
public class PeriodicNoopTests
{
    private const string Interval = ServerParameters.PeriodicNoopIntervalSecsName;
    private const string WriteNoops = ServerParameters.WritePeriodicNoopsName;
    private static readonly TimeSpan ByHand = TimeSpan.FromSeconds(30); // a tick by hand waits for the lock, never skips
    private static readonly BsonDocument NoopMessage = new("msg", PeriodicNoopWriter.Message);

    [Fact]
    public void An_idle_primary_writes_a_periodic_noop_shaped_as_mongod_writes_it_after_an_interval_without_writes()
    {
        using var target = MongoTarget.Open(new Dictionary<string, string> { [Interval] = "1" });
        var parameters = target.Admin.RunCommand<BsonDocument>(new BsonDocument { { "getParameter", 1 }, { Interval, 1 }, { WriteNoops, 1 } });
        var interval = TimeSpan.FromSeconds(parameters[Interval].ToInt32());
        Assert.True(parameters[WriteNoops].ToBoolean(), "the test needs a server that writes periodic no-ops (writePeriodicNoops: true, mongod's default)");

        var noop = NewestNoop(target) ?? AwaitNoop(target, 3 * interval + TimeSpan.FromSeconds(10));

        // The fields and their order as a MongoDB 7.0/8.0 primary writes them (mongo-tools' test data holds such entries).
        Assert.Equal(["op", "ns", "o", "ts", "t", "v", "wall"], noop.Names);
        Assert.Equal("n", noop["op"].AsString);
        Assert.Equal("", noop["ns"].AsString);
        Assert.Equal(NoopMessage, noop["o"].AsBsonDocument);
        Assert.IsType<BsonInt64>(noop["t"]);
        Assert.Equal(2L, noop["v"].ToInt64());
        var wall = noop["wall"].ToUniversalTime();
        Assert.InRange(wall, DateTimeOffset.FromUnixTimeSeconds(noop["ts"].AsBsonTimestamp.Timestamp).UtcDateTime,
            DateTimeOffset.FromUnixTimeSeconds(noop["ts"].AsBsonTimestamp.Timestamp + 1).UtcDateTime);

        // Written at a tick only when nothing was written since the tick before: at least one interval after the entry before it.
        var before = target.Client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs")
            .Find(new BsonDocument("ts", new BsonDocument("$lt", noop["ts"]))).Sort(new BsonDocument("$natural", -1)).Limit(1).Single();
        Assert.True(wall - before["wall"].ToUniversalTime() >= interval - TimeSpan.FromMilliseconds(20),
            $"the no-op at {wall:O} follows the entry at {before["wall"].ToUniversalTime():O} by less than {interval}");
    }

    [Fact]
    public void The_noop_interval_is_a_startup_parameter_that_cannot_change_at_runtime()
    {
        using var target = MongoTarget.Open();
        var error = Assert.Throws<MongoCommandException>(() =>
            target.Admin.RunCommand<BsonDocument>(new BsonDocument { { "setParameter", 1 }, { Interval, 5 } }));
        Assert.Equal(20, error.Code);
        Assert.Equal($"not allowed to change [{Interval}] at runtime", error.ErrorMessage);
    }

    [InMemoryFact("mongod's defaults, which a real server may have been started without")]
    public void By_default_a_primary_writes_noops_every_ten_seconds()
    {
        using var target = MongoTarget.StartInMemory();
        var reply = target.Admin.RunCommand<BsonDocument>(new BsonDocument { { "getParameter", 1 }, { Interval, 1 }, { WriteNoops, 1 } });
        Assert.Equal(10, reply[Interval].AsInt32);
        Assert.True(reply[WriteNoops].AsBoolean);
    }

    [InMemoryFact("a standalone")]
    public void A_standalone_writes_no_noops_it_has_no_oplog_and_no_noop_writer()
    {
        using var server = MongoTestServer.Start(new TestServerOptions
        {
            Parameters = new Dictionary<string, string> { [Interval] = "1" }, Log = TextWriter.Null,
        });
        using var client = new MongoClient(server.ConnectionString);
        // mongod takes the parameter on a standalone too; it just never becomes primary, so its writer never starts.
        var reply = client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument { { "getParameter", 1 }, { Interval, 1 } });
        Assert.Equal(1, reply[Interval].AsInt32);
        Assert.Null(server.State.NoopWriter);
        Assert.DoesNotContain("oplog.rs", client.GetDatabase("local").ListCollectionNames().ToList());
    }

    [InMemoryFact("ticks the server's no-op writer by hand")]
    public void A_tick_writes_a_noop_only_when_nothing_was_written_since_the_tick_before()
    {
        // The server's own writer ticks but writes nothing (writePeriodicNoops false); this one's ticks are the test's.
        using var target = MongoTarget.StartInMemory(new Dictionary<string, string> { [WriteNoops] = "false" });
        var state = target.InMemory!.State;
        var oplog = target.Client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs");
        target.Client.GetDatabase("noops").CreateCollection("c");
        var start = target.LastOplogTimestamp();
        var writer = new PeriodicNoopWriter(state.Oplog!, state.Catalog.Lock, () => ServerParameters.Defaults); // knows the newest entry

        Assert.True(writer.Tick(ByHand), "nothing was written since the writer started");
        Assert.True(writer.Tick(ByHand), "the no-op itself is no write: an idle primary writes one every interval");
        target.Client.GetDatabase("noops").GetCollection<BsonDocument>("c").InsertOne(new BsonDocument("_id", 1));
        Assert.False(writer.Tick(ByHand), "a write since the tick before");
        Assert.True(writer.Tick(ByHand), "nothing since the tick before");

        var entries = oplog.Find(new BsonDocument("ts", new BsonDocument("$gt", start))).ToList();
        Assert.Equal(["n", "n", "i", "n"], entries.Select(e => e["op"].AsString));
        Assert.All(entries.Where(e => e["op"] == "n"), e => Assert.Equal(NoopMessage, e["o"].AsBsonDocument));
        var timestamps = entries.Select(e => e["ts"].AsBsonTimestamp).ToList();
        Assert.True(timestamps.Zip(timestamps.Skip(1)).All(p => p.First.CompareTo(p.Second) < 0), "a no-op takes the next timestamp like any write");

        var switchedOff = new PeriodicNoopWriter(state.Oplog!, state.Catalog.Lock, () => state.Parameters);
        Assert.False(switchedOff.Tick(ByHand), "writePeriodicNoops false");
    }

    [InMemoryFact("the server's runtime parameter and its writer")]
    public void WritePeriodicNoops_changes_at_runtime_as_mongod_s_does()
    {
        using var target = MongoTarget.StartInMemory();
        var reply = target.Admin.RunCommand<BsonDocument>(new BsonDocument { { "setParameter", 1 }, { WriteNoops, 0 } });
        Assert.True(reply["was"].AsBoolean);
        Assert.False(target.InMemory!.State.Parameters.WritePeriodicNoops);
        target.Admin.RunCommand<BsonDocument>(new BsonDocument { { "setParameter", 1 }, { WriteNoops, true } });
        Assert.True(target.InMemory.State.Parameters.WritePeriodicNoops);
    }

    [InMemoryFact("the in-memory server's background writer")]
    public void Stopping_the_server_stops_its_noop_writer()
    {
        var target = MongoTarget.StartInMemory(new Dictionary<string, string> { [Interval] = "1" });
        var writer = target.InMemory!.State.NoopWriter!;
        Assert.True(writer.IsRunning);
        target.Dispose();
        Assert.False(writer.IsRunning);
        Assert.False(writer.Tick(ByHand), "a stopped writer writes nothing");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("11")]
    [InlineData("ten")]
    public void A_noop_interval_outside_mongod_s_bounds_stops_the_server_from_starting(string value)
    {
        var error = Assert.Throws<ArgumentException>(() => MongoTestServer.Start(new TestServerOptions
        {
            ReplicaSetName = "rs0", Parameters = new Dictionary<string, string> { [Interval] = value }, Log = TextWriter.Null,
        }));
        Assert.Contains($"server parameter '{Interval}' must be an integer from 1 to 10, not '{value}'", error.Message);
    }

    [Fact]
    public void The_noop_interval_is_taken_on_the_command_line_as_mongod_takes_it()
    {
        using var server = TestServerProcess.Start(["--port", "0", "--replSet", "rsN", "--setParameter", $"{Interval}=2"], TextWriter.Null);
        using var client = new MongoClient(server.ConnectionString);
        var reply = client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument { { "getParameter", 1 }, { Interval, 1 } });
        Assert.Equal(2, reply[Interval].AsInt32);
    }

    /// <summary>The newest periodic no-op already in the oplog (a real server that was ever idle has some), or null.</summary>
    private static BsonDocument? NewestNoop(MongoTarget target) =>
        target.Client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs")
            .Find(new BsonDocument { { "op", "n" }, { "o", NoopMessage } }).Sort(new BsonDocument("$natural", -1)).Limit(1).FirstOrDefault();

    /// <summary>The first periodic no-op after the newest entry, awaited on a tailable cursor.</summary>
    private static BsonDocument AwaitNoop(MongoTarget target, TimeSpan within)
    {
        var oplog = target.Client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs");
        var filter = new BsonDocument { { "ts", new BsonDocument("$gt", target.LastOplogTimestamp()) }, { "op", "n" }, { "o", NoopMessage } };
        using var cursor = oplog.Find(filter, new FindOptions { CursorType = CursorType.TailableAwait, MaxAwaitTime = TimeSpan.FromSeconds(1) }).ToCursor();
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline && cursor.MoveNext())
            if (cursor.Current.FirstOrDefault() is { } noop) return noop;
        throw new Xunit.Sdk.XunitException($"no periodic no-op came within {within}");
    }
}
