using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Oplog.Replay;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Support;
using MongoBackup.Tests;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// A time-series collection's counts: its file, the manifest and every check hold its buckets (system.buckets.NAME, many
/// measurements each), while what a user counts (countDocuments on the collection) is its measurements. The restore's
/// numbers say measurements where they are measurements and buckets where they are buckets, and the checks compare
/// buckets with buckets. The data is mongo-tools' own time-series dump (mongorestore/testdata/timeseries_tests/ts_dump:
/// 10 uncompressed buckets of 100 measurements each, written by mongod).
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class TimeseriesCountTests(MongoServerFixture server)
{
    private const string Dump = "mongorestore/testdata/timeseries_tests/ts_dump";
    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    [Fact]
    public async Task A_restore_reports_a_time_series_collections_measurements_and_checks_its_buckets()
    {
        var (buckets, measurements) = FixtureCounts();
        Assert.True(measurements > buckets, "the fixture holds several measurements per bucket");
        var target = TestDatabases.NewName("tsrestore");

        using var sent = SentCommands.Start();
        var outcome = await RestoreFixtureAsync(target);

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        var ts = Assert.Single(outcome.Namespaces);
        Assert.Equal("timeseries", ts.Type);
        Assert.Equal(buckets, ts.Buckets);
        Assert.Equal(measurements, ts.Measurements);
        Assert.Equal(measurements, ts.FinalDocuments);
        Assert.Equal(measurements, outcome.FinalDocuments);
        // Counted once (a scan of every bucket): no replay came after the count taken as its buckets went in.
        Assert.Equal(1, MeasurementCounts(sent, target));
        // What a user counts on the restored collection.
        var restored = server.Client.GetDatabase(target).GetCollection<BsonDocument>("foo_ts");
        Assert.Equal(measurements, await restored.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task A_replay_that_writes_only_to_other_collections_leaves_the_measurements_counted_once()
    {
        var (_, measurements) = FixtureCounts();
        var target = TestDatabases.NewName("tsother");
        var oplog = Entries(
            Entry("c", "timeseries_test.$cmd", new BsonDocument("create", "other")),
            Entry("i", "timeseries_test.other", new BsonDocument("_id", 1)));

        using var sent = SentCommands.Start();
        var outcome = await RestoreFixtureAsync(target, oplog: oplog);

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        Assert.Equal(2, outcome.OplogEntriesApplied);
        Assert.Equal(1, await server.Client.GetDatabase(target).GetCollection<BsonDocument>("other").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        var ts = Assert.Single(outcome.Namespaces, n => n.IsTimeseries);
        Assert.Equal(measurements, ts.Measurements);
        Assert.Equal(measurements, ts.FinalDocuments);
        Assert.Equal(1, MeasurementCounts(sent, target));
    }

    [Fact]
    public async Task A_replay_that_adds_a_bucket_has_the_measurements_counted_again_with_it()
    {
        var (_, measurements) = FixtureCounts();
        var target = TestDatabases.NewName("tsadded");
        // A bucket of three measurements, as mongod writes one (uncompressed, control.version 1) into the buckets collection.
        var times = Enumerable.Range(0, 3).Select(i => new BsonDateTime(new DateTime(2021, 6, 9, 0, 0, i, DateTimeKind.Utc))).ToArray();
        var ids = times.Select(_ => (BsonValue)ObjectId.GenerateNewId()).ToArray();
        static BsonDocument Column(IEnumerable<BsonValue> values) => new(values.Select((v, i) => new BsonElement(i.ToString(), v)));
        var bucket = new BsonDocument
        {
            { "_id", ObjectId.GenerateNewId(times[0].ToUniversalTime()) },
            { "control", new BsonDocument
            {
                { "version", 1 },
                { "min", new BsonDocument { { "_id", ids.Min()! }, { "ts", times[0] }, { "measurement", 0 } } },
                { "max", new BsonDocument { { "_id", ids.Max()! }, { "ts", times[2] }, { "measurement", 2 } } },
            } },
            { "meta", new BsonDocument("device", 99) },
            { "data", new BsonDocument
            {
                { "_id", Column(ids) }, { "ts", Column(times) }, { "measurement", Column([0, 1, 2]) },
            } },
        };
        var oplog = Entries(Entry("i", "timeseries_test.system.buckets.foo_ts", bucket));

        using var sent = SentCommands.Start();
        var outcome = await RestoreFixtureAsync(target, oplog: oplog);

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        var ts = Assert.Single(outcome.Namespaces);
        Assert.Equal(measurements, ts.Measurements); // before the replay
        Assert.Equal(measurements + 3, ts.FinalDocuments); // after it
        Assert.Equal(measurements + 3, outcome.FinalDocuments);
        Assert.Equal(2, MeasurementCounts(sent, target));
    }

    [Fact]
    public async Task Measurements_in_compressed_buckets_are_counted()
    {
        // A dump of compressed buckets (control.version 2, as mongod 6.0+ writes closed buckets) beside an uncompressed
        // one: 3 buckets of 1 measurement each and 1 of 2. No fixture of mongo-tools holds compressed buckets, so the
        // buckets are MongoDB's own (TimeseriesBucketSamples: timeseries_schema_validation.js's compressed bucket).
        using var dump = new TempFolder();
        var folder = Directory.CreateDirectory(Path.Combine(dump.Path, "metrics")).FullName;
        File.WriteAllText(Path.Combine(folder, "weather.metadata.json"),
            "{\"options\":{\"timeseries\":{\"timeField\":\"time\",\"granularity\":\"seconds\",\"bucketMaxSpanSeconds\":{\"$numberInt\":\"3600\"}}}," +
            "\"indexes\":[],\"collectionName\":\"weather\",\"type\":\"timeseries\"}");
        var buckets = Enumerable.Range(0, 3).Select(_ => TimeseriesBucketSamples.Compressed(ObjectId.GenerateNewId(TimeseriesBucketSamples.At)))
            .Append(TimeseriesBucketSamples.Uncompressed(2));
        File.WriteAllBytes(Path.Combine(folder, "system.buckets.weather.bson"), buckets.SelectMany(b => b.ToBson()).ToArray());
        var target = TestDatabases.NewName("tscompressed");

        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, SourcePath = dump.Path, NoOplogReplay = true,
            Map = new NamespaceMap().AddDatabaseRename("metrics", target),
        }, CancellationToken.None);

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        var ts = Assert.Single(outcome.Namespaces);
        Assert.Equal(4, ts.Buckets);
        Assert.Equal(5, ts.Measurements);
        Assert.Equal(5, ts.FinalDocuments);
        Assert.Equal(5, await server.Client.GetDatabase(target).GetCollection<BsonDocument>("weather").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task A_snapshot_records_a_time_series_collections_buckets_and_its_test_restore_compares_buckets_with_buckets()
    {
        var (buckets, measurements) = FixtureCounts();
        var source = TestDatabases.NewName("tssnap");
        using var folder = new TempFolder();
        var repository = new FolderRepository(folder.Path);
        var manifest = await BackUpFixtureAsync(source, repository);
        var recorded = Assert.Single(manifest.Namespaces, n => n.Collection == "foo_ts");
        Assert.Equal("timeseries", recorded.Type);
        Assert.Equal(buckets, recorded.Documents); // the manifest counts the buckets file's documents

        var result = await new SnapshotVerifier(new RecordingObserver()).VerifyAsync(repository, manifest.Id, Connection, null, CancellationToken.None);

        Assert.True(result.Passed, string.Join("; ", result.Problems));
        var count = Assert.Single(result.RestoredCounts, c => c.Namespace == $"{source}.foo_ts");
        Assert.True(count.Buckets);
        Assert.Equal(buckets, count.Expected);
        Assert.Equal(buckets, count.Restored);
        Assert.Equal(measurements, count.Measurements);

        // Restored from the snapshot, with its oplog replayed: the same measurements.
        var target = TestDatabases.NewName("tssnapr");
        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, Snapshot = new RepositorySnapshot(repository, manifest.Id),
            Map = new NamespaceMap().AddDatabaseRename(source, target),
        }, CancellationToken.None);
        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        var ts = Assert.Single(outcome.Namespaces);
        Assert.Equal(buckets, ts.Buckets);
        Assert.Equal(measurements, ts.FinalDocuments);
    }

    [Fact]
    public async Task A_test_restore_whose_buckets_fall_short_of_the_manifest_fails_naming_buckets()
    {
        var (buckets, _) = FixtureCounts();
        var source = TestDatabases.NewName("tsshort");
        using var folder = new TempFolder();
        var repository = new FolderRepository(folder.Path);
        var manifest = await BackUpFixtureAsync(source, repository);
        var counts = new SnapshotVerification(manifest.Id, repository.Location);
        // The scratch restore's count is compared with what the manifest records: one bucket more than it holds.
        var claimed = manifest.Namespaces.Select(n => n.Collection == "foo_ts" ? n with { Documents = buckets + 1 } : n).ToList();

        await new ScratchRestoreCheck(new RecordingObserver()).CompareCountsAsync(server.Client, claimed, [],
            new Dictionary<string, string> { [source] = source }, counts, CancellationToken.None);

        var count = Assert.Single(counts.RestoredCounts);
        Assert.False(count.Matches);
        Assert.Contains($"{source}.foo_ts restored {buckets:N0} buckets; the manifest records {buckets + 1:N0}", Assert.Single(counts.Problems));
    }

    [Fact]
    public async Task A_restore_into_a_time_series_target_that_holds_data_is_refused_counting_its_buckets_as_buckets()
    {
        var (buckets, _) = FixtureCounts();
        var target = TestDatabases.NewName("tsrefused");
        Assert.True((await RestoreFixtureAsync(target)).Succeeded);

        var observer = new RecordingObserver();
        var again = await RestoreFixtureAsync(target, observer);

        Assert.False(again.Succeeded);
        var refused = Assert.Single(observer.Failures).Error;
        Assert.Equal(ErrorIds.TargetNotEmpty, refused.ErrorId);
        Assert.Contains($"already holds {buckets:N0} time-series buckets", refused.Message);
        Assert.DoesNotContain("documents", refused.Message);
    }

    /// <summary>The fixture restored into <paramref name="database"/>, then backed up from there into <paramref name="repository"/>.</summary>
    private async Task<SnapshotManifest> BackUpFixtureAsync(string database, FolderRepository repository)
    {
        Assert.True((await RestoreFixtureAsync(database)).Succeeded);
        return await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);
    }

    /// <summary>The fixture restored into <paramref name="target"/>; with <paramref name="oplog"/>, that replayed after it as the dump's own oplog.</summary>
    private async Task<RestoreOutcome> RestoreFixtureAsync(string target, RecordingObserver? observer = null, IAsyncEnumerable<byte[]>? oplog = null) =>
        await new RestoreRunner(observer ?? new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, SourcePath = FixturePaths.Get(Dump), NoOplogReplay = oplog is null,
            DumpOplog = oplog is null ? null : new OplogSegment("the test's oplog", oplog) { Reread = () => oplog },
            Filter = new NamespaceFilter(databases: ["timeseries_test"]),
            Map = new NamespaceMap().AddDatabaseRename("timeseries_test", target),
        }, CancellationToken.None);

    /// <summary>The counts of foo_ts's measurements the restore asked for: countDocuments (an aggregate) or count, on the collection.</summary>
    private static int MeasurementCounts(SentCommands sent, string database) =>
        sent.Count("aggregate", database, "foo_ts") + sent.Count("count", database, "foo_ts");

    private static int _tick;

    /// <summary>An oplog entry as mongod writes one (the fields a replay reads), at a timestamp after the one before.</summary>
    private static BsonDocument Entry(string op, string ns, BsonDocument o) => new()
    {
        { "ts", new BsonTimestamp(1_700_000_000, Interlocked.Increment(ref _tick)) }, { "t", 1L }, { "v", 2 },
        { "op", op }, { "ns", ns }, { "o", o }, { "wall", new BsonDateTime(DateTime.UtcNow) },
    };

    private static async IAsyncEnumerable<byte[]> Entries(params BsonDocument[] entries)
    {
        foreach (var entry in entries) yield return entry.ToBson();
        await Task.CompletedTask;
    }

    /// <summary>The fixture's buckets, and the measurements they hold (each bucket's data.ts holds one value per measurement).</summary>
    private static (long Buckets, long Measurements) FixtureCounts()
    {
        var bytes = File.ReadAllBytes(Path.Combine(FixturePaths.Get(Dump), "timeseries_test", "system.buckets.foo_ts.bson"));
        long buckets = 0, measurements = 0;
        for (var at = 0; at < bytes.Length; buckets++)
        {
            var length = BitConverter.ToInt32(bytes, at);
            var bucket = MongoDB.Bson.Serialization.BsonSerializer.Deserialize<BsonDocument>(bytes.AsSpan(at, length).ToArray());
            measurements += bucket["data"]["ts"].AsBsonDocument.ElementCount;
            at += length;
        }
        return (buckets, measurements);
    }
}
