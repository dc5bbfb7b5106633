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

    private static void Write(string file, IEnumerable<BsonDocument> documents)
    {
        using var stream = File.Create(file);
        foreach (var document in documents) stream.Write(document.ToBson());
    }

    public void Dispose() => _folder.Dispose();
}
