using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// A database that exercises what a backup must carry: every BSON type, every kind of index, capped, validated,
/// clustered and timeseries collections, a view, and users and roles.
/// </summary>
public static class RichDataSet
{
    public static readonly string[] Collections = ["accounts", "clustered", "events", "everything", "people"];

    public static async Task SeedAsync(IMongoClient client, string database)
    {
        var db = client.GetDatabase(database);
        await db.GetCollection<BsonDocument>("everything").InsertManyAsync(EveryType());

        var people = db.GetCollection<BsonDocument>("people");
        await people.InsertManyAsync(Enumerable.Range(0, 250).Select(Person));
        await db.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "createIndexes", "people" },
            { "indexes", new BsonArray
                {
                    new BsonDocument { { "key", new BsonDocument("email", 1) }, { "name", "email_unique" }, { "unique", true } },
                    new BsonDocument { { "key", new BsonDocument { { "last", 1 }, { "first", -1 } } }, { "name", "last_first" } },
                    new BsonDocument { { "key", new BsonDocument("age", 1) }, { "name", "adults_by_age" },
                        { "partialFilterExpression", new BsonDocument("age", new BsonDocument("$gte", 18)) } },
                    new BsonDocument { { "key", new BsonDocument("lastSeen", 1) }, { "name", "ttl_lastSeen" }, { "expireAfterSeconds", 86400 * 365 * 50 } },
                    new BsonDocument { { "key", new BsonDocument("bio", "text") }, { "name", "bio_text" }, { "default_language", "english" } },
                    new BsonDocument { { "key", new BsonDocument("home", "2dsphere") }, { "name", "home_geo" }, { "2dsphereIndexVersion", 3 } },
                    new BsonDocument { { "key", new BsonDocument("team", "hashed") }, { "name", "team_hashed" } },
                    new BsonDocument { { "key", new BsonDocument("attributes.$**", 1) }, { "name", "attributes_wildcard" } },
                    new BsonDocument { { "key", new BsonDocument("last", 1) }, { "name", "last_ci" },
                        { "collation", new BsonDocument { { "locale", "en" }, { "strength", 2 } } } },
                }
            },
        });

        await db.RunCommandAsync<BsonDocument>(new BsonDocument { { "create", "events" }, { "capped", true }, { "size", 1 << 20 }, { "max", 1000 } });
        await db.GetCollection<BsonDocument>("events").InsertManyAsync(
            Enumerable.Range(0, 50).Select(i => new BsonDocument { { "_id", i }, { "kind", i % 2 == 0 ? "login" : "logout" } }));

        await db.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "create", "accounts" },
            { "validator", new BsonDocument("balance", new BsonDocument("$gte", 0)) },
            { "validationLevel", "strict" }, { "validationAction", "error" },
        });
        await db.GetCollection<BsonDocument>("accounts").InsertManyAsync(
            Enumerable.Range(0, 20).Select(i => new BsonDocument { { "_id", $"acct-{i:000}" }, { "balance", new Decimal128(i * 10.5m) } }));

        await db.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "create", "clustered" },
            { "clusteredIndex", new BsonDocument { { "key", new BsonDocument("_id", 1) }, { "unique", true } } },
        });
        await db.GetCollection<BsonDocument>("clustered").InsertManyAsync(
            Enumerable.Range(0, 10).Select(i => new BsonDocument { { "_id", i }, { "v", i * i } }));

        await db.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "create", "adults" }, { "viewOn", "people" },
            { "pipeline", new BsonArray { new BsonDocument("$match", new BsonDocument("age", new BsonDocument("$gte", 18))) } },
        });

        await db.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "create", "metrics" },
            { "timeseries", new BsonDocument { { "timeField", "ts" }, { "metaField", "sensor" }, { "granularity", "seconds" } } },
        });
        await db.GetCollection<BsonDocument>("metrics").InsertManyAsync(Enumerable.Range(0, 30).Select(i => new BsonDocument
        {
            { "ts", new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(i * 7) },
            { "sensor", new BsonDocument("id", i % 3) }, { "celsius", 20.5 + i },
        }));

        await db.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "createRole", "reportReader" },
            { "privileges", new BsonArray { new BsonDocument { { "resource", new BsonDocument { { "db", database }, { "collection", "people" } } }, { "actions", new BsonArray { "find" } } } } },
            { "roles", new BsonArray() },
        });
        await db.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "createUser", "reporter" }, { "pwd", "not-a-real-secret-1" },
            { "roles", new BsonArray { "reportReader", new BsonDocument { { "role", "read" }, { "db", database } } } },
        });
    }

    private static BsonDocument Person(int i) => new()
    {
        { "_id", new ObjectId($"{i + 1:x24}") },
        { "first", $"First{i}" }, { "last", $"Last{i % 37}" }, { "email", $"person{i}@example.test" },
        { "age", i % 90 }, { "lastSeen", new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(i) },
        { "bio", $"Person number {i} likes databases" },
        { "home", new BsonDocument { { "type", "Point" }, { "coordinates", new BsonArray { -73.9 + i / 1000.0, 40.7 } } } },
        { "team", $"team-{i % 7}" },
        { "attributes", new BsonDocument { { "level", i % 5 }, { "tags", new BsonArray { "a", "b" } } } },
    };

    /// <summary>One document per BSON type, plus one holding them all nested.</summary>
    private static IEnumerable<BsonDocument> EveryType()
    {
        var values = new BsonDocument
        {
            { "double", 3.25 }, { "negZero", -0.0 }, { "nan", double.NaN }, { "inf", double.PositiveInfinity },
            { "string", "héllo wörld ✓" }, { "empty", "" },
            { "document", new BsonDocument { { "a", 1 }, { "b", new BsonDocument("c", "d") } } },
            { "array", new BsonArray { 1, "two", new BsonDocument("three", 3), new BsonArray { 4 } } },
            { "binary", new BsonBinaryData([0, 1, 2, 255]) },
            { "uuid", new BsonBinaryData(Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), GuidRepresentation.Standard) },
            { "md5", new BsonBinaryData(new byte[16], BsonBinarySubType.MD5) },
            { "undefined", BsonUndefined.Value },
            { "objectId", new ObjectId("65a1b2c3d4e5f60718293a4b") },
            { "true", true }, { "false", false },
            { "date", new BsonDateTime(new DateTime(2024, 2, 29, 12, 34, 56, 789, DateTimeKind.Utc)) },
            { "preEpoch", new BsonDateTime(-86_400_000L) },
            { "null", BsonNull.Value },
            { "regex", new BsonRegularExpression("^ab+c$", "im") },
            { "javascript", new BsonJavaScript("function() { return 1; }") },
            { "symbol", BsonSymbolTable.Lookup("sym") },
            { "jsWithScope", new BsonJavaScriptWithScope("function() { return x; }", new BsonDocument("x", 1)) },
            { "int32", int.MinValue }, { "int64", long.MaxValue },
            { "timestamp", new BsonTimestamp(1_700_000_000, 7) },
            { "decimal", Decimal128.Parse("1234567890.123456789012345678901234") },
            { "minKey", BsonMinKey.Value }, { "maxKey", BsonMaxKey.Value },
        };
        var id = 0;
        foreach (var element in values)
            yield return new BsonDocument { { "_id", id++ }, { "name", element.Name }, { "value", element.Value } };
        yield return new BsonDocument { { "_id", id }, { "all", values } };
    }
}
