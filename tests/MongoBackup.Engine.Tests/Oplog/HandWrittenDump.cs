using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Restore;
using MongoBackup.Engine.Tests.Integration;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Oplog;

/// <summary>A mongodump directory written by a test: one collection's documents and an oplog.bson, in mongodump's layout.</summary>
public sealed class HandWrittenDump : IDisposable
{
    private readonly TempFolder _folder = new();

    public HandWrittenDump(string database, string collection, IEnumerable<BsonDocument> documents, IEnumerable<BsonDocument> oplog)
    {
        Directory.CreateDirectory(System.IO.Path.Combine(_folder.Path, database));
        Write(System.IO.Path.Combine(_folder.Path, database, collection + ".bson"), documents);
        Write(System.IO.Path.Combine(_folder.Path, "oplog.bson"), oplog);
    }

    public string Path => _folder.Path;

    /// <summary>An oplog entry as mongod writes one (ts at <paramref name="second"/>, a fresh ui), for a dump's oplog.bson.</summary>
    public static BsonDocument Entry(uint second, string op, string ns, BsonDocument o, BsonDocument? o2 = null)
    {
        var entry = new BsonDocument
        {
            { "op", op }, { "ns", ns }, { "ui", new BsonBinaryData(Guid.NewGuid(), GuidRepresentation.Standard) }, { "o", o },
            { "ts", new BsonTimestamp((int)second, 1) }, { "t", 1L }, { "v", 2L }, { "wall", new BsonDateTime(DateTimeOffset.FromUnixTimeSeconds(second).UtcDateTime) },
        };
        if (o2 is not null) entry["o2"] = o2;
        return entry;
    }

    /// <summary>Restores this dump (its oplog replayed) into the server at <paramref name="connectionString"/>, the source database renamed to <paramref name="target"/>.</summary>
    public Task<RestoreOutcome> RestoreAsync(string connectionString, string database, string target, RecordingObserver? observer = null) =>
        new RestoreRunner(observer ?? new RecordingObserver()).RunAsync(new RestoreRequest
        {
            Connection = new ConnectionSettings { ConnectionString = connectionString },
            SourcePath = Path, Map = new NamespaceMap().AddDatabaseRename(database, target),
        }, CancellationToken.None);

    private static void Write(string file, IEnumerable<BsonDocument> documents)
    {
        using var stream = File.Create(file);
        foreach (var document in documents) stream.Write(document.ToBson());
    }

    public void Dispose() => _folder.Dispose();
}
