using MongoDB.Bson;

namespace MongoBackup.Benchmarks;

/// <summary>
/// Makes the data set's documents: orders as an application stores them, with an order number, a weighted status,
/// dates, amounts, a nested customer (name, e-mail, phone, tier, address), one to five tags, a base64 token of 24
/// random bytes (which no codec can shrink) and free-text notes that fill the document to its size. Everything is
/// drawn from the caller's seeded generator, so every run stores the same bytes. At the default 1 KB, gzip at
/// mongodump's level (6) stores this at about a third of its size and at level 1 at about 1/2.4: the text
/// compresses as prose does, the token and numbers hardly at all, the field names and enumerations very well.
/// </summary>
public sealed class OrderDocuments(int documentSize)
{
    private static readonly SyntheticText Prose = new(seed: 7, vocabulary: 8000, exponent: 1.1);
    private static readonly SyntheticText FirstNames = new(seed: 3, vocabulary: 300, exponent: 0);
    private static readonly SyntheticText LastNames = new(seed: 4, vocabulary: 1000, exponent: 0);
    private static readonly SyntheticText Cities = new(seed: 5, vocabulary: 400, exponent: 0);
    private static readonly DateTime Epoch = new(2023, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly string[] Domains = ["example.com", "mail.test", "corp.example", "shop.test"];
    private static readonly string[] StreetKinds = ["Street", "Road", "Avenue", "Lane"];
    private static readonly string[] Countries = ["DE", "FR", "GB", "US", "ES", "IT", "NL", "SE", "PL", "CH"];
    private static readonly (string, int)[] Statuses = [("delivered", 60), ("shipped", 15), ("pending", 15), ("cancelled", 7), ("returned", 3)];
    private static readonly (string, int)[] Currencies = [("EUR", 5), ("USD", 4), ("GBP", 2), ("CHF", 1)];
    private static readonly (string, int)[] Tiers = [("basic", 10), ("silver", 5), ("gold", 2), ("platinum", 1)];

    /// <summary>One document with this <paramref name="id"/>; <paramref name="bsonSize"/> is its BSON length in bytes.</summary>
    public BsonDocument New(long id, Random random, out int bsonSize)
    {
        var created = Epoch.AddSeconds(random.Next(90_000_000));
        var first = FirstNames.CapitalizedWord(random);
        var last = LastNames.CapitalizedWord(random);
        var document = new BsonDocument
        {
            { "_id", id },
            { "orderNumber", $"ORD-{created.Year}-{random.Next(10_000_000):D7}" },
            { "status", SyntheticText.Weighted(random, Statuses) },
            { "created", new BsonDateTime(created) },
            { "updated", new BsonDateTime(created.AddSeconds(random.Next(1_000_000))) },
            { "amount", Math.Round(Math.Exp(4 + Gaussian(random)), 2) },
            { "currency", SyntheticText.Weighted(random, Currencies) },
            { "quantity", random.Next(1, 21) },
            { "customer", new BsonDocument
                {
                    { "id", random.Next(2_000_000) },
                    { "name", $"{first} {last}" },
                    { "email", $"{first.ToLowerInvariant()}.{last.ToLowerInvariant()}{random.Next(100)}@{Domains[random.Next(Domains.Length)]}" },
                    { "phone", $"+{random.Next(1, 100)} {random.Next(1_000_000_000):D9}" },
                    { "tier", SyntheticText.Weighted(random, Tiers) },
                    { "address", new BsonDocument
                        {
                            { "street", $"{random.Next(1, 401)} {LastNames.CapitalizedWord(random)} {StreetKinds[random.Next(StreetKinds.Length)]}" },
                            { "city", Cities.CapitalizedWord(random) },
                            { "zip", random.Next(100_000).ToString("D5") },
                            { "country", Countries[random.Next(Countries.Length)] },
                        }
                    },
                }
            },
            { "tags", new BsonArray(Enumerable.Range(0, random.Next(1, 6)).Select(_ => Prose.Word(random))) },
            { "token", Convert.ToBase64String(RandomBytes(random, 24)) },
        };
        var withoutNotes = document.ToBson().Length;
        // The notes element adds its type byte, "notes\0", the string's length prefix, the text and its terminator.
        const int notesOverhead = 1 + 6 + 4 + 1;
        var notes = Prose.Paragraph(random, Math.Max(16, documentSize - withoutNotes - notesOverhead));
        document.Add("notes", notes);
        bsonSize = withoutNotes + notesOverhead + notes.Length;
        return document;
    }

    public BsonDocument New(long id, Random random) => New(id, random, out _);

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>A standard normal draw (Box-Muller), for amounts spread as prices are: log-normally.</summary>
    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
