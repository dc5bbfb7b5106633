using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using MongoBackup.Engine.Model;
using MongoDB.Bson;
using MongoDB.Bson.IO;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// One <c>insert</c> command written as BSON straight from a batch's raw documents, so a restored document is copied
/// once into the command and never wrapped, parsed or re-serialized: <c>{insert: name, ordered: false,
/// [bypassDocumentValidation: true], [writeConcern], [txnNumber], documents: [...]}</c>, the command's documented form
/// (https://www.mongodb.com/docs/manual/reference/command/insert/). The driver sends a <see cref="RawBsonDocument"/>
/// command by copying its bytes and appending $db, lsid and $clusterTime (MongoDB.Bson's ElementAppendingBsonWriter).
/// A command holds at most <see cref="MaxCommandBytes"/> (the server's maxBsonObjectSize: a command object may not be
/// larger, bar a 16 KiB allowance for what the driver appends) and <see cref="MaxDocuments"/> (maxWriteBatchSize).
/// </summary>
internal sealed class RawInsertCommand : IDisposable
{
    /// <summary>maxBsonObjectSize, the limit of the command document (hello reports it; 16 MiB on every supported server).</summary>
    public const int MaxCommandBytes = 16 * 1024 * 1024;

    /// <summary>maxWriteBatchSize of MongoDB 3.6 and later: statements in one write command.</summary>
    public const int MaxDocuments = 100_000;

    private byte[]? _buffer;

    private RawInsertCommand(byte[] buffer, int length, int first, int count)
    {
        _buffer = buffer;
        Length = length;
        First = first;
        Count = count;
    }

    /// <summary>Index, in the batch, of the command's first document (writeErrors' indexes count from it).</summary>
    public int First { get; }

    /// <summary>Documents in the command.</summary>
    public int Count { get; }

    /// <summary>Bytes of the command document.</summary>
    public int Length { get; }

    /// <summary>The command as the driver takes it; valid until <see cref="Dispose"/>.</summary>
    public RawBsonDocument Document() =>
        new(new ByteArrayBuffer(_buffer ?? throw new ObjectDisposedException(nameof(RawInsertCommand)), Length, isReadOnly: true));

    /// <summary>Returns the buffer to the pool; <see cref="Document"/>s made before must not be used after.</summary>
    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
    }

    /// <summary>
    /// Cuts <paramref name="documents"/> (raw BSON, in order) into commands for <paramref name="collection"/>, each as
    /// full as the limits allow. A document too large to fit in a command with its header is not included: it is
    /// returned in <paramref name="oversized"/> (by its index) for the caller to send another way. With
    /// <paramref name="transactionNumbers"/>, each command carries the next of them as its txnNumber, which makes it a
    /// retryable write of the session it is sent in (the server applies a resent statement once).
    /// </summary>
    /// <param name="placed">When given (as long as <paramref name="documents"/>), each document included is set to its
    /// copy inside its command, so the memory it came from can be given back before the commands are sent.</param>
    public static List<RawInsertCommand> Build(string collection, byte[]? writeConcern, Func<long>? transactionNumbers,
        IReadOnlyList<ReadOnlyMemory<byte>> documents, List<int> oversized, ReadOnlyMemory<byte>[]? placed = null)
    {
        var header = Header(collection, writeConcern, transactionNumbers is not null);
        var commands = new List<RawInsertCommand>();
        var i = 0;
        while (i < documents.Count)
        {
            var first = i;
            var size = header.Length + 4 + 1 + 1; // + the array's length and terminator, + the command's terminator
            var end = i;
            for (; end < documents.Count && end - first < MaxDocuments; end++)
            {
                var element = 1 + Digits(end - first) + 1 + documents[end].Length;
                if (size + element > MaxCommandBytes)
                {
                    if (end == first)
                    {
                        oversized.Add(end); // alone it does not fit: skip it and start after it
                        first = ++i;
                        size = header.Length + 6;
                        continue;
                    }
                    break;
                }
                size += element;
            }
            if (end == first) break;
            var command = Write(header, documents, first, end, size, placed);
            if (transactionNumbers is not null)
                BinaryPrimitives.WriteInt64LittleEndian(command._buffer!.AsSpan(4 + header.Length - 4 - TxnNumberValue), transactionNumbers());
            commands.Add(command);
            i = end;
        }
        return commands;
    }

    private static RawInsertCommand Write(byte[] header, IReadOnlyList<ReadOnlyMemory<byte>> documents, int first, int end, int size,
        ReadOnlyMemory<byte>[]? placed)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        var span = buffer.AsSpan(0, size);
        BinaryPrimitives.WriteInt32LittleEndian(span, size);
        header.CopyTo(span[4..]);
        var at = 4 + header.Length - 4; // the header ends with the documents array's length placeholder
        var arrayStart = at;
        at += 4;
        Span<byte> digits = stackalloc byte[10];
        for (var d = first; d < end; d++)
        {
            span[at++] = (byte)BsonType.Document;
            var index = d - first;
            index.TryFormat(digits, out var written, provider: System.Globalization.CultureInfo.InvariantCulture);
            digits[..written].CopyTo(span[at..]);
            at += written;
            span[at++] = 0;
            documents[d].Span.CopyTo(span[at..]);
            if (placed is not null) placed[d] = buffer.AsMemory(at, documents[d].Length);
            at += documents[d].Length;
        }
        span[at++] = 0; // end of the array
        BinaryPrimitives.WriteInt32LittleEndian(span[arrayStart..], at - arrayStart);
        span[at++] = 0; // end of the command
        return new RawInsertCommand(buffer, size, first, end - first);
    }

    /// <summary>
    /// Whether inserts into <paramref name="collection"/> bypass document validation. A collection's are: its documents
    /// were valid on the source when they were written, and a restore must bring back what was there, as it was. A
    /// time-series collection's buckets (system.buckets.NAME) are not: their validator is the server's own, structural
    /// check of a bucket (create_collection.cpp, _createTimeseries), which every bucket mongod wrote passes, and which
    /// alone stops a damaged or hand-made bucket from going in unreadable (mongorestore leaves the flag off for them too:
    /// mongo-tools restore.go; and the newest servers refuse bypassDocumentValidation on raw bucket writes,
    /// jstests/core/timeseries/write/timeseries_bypass_document_validation_raw_buckets.js). Refused buckets are counted
    /// and named like any refused document.
    /// </summary>
    public static bool BypassesValidation(string collection) => !TimeseriesBuckets.IsBuckets(collection);

    /// <summary>Bytes between the txnNumber's value and the documents array's length: the array's element name.</summary>
    private static readonly int TxnNumberValue = 8 + 1 + "documents".Length + 1;

    /// <summary>
    /// The command's elements before the documents, ending with the documents array's name and a 4-byte length to fill;
    /// with <paramref name="txnNumber"/>, a txnNumber (int64) to fill just before the array.
    /// </summary>
    private static byte[] Header(string collection, byte[]? writeConcern, bool txnNumber)
    {
        using var stream = new MemoryStream();
        stream.Write(stackalloc byte[4]); // the command's length, written separately
        Element(stream, BsonType.String, "insert");
        var name = Encoding.UTF8.GetBytes(collection);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, name.Length + 1);
        stream.Write(length);
        stream.Write(name);
        stream.WriteByte(0);
        Element(stream, BsonType.Boolean, "ordered");
        stream.WriteByte(0);
        if (BypassesValidation(collection))
        {
            Element(stream, BsonType.Boolean, "bypassDocumentValidation");
            stream.WriteByte(1);
        }
        if (writeConcern is not null)
        {
            Element(stream, BsonType.Document, "writeConcern");
            stream.Write(writeConcern);
        }
        if (txnNumber)
        {
            Element(stream, BsonType.Int64, "txnNumber");
            stream.Write(stackalloc byte[8]);
        }
        Element(stream, BsonType.Array, "documents");
        stream.Write(stackalloc byte[4]);
        return stream.ToArray()[4..];
    }

    private static void Element(Stream stream, BsonType type, string name)
    {
        stream.WriteByte((byte)type);
        stream.Write(Encoding.UTF8.GetBytes(name));
        stream.WriteByte(0);
    }

    /// <summary>
    /// The most bytes a command adds to its documents' own: the header (its name, options and write concern; a
    /// collection name is at most 255 bytes) and each document's element type and index name. A batch cut so that
    /// <c>bytes + documents * <see cref="PerDocumentOverhead"/> + <see cref="HeaderAllowance"/></c> stays within a
    /// power of two fills a pooled buffer of that size instead of one twice as large.
    /// </summary>
    public const int HeaderAllowance = 4 * 1024;

    /// <inheritdoc cref="HeaderAllowance"/>
    public const int PerDocumentOverhead = 1 + 6 + 1;

    private static int Digits(int value) => value < 10 ? 1 : value < 100 ? 2 : value < 1000 ? 3 : value < 10_000 ? 4 : value < 100_000 ? 5 : 6;
}
