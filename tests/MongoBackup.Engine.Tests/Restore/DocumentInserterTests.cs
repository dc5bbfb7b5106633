using System.Runtime.CompilerServices;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Integration;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Restore;

/// <summary>
/// The restore's inserter: documents go in as whole blocks in unordered bulk inserts, each sent once it holds 10,000
/// documents or the batch bytes (raw BSON); a document the server refuses is counted and warned about while the rest
/// still go in; progress and the namespace result say what went in.
/// </summary>
[Collection(MongoServerCollection.Name)]
public sealed class DocumentInserterTests(MongoServerFixture server)
{
    private const int LargeBatch = 64 * 1024 * 1024;

    [Fact]
    public async Task A_batch_is_sent_once_it_holds_ten_thousand_documents()
    {
        var (ns, target) = Target("ins_count");
        var observer = new RecordingObserver();
        var result = Result(ns);

        await new DocumentInserter(server.Client, observer, workers: 1, LargeBatch)
            .InsertAsync(ns, Blocks(Documents(0, 22_500), perBlock: 2_500), result, CancellationToken.None);

        Assert.Equal([10_000, 10_000, 2_500], BatchSizes(observer));
        Assert.Equal(22_500, result.Documents);
        Assert.Equal(22_500, await target.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task A_batch_takes_the_whole_blocks_whose_command_fits_the_batch_bytes_and_progress_counts_their_bytes()
    {
        var (ns, target) = Target("ins_bytes");
        var observer = new RecordingObserver();
        var documents = Documents(0, 95).ToList();
        var blockBytes = documents.Take(10).Sum(d => d.ToBson().Length);
        var result = Result(ns);

        // Three blocks with their command's index names and header fit exactly; a fourth would not.
        var batchBytes = 3 * blockBytes + 30 * RawInsertCommand.PerDocumentOverhead + RawInsertCommand.HeaderAllowance;
        await new DocumentInserter(server.Client, observer, workers: 1, batchBytes)
            .InsertAsync(ns, Blocks(documents, perBlock: 10), result, CancellationToken.None);

        Assert.Equal([30, 30, 30, 5], BatchSizes(observer));
        var last = observer.Progresses.Last();
        Assert.True(last.Completed);
        Assert.Equal(ProgressBytes.RawBson, last.BytesAre);
        Assert.Equal(("Restoring", ns.TargetNamespace, 95L, 95L), (last.Activity, last.Namespace, last.Documents, last.TotalDocuments));
        Assert.Equal(documents.Sum(d => (long)d.ToBson().Length), last.Bytes);
        Assert.Equal(documents, await target.Find(FilterDefinition<BsonDocument>.Empty).SortBy(d => d["_id"]).ToListAsync());
    }

    [Fact]
    public async Task Documents_whose_id_is_already_there_are_refused_counted_and_warned_and_the_others_go_in()
    {
        var (ns, target) = Target("ins_dup");
        await target.InsertManyAsync([new BsonDocument { { "_id", 3 }, { "v", "kept" } }, new BsonDocument { { "_id", 7 }, { "v", "kept" } }]);
        var observer = new RecordingObserver();
        var result = Result(ns);

        await new DocumentInserter(server.Client, observer, workers: 2, LargeBatch)
            .InsertAsync(ns, Blocks(Documents(0, 10), perBlock: 4), result, CancellationToken.None);

        Assert.Equal(8, result.Documents);
        Assert.Equal(2, result.Failures);
        Assert.False(result.Succeeded);
        Assert.Equal(2, observer.Warnings.Count);
        Assert.All(observer.Warnings, w => Assert.StartsWith($"{ns.TargetNamespace}: a document was refused (DuplicateKey): ", w));
        Assert.Equal(10, await target.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.Equal(2, await target.CountDocumentsAsync(new BsonDocument("v", "kept"))); // never overwritten
    }

    [Fact]
    public async Task Beyond_three_refusals_in_a_batch_the_rest_are_counted_in_one_warning()
    {
        var (ns, target) = Target("ins_many");
        await target.InsertManyAsync(Documents(0, 8));
        var observer = new RecordingObserver();
        var result = Result(ns);

        await new DocumentInserter(server.Client, observer, workers: 1, LargeBatch)
            .InsertAsync(ns, Blocks(Documents(0, 10), perBlock: 10), result, CancellationToken.None);

        Assert.Equal((2L, 8L), (result.Documents, result.Failures));
        Assert.Equal(4, observer.Warnings.Count);
        Assert.Equal($"{ns.TargetNamespace}: 5 more documents of that batch were refused.", observer.Warnings.Last());
    }

    [Fact]
    public async Task When_resuming_a_document_already_there_counts_as_restored()
    {
        var (ns, target) = Target("ins_resume");
        await target.InsertManyAsync(Documents(0, 6));
        var observer = new RecordingObserver();
        var result = Result(ns);

        await new DocumentInserter(server.Client, observer, workers: 1, LargeBatch, resume: true)
            .InsertAsync(ns, Blocks(Documents(0, 10), perBlock: 3), result, CancellationToken.None);

        Assert.Equal((10L, 0L), (result.Documents, result.Failures));
        Assert.Empty(observer.Warnings);
        Assert.Equal(10, await target.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task A_file_that_fails_half_way_raises_its_error_and_the_result_counts_what_went_in()
    {
        var (ns, target) = Target("ins_fail");
        var observer = new RecordingObserver();
        var result = Result(ns);
        var damage = new CorruptDumpException("items.bson", 4096, "a document runs past the end of the file");

        var thrown = await Assert.ThrowsAsync<CorruptDumpException>(() => new DocumentInserter(server.Client, observer, workers: 1, batchBytes: 1)
            .InsertAsync(ns, Failing(Blocks(Documents(0, 6), perBlock: 3), after: 1, damage), result, CancellationToken.None));

        Assert.Same(damage, thrown);
        Assert.Equal(3, result.Documents);
        Assert.Equal(3, await target.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.DoesNotContain(observer.Progresses, p => p.Completed);
    }

    [Fact]
    public async Task A_batch_larger_than_one_command_and_a_document_of_the_maximum_size_all_go_in_whole()
    {
        var (ns, target) = Target("ins_large");
        var observer = new RecordingObserver();
        var result = Result(ns);
        // 20 documents of 1 MiB: more than one 16 MiB insert command holds; then one of exactly 16 MiB, the largest a
        // server takes, which no command with its header can hold.
        var documents = Enumerable.Range(0, 20).Select(i => Sized(i, 1024 * 1024)).Append(Sized(20, 16 * 1024 * 1024)).ToList();

        await new DocumentInserter(server.Client, observer, workers: 1, LargeBatch)
            .InsertAsync(ns, Blocks(documents, perBlock: 21), result, CancellationToken.None);

        Assert.Equal((21L, 0L), (result.Documents, result.Failures));
        var stored = await target.Find(FilterDefinition<BsonDocument>.Empty).SortBy(d => d["_id"]).ToListAsync();
        Assert.Equal(documents.Select(d => d.ToBson()), stored.Select(d => d.ToBson()));
    }

    [Fact]
    public async Task Inserts_are_retryable_writes_unless_the_connection_string_turns_them_off()
    {
        var (ns, _) = Target("ins_retry");
        await new DocumentInserter(server.Client, new RecordingObserver(), workers: 1, LargeBatch)
            .InsertAsync(ns, Blocks(Documents(0, 3), perBlock: 3), Result(ns), CancellationToken.None);
        var (plainNs, _) = Target("ins_plain");
        var noRetry = MongoClientSettings.FromConnectionString(server.ConnectionString);
        noRetry.RetryWrites = false;
        using var plain = new MongoClient(noRetry);
        await new DocumentInserter(plain, new RecordingObserver(), workers: 1, LargeBatch)
            .InsertAsync(plainNs, Blocks(Documents(0, 3), perBlock: 3), Result(plainNs), CancellationToken.None);

        // A retryable write's inserts are logged with the session and transaction number they were sent with.
        Assert.All(await InsertEntries(ns), e => Assert.True(e.Contains("lsid") && e.Contains("txnNumber")));
        Assert.All(await InsertEntries(plainNs), e => Assert.False(e.Contains("lsid") || e.Contains("txnNumber")));
    }

    private (PlannedNamespace Namespace, IMongoCollection<BsonDocument> Target) Target(string purpose)
    {
        var database = TestDatabases.NewName(purpose);
        var ns = new PlannedNamespace(new DumpNamespace("source", "items", null, "items.bson"), database, "items");
        return (ns, server.Client.GetDatabase(database).GetCollection<BsonDocument>("items"));
    }

    /// <summary>The oplog's insert entries into <paramref name="ns"/>'s target, each statement as its own document.</summary>
    private async Task<List<BsonDocument>> InsertEntries(PlannedNamespace ns)
    {
        var oplog = server.Client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs");
        var entries = await oplog.Find(new BsonDocument("$or", new BsonArray
        {
            new BsonDocument { { "op", "i" }, { "ns", ns.TargetNamespace } },
            new BsonDocument { { "op", "c" }, { "o.applyOps.ns", ns.TargetNamespace } },
        })).ToListAsync();
        Assert.NotEmpty(entries);
        return entries;
    }

    /// <summary>A document of exactly <paramref name="size"/> bytes of BSON.</summary>
    private static BsonDocument Sized(int id, int size)
    {
        var document = new BsonDocument { { "_id", id }, { "pad", "" } };
        document["pad"] = new string('x', size - document.ToBson().Length);
        return document;
    }

    private static NamespaceRestoreResult Result(PlannedNamespace ns) => new(ns.SourceNamespace, ns.TargetNamespace, ns.Type);

    private static IEnumerable<BsonDocument> Documents(int from, int count) =>
        Enumerable.Range(from, count).Select(i => new BsonDocument { { "_id", i }, { "name", $"item {i:D5}" } });

    /// <summary>The documents added with each progress update of a one-worker insert (one update per batch).</summary>
    private static List<long> BatchSizes(RecordingObserver observer)
    {
        var done = observer.Progresses.Where(p => !p.Completed).Select(p => p.Documents).ToList();
        return done.Select((d, i) => i == 0 ? d : d - done[i - 1]).ToList();
    }

    private static async IAsyncEnumerable<DocumentBlock> Blocks(IEnumerable<BsonDocument> documents, int perBlock)
    {
        foreach (var chunk in documents.Chunk(perBlock))
        {
            var block = new DocumentBlock(DocumentBlock.TargetBytes);
            foreach (var document in chunk)
            {
                var bytes = document.ToBson();
                bytes.CopyTo(block.Append(bytes.Length));
            }
            yield return block;
        }
        await Task.CompletedTask;
    }

    private static async IAsyncEnumerable<DocumentBlock> Failing(IAsyncEnumerable<DocumentBlock> blocks, int after, Exception error,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        var given = 0;
        await foreach (var block in blocks.WithCancellation(ct))
        {
            if (given++ == after)
            {
                block.Dispose();
                throw error;
            }
            yield return block;
        }
    }
}
