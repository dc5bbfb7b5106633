using MongoBackup.Engine.Connection;
using MongoDB.Driver;

namespace MongoBackup.Benchmarks;

/// <summary>What every phase shares: the options, the server, a driver client, the seeded data set and a scratch folder.</summary>
public sealed record BenchContext(
    BenchOptions Options,
    ServerProcess Server,
    IMongoClient Client,
    IReadOnlyList<SeededCollection> DataSet,
    string ScratchDirectory)
{
    public ConnectionSettings Connection => new() { ConnectionString = Server.ConnectionString };
}
