using MongoDB.Bson;

namespace MongoBackup.Engine.Oplog.Replay;

/// <summary>
/// CRUD operations gathered into one applyOps command, kept under the size MongoDB takes before an operation is
/// added: MongoDB refuses a command body over BSONObjMaxInternalSize, 16 MiB + 16 KiB (src/mongo/bson/util/builder.h;
/// BSONObjectTooLarge), so the command this batch makes stays within BSONObjMaxUserSize, 16 MiB, which leaves 16 KiB
/// for what the driver adds to it ($db, lsid, $clusterTime). An operation too large to share a command is sent alone.
/// </summary>
public sealed class ApplyOpsBatch
{
    /// <summary>The largest command body MongoDB takes, in bytes (BSONObjMaxInternalSize).</summary>
    public const int CommandLimit = 16 * 1024 * 1024 + 16 * 1024;

    /// <summary>The largest command a batch makes, in bytes (BSONObjMaxUserSize); an operation alone may pass it.</summary>
    public const int BodyLimit = 16 * 1024 * 1024;

    /// <summary>The most operations one applyOps carries.</summary>
    public const int MaxOperations = 1000;

    // {applyOps: [], bypassDocumentValidation: true}: length, the array's element and frame, the flag, terminator.
    private const int EmptyCommandBytes = 4 + (1 + 9) + 5 + (1 + 25 + 1) + 1;

    private readonly List<Item> _items = [];

    /// <summary>
    /// One operation, its size in bytes (exact, or an upper bound), how many oplog entries it completes (see
    /// OplogReplayer), and the segment it came from.
    /// </summary>
    public readonly record struct Item(BsonDocument Operation, int Bytes, int Completes, int Segment);

    /// <summary>The operations gathered, in order.</summary>
    public IReadOnlyList<Item> Items => _items;

    /// <summary>Operations gathered.</summary>
    public int Count => _items.Count;
    /// <summary>The size of the command <see cref="Command"/> makes, in bytes.</summary>
    public long Bytes { get; private set; } = EmptyCommandBytes;
    /// <summary>Whether it holds <see cref="MaxOperations"/> and must be sent before another joins.</summary>
    public bool IsFull => _items.Count >= MaxOperations;

    /// <summary>Whether an operation of this size can join without taking the command past its limit (always when empty).</summary>
    public bool CanTake(int operationBytes) =>
        _items.Count == 0 || (!IsFull && Bytes + ElementBytes(_items.Count, operationBytes) <= BodyLimit);

    /// <summary>Adds an operation; ask <see cref="CanTake"/> first.</summary>
    public void Add(Item item)
    {
        Bytes += ElementBytes(_items.Count, item.Bytes);
        _items.Add(item);
    }

    /// <summary>Empties the batch after it was sent.</summary>
    public void Clear()
    {
        _items.Clear();
        Bytes = EmptyCommandBytes;
    }

    /// <summary>
    /// The applyOps command for <paramref name="items"/>. Validation is bypassed: the documents were valid on the source
    /// when they were written, and a restore brings back what was there (as the documents of the dump are inserted).
    /// </summary>
    public static BsonDocument Command(IEnumerable<Item> items) => new()
    {
        { "applyOps", new BsonArray(items.Select(i => i.Operation)) },
        { "bypassDocumentValidation", true },
    };

    // An array element: type byte, its index as a C string, the document.
    private static long ElementBytes(int index, int length) => 1 + Digits(index) + 1 + length;

    private static int Digits(int index) => index < 10 ? 1 : (int)Math.Floor(Math.Log10(index)) + 1;
}
