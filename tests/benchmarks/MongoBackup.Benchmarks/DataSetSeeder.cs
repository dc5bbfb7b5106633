using System.Diagnostics;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Benchmarks;

/// <summary>One collection of the data set and how many documents it gets.</summary>
public sealed record SeededCollection(string Database, string Name, long Documents)
{
    /// <summary>The documents' BSON bytes, as the server stores them (0 in a plan not yet seeded).</summary>
    public long Bytes { get; init; }
}

/// <summary>
/// Fills the source database through the driver: the first collection holds half the documents, the others
/// share the rest. The documents are <see cref="OrderDocuments"/>, compressible as application data is (neither
/// trivially nor hardly); the generator is seeded, so every run stores the same bytes.
/// </summary>
public sealed class DataSetSeeder(IMongoClient client, BenchOptions options)
{
    public const string SourceDatabase = "benchsrc";
    private const int BatchSize = 1000;

    private readonly OrderDocuments _documents = new(options.DocumentSize);

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
        var seeded = new List<SeededCollection>();
        foreach (var (collection, index) in plan.Select((c, i) => (c, i)))
        {
            long bytes = 0;
            var target = client.GetDatabase(collection.Database).GetCollection<BsonDocument>(collection.Name);
            var random = new Random(index + 1);
            // Two batches in flight: one being generated here while the server stores the other.
            Task? pending = null;
            for (long start = 0; start < collection.Documents; start += BatchSize)
            {
                var count = (int)Math.Min(BatchSize, collection.Documents - start);
                var batch = new List<BsonDocument>(count);
                for (var i = 0; i < count; i++)
                {
                    batch.Add(_documents.New(start + i, random, out var size));
                    bytes += size;
                }
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
            seeded.Add(collection with { Bytes = bytes });
        }
        return seeded;
    }
}
