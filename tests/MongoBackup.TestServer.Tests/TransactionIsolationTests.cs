using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// Snapshot isolation of transactions in progress, as MongoDB gives it (docs: core/transactions, "Until a transaction
/// commits, the data changes made in the transaction are not visible outside the transaction"; "In-progress
/// Transactions and Write Conflicts"): other readers see the last committed documents, whatever way they read; the
/// transaction reads its own writes; another transaction's write to the same document fails with WriteConflict and a
/// write outside transactions waits for the outcome. A hot backup reading during a transaction must not dump writes
/// that may still abort. Runs against MONGOBACKUP_TEST_URI when set.
/// </summary>
public class TransactionIsolationTests
{
    private sealed class Scenario : IDisposable
    {
        public Scenario()
        {
            Target = MongoTarget.Open();
            Items = Target.NewDatabase("iso").GetCollection<BsonDocument>("items");
            Items.InsertMany([BsonDocument.Parse("{_id: 1, qty: 10}"), BsonDocument.Parse("{_id: 2, qty: 20}"), BsonDocument.Parse("{_id: 3, qty: 30}")]);
            Session = Target.Client.StartSession();
            Session.StartTransaction();
            Items.InsertOne(Session, BsonDocument.Parse("{_id: 4, qty: 40}"));
            Items.UpdateOne(Session, new BsonDocument("_id", 1), BsonDocument.Parse("{$set: {qty: 11}}"));
            Items.DeleteOne(Session, new BsonDocument("_id", 2));
        }

        public MongoTarget Target { get; }
        public IMongoCollection<BsonDocument> Items { get; }
        public IClientSessionHandle Session { get; }

        public static readonly string[] Committed = ["{ \"_id\" : 1, \"qty\" : 10 }", "{ \"_id\" : 2, \"qty\" : 20 }", "{ \"_id\" : 3, \"qty\" : 30 }"];
        public static readonly string[] Transaction = ["{ \"_id\" : 1, \"qty\" : 11 }", "{ \"_id\" : 3, \"qty\" : 30 }", "{ \"_id\" : 4, \"qty\" : 40 }"];

        public void Dispose()
        {
            Session.Dispose();
            Items.Database.Client.DropDatabase(Items.Database.DatabaseNamespace.DatabaseName);
            Target.Dispose();
        }
    }

    private static List<string> Json(IEnumerable<BsonDocument> documents) => documents.Select(d => d.ToJson()).ToList();

    [Fact]
    public void Other_readers_see_the_committed_documents_however_they_read()
    {
        using var s = new Scenario();
        var all = FilterDefinition<BsonDocument>.Empty;

        Assert.Equal(Scenario.Committed, Json(s.Items.Find(all).ToList().OrderBy(d => d["_id"].AsInt32)));
        Assert.Equal(Scenario.Committed, Json(s.Items.Find(all).Sort(new BsonDocument("_id", 1)).ToList()));
        Assert.Equal(Scenario.Committed, Json(s.Items.Find(all, new FindOptions { BatchSize = 1 }).ToList().OrderBy(d => d["_id"].AsInt32)));
        Assert.Equal(Scenario.Committed, Json(s.Items.Find(all).Sort(new BsonDocument("qty", 1)).ToList()));
        Assert.Equal(Scenario.Committed, Json(s.Items.Aggregate().Sort(new BsonDocument("_id", 1)).ToList()));
        Assert.Equal(3, s.Items.CountDocuments(all));
        Assert.Equal(3, s.Items.Database.RunCommand<BsonDocument>(new BsonDocument("count", "items"))["n"].ToInt64());
        Assert.Equal("{ \"_id\" : 2, \"qty\" : 20 }", s.Items.Find(new BsonDocument("_id", 2)).Single().ToJson());
        Assert.Empty(s.Items.Find(new BsonDocument("_id", 4)).ToList());
    }

    [Fact]
    public void The_transaction_reads_its_own_writes_and_everyone_sees_them_once_committed()
    {
        using var s = new Scenario();

        Assert.Equal(Scenario.Transaction, Json(s.Items.Find(s.Session, FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToList()));
        s.Session.CommitTransaction();
        Assert.Equal(Scenario.Transaction, Json(s.Items.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToList()));
    }

    [Fact]
    public void An_aborted_transaction_was_never_seen()
    {
        using var s = new Scenario();
        s.Session.AbortTransaction();
        Assert.Equal(Scenario.Committed, Json(s.Items.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToList()));
    }

    /// <summary>A reader's cursor opened before the transaction's writes and read on after them (a backup's long scan).</summary>
    [Fact]
    public void A_cursor_read_on_while_a_transaction_writes_sees_only_committed_documents()
    {
        using var target = MongoTarget.Open();
        var items = target.Client.GetDatabase(target.NewDatabaseName("iso")).GetCollection<BsonDocument>("items");
        items.InsertMany(Enumerable.Range(1, 6).Select(i => new BsonDocument { { "_id", i }, { "qty", i } }));
        using var cursor = items.Find(FilterDefinition<BsonDocument>.Empty, new FindOptions { BatchSize = 2 }).ToCursor();
        Assert.True(cursor.MoveNext());
        var read = cursor.Current.ToList();
        using var session = target.Client.StartSession();
        session.StartTransaction();
        items.InsertOne(session, new BsonDocument { { "_id", 7 }, { "qty", 7 } });
        items.UpdateOne(session, new BsonDocument("_id", 5), BsonDocument.Parse("{$set: {qty: 50}}"));
        items.DeleteOne(session, new BsonDocument("_id", 6));

        while (cursor.MoveNext()) read.AddRange(cursor.Current);
        session.AbortTransaction();

        Assert.Equal(Enumerable.Range(1, 6).Select(i => new BsonDocument { { "_id", i }, { "qty", i } }.ToJson()), Json(read.OrderBy(d => d["_id"].AsInt32)));
        items.Database.Client.DropDatabase(items.Database.DatabaseNamespace.DatabaseName);
    }

    [Fact]
    public void Another_transaction_writing_the_same_document_gets_WriteConflict_and_is_aborted()
    {
        using var s = new Scenario();
        using var other = s.Target.Client.StartSession();
        other.StartTransaction();

        var error = Assert.Throws<MongoCommandException>(() => s.Items.UpdateOne(other, new BsonDocument("_id", 1), BsonDocument.Parse("{$set: {qty: 12}}")));

        Assert.Equal((112, "WriteConflict"), (error.Code, error.CodeName));
        Assert.True(error.HasErrorLabel("TransientTransactionError"));
        var after = Assert.Throws<MongoCommandException>(() => s.Items.InsertOne(other, new BsonDocument("_id", 9)));
        Assert.Equal(251, after.Code); // NoSuchTransaction: the conflict aborted it
        s.Session.CommitTransaction();
        Assert.Equal(11, s.Items.Find(new BsonDocument("_id", 1)).Single()["qty"].AsInt32);
    }

    [Fact]
    public void Another_transaction_inserting_an_id_the_transaction_inserted_or_deleted_gets_WriteConflict()
    {
        using var s = new Scenario();
        foreach (var id in new[] { 4, 2 })
        {
            using var other = s.Target.Client.StartSession();
            other.StartTransaction();
            var error = Assert.Throws<MongoCommandException>(() => s.Items.InsertOne(other, new BsonDocument("_id", id)));
            Assert.Equal(112, error.Code);
        }
    }

    /// <summary>A write outside transactions to a document a transaction wrote waits until the transaction ends, then applies.</summary>
    [Fact]
    public async Task A_write_outside_transactions_waits_for_the_transaction_and_then_applies()
    {
        using var s = new Scenario();

        var update = Task.Run(() => s.Items.UpdateOne(new BsonDocument("_id", 1), BsonDocument.Parse("{$inc: {qty: 100}}")));
        var finished = await Task.WhenAny(update, Task.Delay(TimeSpan.FromMilliseconds(500)));
        Assert.NotSame(update, finished); // still waiting
        s.Session.CommitTransaction();
        var result = await update;

        Assert.Equal(1, result.ModifiedCount);
        Assert.Equal(111, s.Items.Find(new BsonDocument("_id", 1)).Single()["qty"].AsInt32); // applied after the commit's 11
    }

    [Fact]
    public async Task A_delete_outside_transactions_of_a_document_the_transaction_deleted_finds_nothing_once_it_commits()
    {
        using var s = new Scenario();

        var delete = Task.Run(() => s.Items.DeleteOne(new BsonDocument("_id", 2)));
        var finished = await Task.WhenAny(delete, Task.Delay(TimeSpan.FromMilliseconds(500)));
        Assert.NotSame(delete, finished);
        s.Session.CommitTransaction();

        Assert.Equal(0, (await delete).DeletedCount);
    }

    [Fact]
    public void Writes_to_documents_the_transaction_did_not_touch_go_ahead_at_once()
    {
        using var s = new Scenario();
        s.Items.UpdateOne(new BsonDocument("_id", 3), BsonDocument.Parse("{$set: {qty: 33}}"));
        s.Items.InsertOne(new BsonDocument { { "_id", 5 }, { "qty", 50 } });
        s.Session.CommitTransaction();
        Assert.Equal([11, 33, 40, 50], s.Items.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToList().Select(d => d["qty"].AsInt32));
    }
}
