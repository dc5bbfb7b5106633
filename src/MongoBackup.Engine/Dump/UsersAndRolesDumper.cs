using System.Runtime.CompilerServices;
using System.Text;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Repository;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Dump;

/// <summary>
/// Saves the users and roles defined on the chosen databases where mongodump keeps them in a full dump:
/// admin/system.users.bson and admin/system.roles.bson (plus admin/system.version.bson, the auth schema
/// mongorestore checks before it restores users).
/// </summary>
public sealed class UsersAndRolesDumper(IMongoClient client, SnapshotFileSet files)
{
    private static readonly string[] AuthCollections = ["system.users", "system.roles", "system.version"];

    /// <param name="databases">Whose users and roles to save; null for every database's (see <see cref="UsersAndRolesScope"/>).</param>
    public async Task<IReadOnlyList<ManifestNamespace>> DumpAsync(IReadOnlyCollection<string>? databases, CancellationToken ct)
    {
        var admin = client.GetDatabase("admin");
        var result = new List<ManifestNamespace>();
        foreach (var name in AuthCollections)
        {
            var filter = name == "system.version"
                ? new BsonDocument("_id", "authSchema")
                : databases is null ? new BsonDocument() : new BsonDocument("db", new BsonDocument("$in", new BsonArray(databases)));
            await WriteMetadataAsync(name, ct);
            var (documents, bytes) = await RawDocumentFileWriter.WriteAsync(
                files, DumpLayout.DataFile("admin", name, files.Compression), ReadAsync(admin, name, filter, ct), ct);
            result.Add(new ManifestNamespace("admin", name, CollectionMetadata.CollectionType, documents, bytes));
        }
        return result;
    }

    private async Task WriteMetadataAsync(string collection, CancellationToken ct)
    {
        var metadata = new CollectionMetadata { CollectionName = collection, Type = CollectionMetadata.CollectionType };
        await using var stream = await files.CreateAsync(DumpLayout.MetadataFile("admin", collection, files.Compression), ct);
        await stream.WriteAsync(Encoding.UTF8.GetBytes(metadata.ToDumpJson()), ct);
    }

    private static async IAsyncEnumerable<RawBsonDocument> ReadAsync(
        IMongoDatabase admin, string collection, BsonDocument filter, [EnumeratorCancellation] CancellationToken ct)
    {
        using var cursor = await admin.GetCollection<RawBsonDocument>(collection).FindAsync(filter, cancellationToken: ct);
        while (await cursor.MoveNextAsync(ct))
            foreach (var document in cursor.Current)
                yield return document;
    }
}
