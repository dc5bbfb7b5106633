using System.Security.Cryptography;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Benchmarks;

/// <summary>A collection's documents in _id order, hashed byte for byte (SHA-256), and how many there are.</summary>
public sealed record CollectionDigest(long Documents, string Sha256)
{
    public static async Task<CollectionDigest> ComputeAsync(IMongoCollection<RawBsonDocument> collection, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long documents = 0;
        var buffer = new byte[16 * 1024 * 1024 + 16 * 1024];
        var options = new FindOptions<RawBsonDocument> { Sort = Builders<RawBsonDocument>.Sort.Ascending("_id"), BatchSize = 4096 };
        using var cursor = await collection.FindAsync(FilterDefinition<RawBsonDocument>.Empty, options, ct);
        while (await cursor.MoveNextAsync(ct))
            foreach (var document in cursor.Current)
                using (document)
                {
                    document.Slice.GetBytes(0, buffer, 0, document.Slice.Length);
                    hash.AppendData(buffer, 0, document.Slice.Length);
                    documents++;
                }
        return new CollectionDigest(documents, Convert.ToHexString(hash.GetHashAndReset()));
    }
}
