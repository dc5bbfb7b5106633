using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Dump;
using MongoBackup.Engine.Oplog;
using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Restore;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// -Resume of a point-in-time restore finishes the interrupted restore to its own moment; a resume to another moment
/// is refused for every namespace the interrupted restore took, before anything is written (else some collections
/// would end at one moment and some at the other), and the dry run (-WhatIf's check) refuses the same ones.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class PointInTimeResumeTests(MongoServerFixture server) : IDisposable
{
    private readonly TempFolder _folder = new();
    private ConnectionSettings Connection => new() { ConnectionString = server.ConnectionString };

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_resume_to_a_later_moment_is_refused_everywhere_before_writing_and_the_same_moment_finishes_it()
    {
        var database = TestDatabases.NewName("pitres");
        var db = server.Client.GetDatabase(database);
        using var session = await server.Client.StartSessionAsync();
        var orders = db.GetCollection<BsonDocument>("orders");
        await orders.InsertManyAsync(session, Enumerable.Range(0, 100).Select(i => new BsonDocument { { "_id", i }, { "qty", i } }));
        await db.GetCollection<BsonDocument>("audit").InsertOneAsync(session, new BsonDocument("_id", "start"));
        var repository = new FolderRepository(_folder.Path);
        await new BackupRunner(new RecordingObserver()).RunAsync(new BackupRequest
        {
            Connection = Connection, Repository = repository, Filter = new NamespaceFilter(databases: [database]),
        }, CancellationToken.None);
        await orders.InsertManyAsync(session, Enumerable.Range(100, 20).Select(i => new BsonDocument { { "_id", i }, { "qty", i } }));
        var first = OplogLimit.AtClusterTime(OplogTimestamp.FromBsonTimestamp(session.OperationTime));
        await orders.DeleteManyAsync(session, new BsonDocument("_id", new BsonDocument("$lt", 50)));
        await db.GetCollection<BsonDocument>("audit").InsertOneAsync(session, new BsonDocument("_id", "later"));
        var later = OplogLimit.AtClusterTime(OplogTimestamp.FromBsonTimestamp(session.OperationTime));
        Assert.NotNull(await new OplogSliceRunner(new RecordingObserver()).RunAsync(
            new OplogSliceRequest { Connection = Connection, Repository = repository }, CancellationToken.None));
        var target = TestDatabases.NewName("pitres_r");
        await InterruptedRestore.RunAsync((observer, ct) => new PointInTimeRestoreRunner(observer).RunAsync(Request(repository, first, database, target, resume: false), ct));
        var left = await CountsAsync(target);

        var toLater = Request(repository, later, database, target, resume: true);
        var window = await PointInTimeRestoreRunner.PlanAsync(toLater, CancellationToken.None);
        var check = PointInTimeRestoreRunner.RestoreRequestFor(toLater, window);
        var planned = await TargetCheck.CheckAsync(check, await RestoreRunner.PlanAsync(check, CancellationToken.None), CancellationToken.None);
        var observer = new RecordingObserver();
        var refused = await new PointInTimeRestoreRunner(observer).RunAsync(toLater, CancellationToken.None);

        Assert.Equal(2, planned.Count);
        Assert.All(planned, p => Assert.Contains($"interrupted restore of snapshot {window.BaseSnapshot.Id} as of {first.Timestamp}", p.Refusal?.Message));
        Assert.Equal(planned.Select(p => p.Refusal!.Message).Order(), observer.Failures.Select(f => f.Error.Message).Order());
        Assert.All(observer.Failures, f => Assert.Equal(ErrorIds.TargetNotEmpty, f.Error.ErrorId));
        Assert.False(refused.Restore.Succeeded);
        Assert.Equal(left, await CountsAsync(target));

        var resumed = await new PointInTimeRestoreRunner(new RecordingObserver()).RunAsync(Request(repository, first, database, target, resume: true), CancellationToken.None);

        Assert.True(resumed.Restore.Succeeded, string.Join("; ", resumed.Restore.Namespaces.Select(n => n.Error)));
        Assert.Equal((120L, 1L), await CountsAsync(target));
    }

    private PointInTimeRestoreRequest Request(ISnapshotRepository repository, OplogLimit limit, string database, string target, bool resume) => new()
    {
        Repository = repository, Limit = limit,
        Restore = new RestoreRequest { Connection = Connection, Map = new NamespaceMap().AddDatabaseRename(database, target), Resume = resume },
    };

    private async Task<(long Orders, long Audit)> CountsAsync(string database) =>
        (await server.Client.GetDatabase(database).GetCollection<BsonDocument>("orders").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty),
         await server.Client.GetDatabase(database).GetCollection<BsonDocument>("audit").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
}
