using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
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

        var outcome = await RestoreFixtureAsync(target);

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        var ts = Assert.Single(outcome.Namespaces);
        Assert.Equal("timeseries", ts.Type);
        Assert.Equal(buckets, ts.Buckets);
        Assert.Equal(measurements, ts.Measurements);
        Assert.Equal(measurements, ts.FinalDocuments);
        Assert.Equal(measurements, outcome.FinalDocuments);
        // What a user counts on the restored collection.
        var restored = server.Client.GetDatabase(target).GetCollection<BsonDocument>("foo_ts");
        Assert.Equal(measurements, await restored.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
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

    private async Task<RestoreOutcome> RestoreFixtureAsync(string target, RecordingObserver? observer = null) =>
        await new RestoreRunner(observer ?? new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = Connection, SourcePath = FixturePaths.Get(Dump), NoOplogReplay = true,
            Filter = new NamespaceFilter(databases: ["timeseries_test"]),
            Map = new NamespaceMap().AddDatabaseRename("timeseries_test", target),
        }, CancellationToken.None);

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
