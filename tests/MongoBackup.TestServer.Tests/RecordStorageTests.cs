using MongoBackup.TestServer.Oplog;
using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// The record store's slabs hand back exactly the bytes stored, keep handed-out views unchanged when records are
/// replaced or removed, and the byte-level insert entry equals the general oplog encoder's output.
/// </summary>
public class RecordStorageTests
{
    private static byte[] Document(int id, int padding) => new BsonDocument { { "_id", id }, { "pad", new string('x', padding) } }.ToBson();

    [Fact]
    public void Records_of_every_size_read_back_exactly_across_many_segments()
    {
        var store = new RecordStore();
        var expected = new Dictionary<long, byte[]>();
        for (var i = 0; i < 5000; i++)
        {
            var bytes = Document(i, i % 97 * 40);
            expected[store.Append(bytes)] = bytes;
        }
        var huge = Document(-1, 6 * 1024 * 1024); // larger than any shared segment
        expected[store.Append(huge)] = huge;

        Assert.Equal(expected.Count, store.Count);
        Assert.Equal(expected.Values.Sum(b => (long)b.Length), store.TotalBytes);
        foreach (var (id, bytes) in store.Scan(0, forward: true)) Assert.True(bytes.Span.SequenceEqual(expected[id]));
    }

    [Fact]
    public void A_view_handed_out_keeps_its_bytes_after_the_record_is_replaced_or_removed()
    {
        var store = new RecordStore();
        var first = store.Append(Document(1, 100));
        var second = store.Append(Document(2, 100));
        var viewOfFirst = store.Get(first);
        var viewOfSecond = store.Get(second);

        store.Replace(first, Document(1, 5000));
        store.Remove(second);

        Assert.True(viewOfFirst.Span.SequenceEqual(Document(1, 100)));
        Assert.True(viewOfSecond.Span.SequenceEqual(Document(2, 100)));
        Assert.True(store.Get(first).Span.SequenceEqual(Document(1, 5000)));
        Assert.False(store.Contains(second));
        store.Restore(second, Document(2, 100));
        Assert.Equal(new[] { first, second }, store.Scan(0, forward: true).Select(r => r.Id));
    }

    [Fact]
    public void A_large_immutable_array_is_kept_in_place_and_a_small_one_is_copied()
    {
        var store = new RecordStore();
        var batch = new byte[128 * 1024];
        var inBatch = Document(1, 500);
        inBatch.CopyTo(batch, 1000);
        var small = Document(2, 10);

        var keptId = store.AppendImmutable(batch.AsMemory(1000, inBatch.Length));
        var copiedId = store.AppendImmutable(small);

        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(store.Get(keptId), out var kept));
        Assert.Same(batch, kept.Array);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(store.Get(copiedId), out var copied));
        Assert.NotSame(small, copied.Array);
        Assert.True(store.Get(copiedId).Span.SequenceEqual(small));
    }

    [Fact]
    public void Capped_removal_from_the_front_keeps_the_newest_records()
    {
        var store = new RecordStore();
        var ids = Enumerable.Range(0, 20_000).Select(i => store.Append(Document(i, 300))).ToList();
        foreach (var id in ids.Take(19_000)) store.Remove(id);

        Assert.Equal(ids[19_000], store.FirstId());
        Assert.Equal(1000, store.Count);
        var i = 19_000;
        foreach (var (id, bytes) in store.Scan(0, forward: true)) Assert.True(bytes.Span.SequenceEqual(Document(i++, 300)), $"record {id}");
    }

    [Fact]
    public void A_spliced_record_reads_back_as_its_template_with_each_document_in_place()
    {
        var store = new RecordStore();
        var batch = new byte[4096];
        var first = Document(1, 300);
        var second = Document(2, 700);
        first.CopyTo(batch, 10);
        second.CopyTo(batch, 2000);
        byte[] template = [1, 2, 3, 4, 5, 6, 7];
        SplicedDocument[] spliced = [new(2, batch.AsMemory(10, first.Length)), new(5, batch.AsMemory(2000, second.Length))];
        byte[] expected = [1, 2, .. first, 3, 4, 5, .. second, 6, 7];

        var before = store.Append(Document(0, 10));
        var id = store.AppendSpliced(template, spliced);
        template.AsSpan().Clear(); // the template is copied; only the spliced documents are kept by reference

        Assert.True(store.Get(id).Span.SequenceEqual(expected));
        Assert.Equal(Document(0, 10).Length + expected.Length, store.TotalBytes);
        Assert.Equal([before, id], store.Scan(0, forward: true).Select(r => r.Id));
        var view = store.Get(id);
        store.Remove(id);
        Assert.Equal(Document(0, 10).Length, store.TotalBytes);
        Assert.True(view.Span.SequenceEqual(expected));
    }

    /// <summary>
    /// A retryable write's grouped inserts, written from the documents' bytes (those of 256 bytes or more spliced in by
    /// reference, smaller ones copied), equal the general encoding of the same applyOps entry byte for byte: every
    /// length around a spliced document counts it.
    /// </summary>
    [Fact]
    public void The_grouped_insert_entry_written_from_bytes_equals_the_general_encoding()
    {
        var collection = new Collection("db", "coll", CollectionKind.Collection, new BsonDocument(), Guid.Parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"));
        var documents = Enumerable.Range(0, 70).Select(i => (i % 3) switch
        {
            0 => (BsonValue)i,
            1 => $"id {i}",
            _ => new BsonDocument { { "k", i }, { "s", "v" } },
        }).Select((id, i) => new BsonDocument { { "_id", id }, { "pad", new string('p', i * 37 % 600) } }.ToBson()).ToList();
        Assert.Contains(documents, d => d.Length < InsertFields.SplicedDocumentMinBytes);
        Assert.Contains(documents, d => d.Length >= InsertFields.SplicedDocumentMinBytes);
        var inserts = documents.Select((d, i) => new GroupedInsertEncoder.Insert(collection, d, 100 + i)).ToList();
        var lsid = new BsonDocument("id", new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard));
        var prevOpTime = new BsonDocument { { "ts", new BsonTimestamp(1_700_000_000, 2) }, { "t", 1L } };

        Assert.True(GroupedInsertEncoder.TryEncode(GroupedInsertEncoder.BytesOf(lsid), 42, inserts, new OpTime(new BsonTimestamp(1_700_000_000, 2), 1), out var direct));
        var general = OplogEntryEncoder.Encode(new BsonDocument
        {
            { "lsid", lsid }, { "txnNumber", 42L }, { "op", "c" }, { "ns", "admin.$cmd" },
            { "o", new BsonDocument("applyOps", new BsonArray(inserts.Select(i => IOplogSink.InsertEntry(collection, i.Document).Add("stmtId", i.StatementId)))) },
            { "multiOpType", 1 }, { "prevOpTime", prevOpTime },
        });

        var ts = new BsonTimestamp(1_700_000_000, 3);
        var wall = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        Assert.NotNull(direct.Spliced);
        Assert.Equal(Assembled(general, ts, wall), Assembled(direct, ts, wall));
        Assert.Equal(direct.Size, Assembled(direct, ts, wall).Length);
    }

    public static IEnumerable<object[]> Ids() => new BsonValue[]
    {
        7, int.MinValue, 8L, long.MaxValue, 2.5, double.NaN, ObjectId.Parse("65a1b2c3d4e5f60718293a4b"), "text", new BsonDocument("k", 1),
        new BsonDecimal128(Decimal128.Parse("1.25")), BsonNull.Value,
    }.Select(id => new object[] { id });

    [Theory]
    [MemberData(nameof(Ids))]
    public void The_first_value_read_from_the_bytes_is_the_one_the_reader_gives(BsonValue id)
    {
        var stored = new StoredBsonDocument(new BsonDocument { { "_id", id }, { "a", 1 } }.ToBson());
        var read = stored.FirstValue();
        Assert.Equal(stored.GetElement(0).Value.BsonType, read.BsonType);
        Assert.Equal(stored.GetElement(0).Value, read);
    }

    public static IEnumerable<object[]> InsertedDocuments() => new[]
    {
        new object[] { new BsonDocument { { "_id", 7 }, { "a", "short" } } }, // copied into the entry
        new object[] { new BsonDocument { { "_id", ObjectId.Parse("65a1b2c3d4e5f60718293a4b") }, { "a", new string('q', 1000) } } }, // embedded
        new object[] { new BsonDocument { { "_id", new BsonDocument("k", "v") }, { "a", new string('q', 300) } } },
        new object[] { new BsonDocument { { "_id", "string id" }, { "a", 1.5 } } },
        new object[] { new BsonDocument { { "_id", new BsonBinaryData(new byte[] { 9, 8 }) } } },
    };

    [Theory]
    [MemberData(nameof(InsertedDocuments))]
    public void The_insert_entry_written_from_bytes_equals_the_general_encoding(BsonDocument document)
    {
        var bytes = document.ToBson();
        var ui = new BsonBinaryData(Guid.Parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"), GuidRepresentation.Standard);
        var general = OplogEntryEncoder.Encode(new BsonDocument
        {
            { "op", "i" }, { "ns", "db.coll" }, { "ui", ui }, { "o", new StoredBsonDocument(bytes) }, { "o2", new BsonDocument("_id", document["_id"]) },
        });

        Assert.True(InsertEntryEncoder.TryEncode("db.coll"u8, ui.Bytes, bytes, out var direct));

        var ts = new BsonTimestamp(1_700_000_000, 3);
        var wall = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        Assert.Equal(Assembled(general, ts, wall), Assembled(direct, ts, wall));
    }

    [Fact]
    public void An_id_type_without_a_fixed_layout_takes_the_general_path()
    {
        var bytes = new BsonDocument { { "_id", new BsonJavaScript("x") }, { "a", 1 } }.ToBson();
        Assert.False(InsertEntryEncoder.TryEncode("db.coll"u8, new byte[16], bytes, out _));
        Assert.False(RetryableInsertEncoder.TryEncode(new BsonDocument("id", 1).ToBson(), 1, "db.coll"u8, new byte[16], bytes, 0, OpTime.Null, out _));
    }

    public static IEnumerable<object[]> RetryableInserts() => InsertedDocuments()
        .Concat(Ids().Select(id => new object[] { new BsonDocument { { "_id", (BsonValue)id[0] }, { "pad", new string('r', 400) } } }))
        .SelectMany(d => new[] { new object[] { d[0], true }, [d[0], false] });

    /// <summary>
    /// A 7.0 retryable insert's entry (one per document), written from the document's bytes, equals byte for byte what
    /// the general path builds as a document and encodes: {lsid, txnNumber, op, ns, ui, o, o2, stmtId, ts, t, v, wall,
    /// prevOpTime}, for every _id type the encoder sizes, documents copied and spliced, a command's first entry (the
    /// null optime, t: -1) and a later one.
    /// </summary>
    [Theory]
    [MemberData(nameof(RetryableInserts))]
    public void The_retryable_insert_entry_written_from_bytes_equals_the_general_encoding(BsonDocument document, bool firstOfCommand)
    {
        var prevOpTime = firstOfCommand ? OpTime.Null : new OpTime(new BsonTimestamp(1_700_000_000, 9), 1);
        var collection = new Collection("db", "cöll", CollectionKind.Collection, new BsonDocument(), Guid.Parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"));
        var lsid = new BsonDocument { { "id", new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard) }, { "uid", new BsonBinaryData(new byte[32]) } };
        var bytes = document.ToBson();
        var general = new BsonDocument { { "lsid", lsid }, { "txnNumber", 42L } }.AddRange(IOplogSink.InsertEntry(collection, bytes));
        general.Add("stmtId", 7).Add("prevOpTime", prevOpTime.ToDocument());

        Assert.True(RetryableInsertEncoder.TryEncode(lsid.ToBson(), 42, collection.NamespaceUtf8, collection.UuidValue.Bytes, bytes, 7, prevOpTime, out var direct));

        var ts = new BsonTimestamp(1_700_000_000, 10);
        var wall = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        Assert.Equal(bytes.Length >= InsertFields.SplicedDocumentMinBytes, direct.Spliced is not null);
        Assert.Equal(Assembled(OplogEntryEncoder.Encode(general), ts, wall), Assembled(direct, ts, wall));
        Assert.Equal(direct.Size, Assembled(direct, ts, wall).Length);
    }

    private static byte[] Assembled(EncodedOplogEntry entry, BsonTimestamp ts, DateTime wall)
    {
        entry.Stamp(ts, wall);
        return entry.Assembled();
    }
}
