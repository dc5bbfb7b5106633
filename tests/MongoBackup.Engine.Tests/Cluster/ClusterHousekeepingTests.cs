using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Export;
using MongoBackup.Engine.Housekeeping;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.TestServer;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Cluster;

/// <summary>
/// Test-MongoSnapshot, Export-MongoSnapshot and Restore-MongoDatabase's warnings with a cluster snapshot taken while
/// every shard takes writes (<see cref="ClusterSnapshotUnderWrites"/>): each shard's files checked against its own
/// section, the scratch restore into renamed databases, the export as one dump of the cluster at its cut.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class ClusterHousekeepingTests(MongoServerFixture server)
{
    [Fact]
    public async Task Verification_checks_each_shards_files_against_its_own_section_and_counts_no_config_metadata_as_user_documents()
    {
        using var taken = await ClusterSnapshotUnderWrites.TakeAsync();
        var manifest = taken.Manifest;

        var result = await new SnapshotVerifier(new RecordingObserver()).VerifyAsync(taken.Cluster.Repository, manifest.Id, null, null, CancellationToken.None);

        Assert.True(result.Passed, string.Join("; ", result.Problems));
        Assert.Equal(manifest.Files.Select(f => f.Path), result.Files.Select(f => f.Path));
        foreach (var shard in manifest.Cluster!.Shards)
            Assert.Equal(shard.OplogEntries, Assert.Single(result.Files, f => f.Path == $"{shard.Folder}/oplog.bson").Documents);
        var metadata = result.Files.Where(f => f.Path.StartsWith("configsvr/", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(metadata);
        Assert.All(metadata, f => Assert.True(f.ClusterMetadata, f.Path));
        Assert.True(metadata.Sum(f => f.Documents) > 0);
        Assert.Equal(ShardSnapshotViews.NamespacesOf(manifest).Sum(n => n.Documents), result.Documents);
    }

    [Fact]
    public async Task Verification_still_reports_a_truncated_shard_file_with_its_offset_and_a_missing_shard_folder_by_file()
    {
        using var taken = await ClusterSnapshotUnderWrites.TakeAsync(Compression.None);
        var folder = Path.GetDirectoryName(taken.Cluster.Repository.LocalPath(taken.Manifest.Id, SnapshotManifest.FileName))!;
        var orders = Path.Combine(folder, "shard1", "shop", "orders.bson");
        var length = new FileInfo(orders).Length;
        using (var file = File.OpenWrite(orders)) file.SetLength(length - 5);
        Directory.Delete(Path.Combine(folder, "shard0"), recursive: true);

        var result = await new SnapshotVerifier(new RecordingObserver()).VerifyAsync(taken.Cluster.Repository, taken.Manifest.Id, null, null, CancellationToken.None);

        Assert.False(result.Passed);
        var truncated = Assert.Single(result.Files, f => f.Path == "shard1/shop/orders.bson");
        Assert.NotNull(truncated.ProblemOffset);
        Assert.Contains("shard1/shop/orders.bson", truncated.Problem);
        Assert.Contains(result.Problems, p => p.Contains($"'{taken.Manifest.Id}/shard0/oplog.bson' is missing", StringComparison.Ordinal));
        Assert.Contains(result.Problems, p => p.Contains($"'{taken.Manifest.Id}/shard0/shop/orders.bson.gz' is missing", StringComparison.Ordinal)
            || p.Contains($"'{taken.Manifest.Id}/shard0/shop/orders.bson' is missing", StringComparison.Ordinal));
        Assert.True(result.Files.Where(f => f.Path.StartsWith("shard1/", StringComparison.Ordinal) && f.Path != "shard1/shop/orders.bson").All(f => f.Passed),
            string.Join("; ", result.Problems));
    }

    [Fact]
    public async Task The_scratch_restore_renames_every_database_compares_counts_summed_over_shards_and_leaves_the_real_names_alone()
    {
        using var taken = await ClusterSnapshotUnderWrites.TakeAsync();
        using var target = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", Log = TextWriter.Null });
        using var client = new MongoClient(target.ConnectionString);
        var planted = client.GetDatabase("shop").GetCollection<BsonDocument>("orders");
        await planted.InsertOneAsync(new BsonDocument { { "_id", "keep" }, { "qty", 1 } });
        var observer = new RecordingObserver();

        var result = await new SnapshotVerifier(observer).VerifyAsync(taken.Cluster.Repository, taken.Manifest.Id,
            new ConnectionSettings { ConnectionString = target.ConnectionString }, null, CancellationToken.None);

        Assert.True(result.Passed, string.Join("; ", result.Problems));
        Assert.True(result.RestoreChecked);
        var expected = ShardSnapshotViews.NamespacesOf(taken.Manifest);
        Assert.Equal(expected.Select(n => n.FullName), result.RestoredCounts.Select(c => c.Namespace));
        Assert.All(result.RestoredCounts, c => Assert.True(c.Matches, $"{c.Namespace}: {c.Restored} of {c.Expected}"));
        Assert.Equal(ClusterSnapshotUnderWrites.Customers, Assert.Single(result.RestoredCounts, c => c.Namespace == "crm.customers").Restored);
        var orders = Assert.Single(result.RestoredCounts, c => c.Namespace == "shop.orders");
        // The fixture's migration of [2500, max) to shard1 left shard0's copies as orphans: copied, counted, left out.
        Assert.Equal(ClusterSnapshotUnderWrites.MigrationOrphans, orders.OrphansLeftOut);
        Assert.Equal(taken.Manifest.Cluster!.Shards.Sum(s => s.Namespaces.Single(n => n.FullName == "shop.orders").Documents) - orders.OrphansLeftOut, orders.Expected);
        Assert.Contains(observer.Verboses, v => v.Contains("scratch databases crm__verify_", StringComparison.Ordinal) && v.Contains("shop__verify_", StringComparison.Ordinal));
        Assert.DoesNotContain(observer.Warnings, w => w.Contains("-NoOplogReplay", StringComparison.Ordinal));

        Assert.Equal([new BsonDocument { { "_id", "keep" }, { "qty", 1 } }], await planted.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync());
        var names = await (await client.ListDatabaseNamesAsync()).ToListAsync();
        Assert.DoesNotContain("crm", names);
        Assert.DoesNotContain(names, n => n.Contains("__verify_", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(ExportFormat.Directory)]
    [InlineData(ExportFormat.Archive)]
    public async Task The_export_is_one_dump_of_the_cluster_at_its_cut_which_restores_into_one_server(ExportFormat format)
    {
        using var taken = await ClusterSnapshotUnderWrites.TakeAsync();
        using var output = new TempFolder();
        var destination = Path.Combine(output.Path, format == ExportFormat.Archive ? "cluster.archive" : "dump");

        var exported = await new SnapshotExporter(new RecordingObserver()).RunAsync(new ExportRequest
        {
            Repository = taken.Cluster.Repository, SnapshotId = taken.Manifest.Id, Destination = destination, Format = format,
        }, CancellationToken.None);

        Assert.Equal(ShardSnapshotViews.NamespacesOf(taken.Manifest).Sum(n => n.Documents) - ClusterSnapshotUnderWrites.MigrationOrphans, exported.Documents);
        Assert.True(exported.OplogEntries > 0);
        if (format == ExportFormat.Directory)
        {
            Assert.Equal(["crm", "shop"], Directory.GetDirectories(destination).Select(Path.GetFileName).Order());
            Assert.True(File.Exists(Path.Combine(destination, "oplog.bson")));
            Assert.True(File.Exists(Path.Combine(destination, "shop", "orders.metadata.json")));
        }

        var database = TestDatabases.NewName("clusterexport");
        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = new ConnectionSettings { ConnectionString = server.ConnectionString },
            SourcePath = destination,
            Filter = new NamespaceFilter(databases: ["shop"]),
            Map = new NamespaceMap().AddDatabaseRename("shop", database),
        }, CancellationToken.None);
        Assert.True(outcome.Succeeded, outcome.OplogError ?? string.Join("; ", outcome.Namespaces.Select(n => n.Error)));
        Assert.Equal(taken.FinalOrders.OrderBy(p => p.Key), (await ClusterSnapshotUnderWrites.OrdersIn(server.Client, database)).OrderBy(p => p.Key));
    }

    [Fact]
    public async Task A_restore_without_the_oplog_warns_that_the_shards_are_not_at_one_time_and_one_shards_folder_warns_it_is_one_shard()
    {
        using var taken = await ClusterSnapshotUnderWrites.TakeAsync();
        var connection = new ConnectionSettings { ConnectionString = server.ConnectionString };
        var observer = new RecordingObserver();
        var outcome = await new RestoreRunner(observer).RunAsync(new RestoreRequest
        {
            Connection = connection,
            Snapshot = new RepositorySnapshot(taken.Cluster.Repository, taken.Manifest.Id),
            Map = new NamespaceMap().AddDatabaseRename("shop", TestDatabases.NewName("noreplay")).AddDatabaseRename("crm", TestDatabases.NewName("noreplaycrm")),
            NoOplogReplay = true,
        }, CancellationToken.None);
        Assert.True(outcome.Succeeded);
        var torn = Assert.Single(observer.Warnings);
        Assert.Contains(taken.Manifest.Id, torn);
        Assert.Contains("not at one cluster time", torn);
        Assert.Contains("cross-shard transaction can be partial", torn);

        var folder = Path.GetDirectoryName(taken.Cluster.Repository.LocalPath(taken.Manifest.Id, SnapshotManifest.FileName))!;
        observer = new RecordingObserver();
        var oneShard = await new RestoreRunner(observer).RunAsync(new RestoreRequest
        {
            Connection = connection,
            SourcePath = Path.Combine(folder, "shard1"),
            Map = new NamespaceMap().AddDatabaseRename("shop", TestDatabases.NewName("oneshard")).AddDatabaseRename("crm", TestDatabases.NewName("oneshardcrm")),
        }, CancellationToken.None);
        Assert.True(oneShard.Succeeded, oneShard.OplogError ?? string.Join("; ", oneShard.Namespaces.Select(n => n.Error)));
        var warning = Assert.Single(observer.Warnings);
        Assert.Contains($"one shard (shard1) of cluster snapshot {taken.Manifest.Id}", warning);
        Assert.Contains($"Restore-MongoDatabase -Path '{folder}'", warning);

        // The snapshot itself, with its oplog, is the cluster at one time: no warning.
        observer = new RecordingObserver();
        var whole = TestDatabases.NewName("whole");
        var restored = await new RestoreRunner(observer).RunAsync(new RestoreRequest
        {
            Connection = connection,
            Snapshot = new RepositorySnapshot(taken.Cluster.Repository, taken.Manifest.Id),
            Map = new NamespaceMap().AddDatabaseRename("shop", whole).AddDatabaseRename("crm", TestDatabases.NewName("wholecrm")),
        }, CancellationToken.None);
        Assert.Empty(observer.Warnings);
        Assert.Equal(taken.FinalOrders.OrderBy(p => p.Key), (await ClusterSnapshotUnderWrites.OrdersIn(server.Client, whole)).OrderBy(p => p.Key));
    }

    [Fact]
    public async Task A_restores_result_counts_the_documents_inserted_from_the_snapshot_and_those_its_collections_hold_after_the_oplog_replay()
    {
        using var taken = await ClusterSnapshotUnderWrites.TakeAsync();
        var database = TestDatabases.NewName("final");
        var outcome = await new RestoreRunner(new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = new ConnectionSettings { ConnectionString = server.ConnectionString },
            Snapshot = new RepositorySnapshot(taken.Cluster.Repository, taken.Manifest.Id),
            Filter = new NamespaceFilter(databases: ["shop"]),
            Map = new NamespaceMap().AddDatabaseRename("shop", database),
        }, CancellationToken.None);

        var orders = Assert.Single(outcome.Namespaces, n => n.SourceNamespace == "shop.orders");
        Assert.Equal(ClusterSnapshotUnderWrites.MigrationOrphans, orders.OrphansLeftOut);
        Assert.Equal(ShardSnapshotViews.NamespacesOf(taken.Manifest).Single(n => n.FullName == "shop.orders").Documents - orders.OrphansLeftOut, orders.Documents);
        Assert.Equal(taken.FinalOrders.Count, orders.FinalDocuments);
        Assert.True(outcome.OplogEntriesApplied > 0);
    }
}
