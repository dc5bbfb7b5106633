using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Clusters;
using MongoDB.Driver.Core.Servers;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// Sends one insertion worker's batches as <see cref="RawInsertCommand"/>s. Where the driver's own inserts would be
/// retryable writes (retryWrites, on by default, and a replica set or mongos: the driver's rule, in its
/// RetryableWriteOperationExecutor), each command carries the next txnNumber of a session of this worker's own and is
/// sent once more after an error the server or driver marks "RetryableWriteError" (a step-down, a lost connection), as
/// the retryable writes specification has drivers do: the server applies each statement of a resent command once.
/// </summary>
internal sealed class InsertCommandSender : IDisposable
{
    private const string RetryableWriteError = "RetryableWriteError";

    private readonly IMongoDatabase _database;
    private readonly IClientSessionHandle? _session;
    private readonly byte[]? _writeConcern;

    private InsertCommandSender(IMongoDatabase database, IClientSessionHandle? session, byte[]? writeConcern)
    {
        _database = database;
        _session = session;
        _writeConcern = writeConcern;
    }

    /// <summary>A sender into <paramref name="database"/>, with a session of its own when inserts can be retryable writes.</summary>
    public static async Task<InsertCommandSender> StartAsync(IMongoClient client, IMongoDatabase database, CancellationToken ct)
    {
        var writeConcern = client.Settings.WriteConcern is { IsServerDefault: false } concern ? concern.ToBsonDocument().ToBson() : null;
        // The description knows what the servers are once one has answered: a client not used yet asks the primary first.
        if (client.Settings.RetryWrites && !Writable(client.Cluster.Description).Any())
            await database.RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), ReadPreference.Primary, ct);
        var session = client.Settings.RetryWrites && RetryableWritesSupported(client.Cluster.Description)
            ? await client.StartSessionAsync(new ClientSessionOptions { CausalConsistency = false }, ct)
            : null;
        return new InsertCommandSender(database, session, writeConcern);
    }

    /// <summary>
    /// The insert commands for <paramref name="documents"/> into <paramref name="collection"/>, each carrying the next
    /// txnNumber of this sender's session when it has one; sent by <see cref="SendAsync"/>.
    /// </summary>
    public PreparedInsert Prepare(string collection, IReadOnlyList<ReadOnlyMemory<byte>> documents)
    {
        Func<long>? transactionNumbers = _session is null ? null : _session.WrappedCoreSession.AdvanceTransactionNumber;
        return PreparedInsert.Build(collection, _writeConcern, transactionNumbers, documents);
    }

    /// <summary>
    /// Sends <paramref name="insert"/>'s commands into <paramref name="collection"/>, adding what the server refused to
    /// <paramref name="refusals"/>. Each command is awaited to its answer whatever happens meanwhile (see the caller).
    /// </summary>
    public async Task SendAsync(string collection, PreparedInsert insert, BatchRefusals refusals, PlannedNamespace ns)
    {
        foreach (var command in insert.Commands)
            refusals.Add(await RunAsync(command), ns, command.First);
        foreach (var index in insert.Oversized)
        {
            // Too large for a command of its own with the header: the driver sends it in a document sequence.
            var target = _database.GetCollection<RawBsonDocument>(collection);
            try
            {
                using var document = new RawBsonDocument(insert.Documents[index].ToArray());
                var options = new InsertOneOptions { BypassDocumentValidation = RawInsertCommand.BypassesValidation(collection) };
                await (_session is null ? target.InsertOneAsync(document, options) : target.InsertOneAsync(_session, document, options));
            }
            catch (MongoWriteException e) when (e.WriteError is { } error)
            {
                refusals.Add(error.Code, error.Category.ToString(), error.Message, index);
            }
        }
    }

    public void Dispose() => _session?.Dispose();

    private async Task<BsonDocument> RunAsync(RawInsertCommand command)
    {
        var run = new BsonDocumentCommand<BsonDocument>(command.Document());
        if (_session is null) return await _database.RunCommandAsync(run, ReadPreference.Primary, CancellationToken.None);
        try
        {
            return await _database.RunCommandAsync(_session, run, ReadPreference.Primary, CancellationToken.None);
        }
        catch (MongoException e) when (e.HasErrorLabel(RetryableWriteError) || e is MongoConnectionException)
        {
            return await _database.RunCommandAsync(_session, run, ReadPreference.Primary, CancellationToken.None);
        }
    }

    /// <summary>The driver's test (RetryableWriteOperationExecutor.AreRetryableWritesSupported) over the servers a write may go to.</summary>
    private static bool RetryableWritesSupported(ClusterDescription cluster)
    {
        var writable = Writable(cluster).ToList();
        return writable.Count > 0 && writable.All(s => s.Type == ServerType.LoadBalanced || (s.LogicalSessionTimeout is not null && s.Type != ServerType.Standalone));
    }

    private static IEnumerable<ServerDescription> Writable(ClusterDescription cluster) => cluster.Servers
        .Where(s => s.State == ServerState.Connected && s.Type is ServerType.ReplicaSetPrimary or ServerType.ShardRouter or ServerType.LoadBalanced or ServerType.Standalone);
}
