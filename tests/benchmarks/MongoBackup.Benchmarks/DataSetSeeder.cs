using System.Diagnostics;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Benchmarks;

/// <summary>One collection of the data set and how many documents it gets.</summary>
public sealed record SeededCollection(string Database, string Name, long Documents);

/// <summary>
/// Fills the source database through the driver: the first collection holds half the documents, the others
/// share the rest. Documents look like application data (numbers, dates, a sub-document, an array, text from a
/// small vocabulary) so compression ratios are neither trivial nor hopeless; the generator is seeded, so every
/// run stores the same bytes.
/// </summary>
public sealed class DataSetSeeder(IMongoClient client, BenchOptions options)
{
    public const string SourceDatabase = "benchsrc";
    private const int BatchSize = 1000;

    private static readonly string[] Words =
    [
        "order", "customer", "shipped", "pending", "invoice", "warehouse", "express", "standard", "refund", "discount",
        "london", "paris", "berlin", "madrid", "oslo", "lisbon", "vienna", "prague", "dublin", "athens",
        "red", "blue", "green", "black", "white", "small", "medium", "large", "premium", "basic",
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
        "cotton", "steel", "glass", "paper", "wood", "leather", "plastic", "silver", "gold", "copper",
        "monday", "tuesday", "friday", "summer", "winter", "spring", "autumn", "morning", "evening", "night",
    ];

    public IReadOnlyList<SeededCollection> Plan()
    {
        var collections = new List<SeededCollection>();
        var first = options.Collections == 1 ? options.Documents : options.Documents / 2;
        collections.Add(new SeededCollection(SourceDatabase, "coll0", first));
        var rest = options.Documents - first;
        for (var i = 1; i < options.Collections; i++)
        {
            var share = rest / (options.Collections - 1) + (i <= rest % (options.Collections - 1) ? 1 : 0);
            collections.Add(new SeededCollection(SourceDatabase, $"coll{i}", share));
        }
        return collections;
    }

    public async Task<IReadOnlyList<SeededCollection>> SeedAsync(CancellationToken ct)
    {
        var plan = Plan();
        var clock = Stopwatch.StartNew();
        long inserted = 0;
        var nextReport = options.Documents / 10;
        foreach (var (collection, index) in plan.Select((c, i) => (c, i)))
        {
            var target = client.GetDatabase(collection.Database).GetCollection<BsonDocument>(collection.Name);
            var random = new Random(index + 1);
            // Two batches in flight: one being generated here while the server stores the other.
            Task? pending = null;
            for (long start = 0; start < collection.Documents; start += BatchSize)
            {
                var count = (int)Math.Min(BatchSize, collection.Documents - start);
                var batch = Enumerable.Range(0, count).Select(i => NewDocument(start + i, random)).ToList();
                if (pending is not null) await pending;
                pending = target.InsertManyAsync(batch, new InsertManyOptions { IsOrdered = false }, ct);
                inserted += count;
                if (inserted >= nextReport)
                {
                    Console.Error.WriteLine($"  seeded {inserted:N0} of {options.Documents:N0} documents ({clock.Elapsed.TotalSeconds:0} s)");
                    nextReport += options.Documents / 10;
                }
            }
            if (pending is not null) await pending;
        }
        return plan;
    }

    public BsonDocument NewDocument(long id, Random random)
    {
        var document = new BsonDocument
        {
            { "_id", id },
            { "customer", $"{Word(random)}-{random.Next(100_000)}" },
            { "status", Word(random) },
            { "amount", Math.Round(random.NextDouble() * 1000, 2) },
            { "quantity", random.Next(1, 50) },
            { "created", new BsonDateTime(new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(random.Next(60_000_000))) },
            { "address", new BsonDocument { { "city", Word(random) }, { "street", $"{random.Next(1, 300)} {Word(random)} street" }, { "zip", random.Next(10_000, 99_999).ToString() } } },
            { "tags", new BsonArray { Word(random), Word(random), Word(random) } },
        };
        document.Add("notes", Text(random, Math.Max(16, options.DocumentSize - document.ToBson().Length - 16)));
        return document;
    }

    private static string Word(Random random) => Words[random.Next(Words.Length)];

    private static string Text(Random random, int length)
    {
        var text = new System.Text.StringBuilder(length + 16);
        while (text.Length < length) text.Append(Word(random)).Append(' ');
        return text.ToString(0, length);
    }
}
