using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Restore;
using MongoBackup.Tests;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// A dump whose time-series buckets MongoDB refuses: mongo-tools' testdata/timeseries_tests/ts_dump_invalid_buckets
/// (5 documents {_id, x} in system.buckets.foo_ts, none a bucket), which a real server refuses one by one
/// (mongorestore_test.go, "invalid system.buckets": 0 successes, 5 failures). The restore inserts buckets under the
/// server's validation of buckets, so they are refused, and it says so: which collection, how many, and why.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class InvalidBucketsRestoreTests(MongoServerFixture server)
{
    private const string Dump = "mongorestore/testdata/timeseries_tests/ts_dump_invalid_buckets";

    [Fact]
    public async Task Buckets_the_server_refuses_are_counted_and_named_and_the_restore_does_not_succeed()
    {
        var target = TestDatabases.NewName("tsinvalid");
        var observer = new RecordingObserver();

        var outcome = await new RestoreRunner(observer).RunAsync(new RestoreRequest
        {
            Connection = new ConnectionSettings { ConnectionString = server.ConnectionString }, SourcePath = FixturePaths.Get(Dump),
            Filter = new NamespaceFilter(databases: ["timeseries_test"]),
            Map = new NamespaceMap().AddDatabaseRename("timeseries_test", target),
        }, CancellationToken.None);

        Assert.False(outcome.Succeeded);
        var ts = Assert.Single(outcome.Namespaces);
        Assert.Equal($"{target}.foo_ts", ts.TargetNamespace);
        Assert.Equal((0L, 5L), (ts.Documents, ts.Failures)); // every bucket reached the server, and was refused
        Assert.Equal(0, ts.Measurements);
        Assert.Equal(0, ts.FinalDocuments);
        // The collection itself was restored (created, with its options), holding no bucket: the namespace is failed
        // as not restored whole (NamespaceRestoreFailed, RefusedDocuments), the refused buckets named in warnings.
        Assert.StartsWith($"{target}.foo_ts was not restored whole", ts.Error);
        Assert.Equal(ErrorIds.NamespaceRestoreFailed, Assert.Single(observer.Failures).Error.ErrorId);
        var warnings = observer.Warnings.ToList();
        Assert.Equal(3, warnings.Count(w => w == $"{target}.foo_ts: a bucket was refused (Uncategorized): Document failed validation " +
            "(not a time-series bucket as MongoDB writes one: damaged, or not written by mongod)."));
        Assert.Contains($"{target}.foo_ts: 2 more buckets of that batch were refused.", warnings);
        Assert.DoesNotContain(warnings, w => w.Contains(ErrorIds.UnexpectedError, StringComparison.Ordinal));
        // Nothing went in quietly.
        var db = server.Client.GetDatabase(target);
        Assert.Equal(0, await db.GetCollection<BsonDocument>("system.buckets.foo_ts").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }
}
