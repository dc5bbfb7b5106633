using DotNet.Testcontainers.Builders;
using MongoBackup.TestServer;
using MongoDB.Driver;
using Testcontainers.MongoDb;

namespace MongoBackup.Engine.Tests.Integration;

public enum ServerSource { EnvironmentUri, Testcontainers, InMemory }

/// <summary>
/// The one MongoDB every integration test uses, picked in this order: the URI in MONGOBACKUP_TEST_URI; a
/// Testcontainers MongoDB replica set when a Docker engine answers; otherwise the in-memory wire-protocol
/// server. Tests make their own uniquely named databases, so they share it safely.
/// </summary>
public sealed class MongoServerFixture : IAsyncLifetime
{
    public const string UriVariable = "MONGOBACKUP_TEST_URI";

    private MongoDbContainer? _container;

    public string ConnectionString { get; private set; } = "";
    public ServerSource Source { get; private set; }
    /// <summary>The in-memory server, when that is what runs (tests of reconnects need it).</summary>
    public MongoTestServer? InMemory { get; private set; }
    public IMongoClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var uri = Environment.GetEnvironmentVariable(UriVariable);
        if (!string.IsNullOrWhiteSpace(uri))
        {
            (ConnectionString, Source) = (uri, ServerSource.EnvironmentUri);
        }
        else if (await TryStartContainerAsync() is { } container)
        {
            _container = container;
            (ConnectionString, Source) = (container.GetConnectionString(), ServerSource.Testcontainers);
        }
        else
        {
            InMemory = MongoTestServer.Start(new TestServerOptions { ReplicaSetName = "rs0", Log = TextWriter.Null });
            (ConnectionString, Source) = (InMemory.ConnectionString, ServerSource.InMemory);
        }
        Client = new MongoClient(ConnectionString);
    }

    private static async Task<MongoDbContainer?> TryStartContainerAsync()
    {
        MongoDbContainer container;
        try
        {
            container = new MongoDbBuilder().WithImage("mongo:7.0").WithReplicaSet("rs0").Build();
        }
        catch (DockerUnavailableException)
        {
            return null; // no Docker engine answers here: the in-memory server stands in
        }
        // Docker answered: from here on a failure is a real one and must not be papered over.
        await container.StartAsync();
        return container;
    }

    public async Task DisposeAsync()
    {
        if (_container is not null) await _container.DisposeAsync();
        InMemory?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class MongoServerCollection : ICollectionFixture<MongoServerFixture>
{
    public const string Name = "MongoDB server";
}
