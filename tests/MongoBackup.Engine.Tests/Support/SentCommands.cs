using System.Collections.Concurrent;
using MongoBackup.Engine.Connection;
using MongoDB.Bson;
using MongoDB.Driver.Core.Configuration;
using MongoDB.Driver.Core.Events;

namespace MongoBackup.Engine.Tests.Support;

/// <summary>
/// The commands the engine sends in this test's async flow, as the driver reports them (CommandStartedEvent) on every
/// connection the engine opens (<see cref="MongoConnection"/>'s test seam, as <see cref="ClientCounter"/> uses it).
/// </summary>
public sealed class SentCommands : IDisposable
{
    private readonly ConcurrentQueue<(string Name, string Database, BsonDocument Command)> _sent = new();

    private SentCommands() { }

    /// <summary>Records from now until disposed, in the calling flow and the tasks it starts.</summary>
    public static SentCommands Start()
    {
        var commands = new SentCommands();
        MongoConnection.ClusterWatch.Value = commands.Watch;
        return commands;
    }

    /// <summary>How many <paramref name="name"/> commands were sent on collection <paramref name="collection"/> of <paramref name="database"/>.</summary>
    public int Count(string name, string database, string collection) =>
        _sent.Count(c => c.Name == name && c.Database == database && c.Command.GetValue(name, BsonNull.Value) == collection);

    private void Watch(ClusterBuilder builder) =>
        builder.Subscribe<CommandStartedEvent>(e => _sent.Enqueue((e.CommandName, e.DatabaseNamespace.DatabaseName, e.Command.DeepClone().AsBsonDocument)));

    public void Dispose() => MongoConnection.ClusterWatch.Value = null;
}
