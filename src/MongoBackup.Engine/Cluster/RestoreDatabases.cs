using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Cluster;

/// <summary>
/// The databases a restore through a mongos creates: on which primary shard each goes, and which they were, so that one
/// the restore created and left holding nothing can be taken back (<see cref="RemoveEmptyAsync"/>).
/// <para>
/// A replica set's snapshot or a mongodump folder (<c>onOneShard</c>) has all its databases on one primary shard: on the
/// replica set they were on one server, and through a mongos a rename between two databases needs them on one primary
/// shard ("Source and destination collections must be on same shard"), which the cluster's own choice (the least-loaded
/// shard for each new database, as mongos creates one implicitly on a first write) does not give. That shard, the
/// <see cref="Home"/>, is the primary of the first database met that the cluster has already (a resumed restore's, or one
/// restored into), else the one the cluster chooses for the first database created; every other database the restore
/// creates goes there with enableSharding {primaryShard}: those its data phase creates (<see cref="PlaceOnOneShardAsync"/>)
/// and those its oplog replay creates by writing into them (<see cref="EnsureAsync"/>). A database the cluster has stays
/// on its primary shard: moving it is the DBA's decision (movePrimary).
/// </para>
/// The driver's exceptions come as they are (<see cref="MongosShardingAdmin"/> untranslated): the restore's preparation
/// translates them, the replay reports them naming its entry.
/// </summary>
/// <param name="client">The mongos.</param>
/// <param name="onOneShard">Whether the databases the restore creates all go to one primary shard (any dump but a cluster's snapshot).</param>
/// <param name="said">Verbose output: where a database the replay created went.</param>
public sealed class RestoreDatabases(IMongoClient client, bool onOneShard, Action<string>? said = null)
{
    private readonly MongosShardingAdmin _admin = new(client, translateErrors: false);
    private readonly Dictionary<string, string> _primaries = new(StringComparer.Ordinal);
    private readonly List<string> _created = [];

    /// <summary>The one primary shard of the databases a replica set's restore creates, once known; null before, and for a cluster's snapshot.</summary>
    public string? Home { get; private set; }

    /// <summary>The databases this restore created (enableSharding sent for a database the cluster did not know), in order.</summary>
    public IReadOnlyList<string> Created => _created;

    /// <summary>The primary shard of <paramref name="database"/> (config.databases, read once it is known), or null when the cluster does not know it.</summary>
    public async Task<string?> PrimaryShardAsync(string database, CancellationToken ct)
    {
        if (_primaries.TryGetValue(database, out var known)) return known;
        if (await _admin.PrimaryShardAsync(database, ct) is not { } primary) return null;
        _primaries[database] = primary;
        return primary;
    }

    /// <summary>
    /// Creates <paramref name="database"/>, which the cluster does not know, on <paramref name="primaryShard"/> (or where the
    /// cluster chooses when null) and counts it as this restore's; returns its primary shard.
    /// </summary>
    public async Task<string> CreateAsync(string database, string? primaryShard, CancellationToken ct)
    {
        await _admin.EnableShardingAsync(database, primaryShard, ct);
        _created.Add(database);
        var primary = primaryShard ?? await _admin.PrimaryShardAsync(database, ct)
            ?? throw new InvalidOperationException($"enableSharding succeeded but config.databases has no entry of {database}.");
        _primaries[database] = primary;
        return primary;
    }

    /// <summary>
    /// The restore's target databases placed before its data phase: those the cluster has stay (the first of them, in
    /// order, gives <see cref="Home"/>), the others are created on <see cref="Home"/> (the first where the cluster chooses,
    /// when none was there). <paramref name="told"/> says what became of each.
    /// </summary>
    public async Task PlaceOnOneShardAsync(IReadOnlyList<string> databases, Action<string> told, CancellationToken ct)
    {
        var primaries = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var database in databases) primaries[database] = await PrimaryShardAsync(database, ct);
        Home ??= databases.Select(d => primaries[d]).FirstOrDefault(p => p is not null);
        foreach (var database in databases)
        {
            if (primaries[database] is { } kept)
            {
                told($"{database}: the target has this database already, on its primary shard {kept}.");
                continue;
            }
            var chosen = Home is null;
            var on = await PlaceAsync(database, ct);
            told(chosen ? $"{database}: created on the primary shard the cluster chose, {on}; the other databases this restore creates go there too."
                : $"{database}: created on the primary shard {on}, with the other databases of the snapshot's replica set.");
        }
    }

    /// <summary>
    /// Before the replay writes into <paramref name="database"/> (a write or a create): for a replica set's restore, a
    /// database the cluster does not know is created on <see cref="Home"/>, where the restore's other databases are,
    /// instead of where mongos would put it on the first write. Nothing for a cluster's snapshot (whose replay's new
    /// databases the cluster places, as it placed them in the source), for one the cluster has, or for admin, config and local.
    /// </summary>
    public async Task EnsureAsync(string database, CancellationToken ct)
    {
        if (!onOneShard || database is "admin" or "config" or "local") return;
        if (await PrimaryShardAsync(database, ct) is { } primary)
        {
            Home ??= primary;
            return;
        }
        var chosen = Home is null;
        var on = await PlaceAsync(database, ct);
        said?.Invoke(chosen ? $"{database}: created by the replayed oplog on the primary shard the cluster chose, {on}; the other databases this restore creates go there too."
            : $"{database}: created by the replayed oplog on the primary shard {on}, with the other databases of the snapshot's replica set.");
    }

    /// <summary>A database the replay dropped (dropDatabase): the cluster no longer knows it, and may create it again.</summary>
    public void Forget(string database) => _primaries.Remove(database);

    /// <summary>
    /// Drops each database this restore created (<see cref="Created"/>) that holds nothing now: no collection or view
    /// (listCollections through mongos, on its primary shard) and no sharded collection (config.collections). A database
    /// that holds anything, or that the restore did not create, is never dropped. Returns those dropped.
    /// </summary>
    public async Task<IReadOnlyList<string>> RemoveEmptyAsync(CancellationToken ct)
    {
        var dropped = new List<string>();
        foreach (var database in _created.Distinct(StringComparer.Ordinal).ToList())
        {
            if (await HoldsAnythingAsync(database, ct)) continue;
            await client.DropDatabaseAsync(database, ct);
            _primaries.Remove(database);
            _created.RemoveAll(d => d == database);
            dropped.Add(database);
        }
        return dropped;
    }

    private async Task<bool> HoldsAnythingAsync(string database, CancellationToken ct)
    {
        using var collections = await client.GetDatabase(database).ListCollectionNamesAsync(cancellationToken: ct);
        if (await collections.AnyAsync(ct)) return true;
        var prefix = "^" + System.Text.RegularExpressions.Regex.Escape(database + ".");
        return await client.GetDatabase("config").GetCollection<BsonDocument>("collections")
            .Find(new BsonDocument("_id", new BsonRegularExpression(prefix))).AnyAsync(ct);
    }

    /// <summary>Creates <paramref name="database"/> on <see cref="Home"/> (the cluster's choice, which becomes the home, when there is none yet).</summary>
    private async Task<string> PlaceAsync(string database, CancellationToken ct)
    {
        var on = await CreateAsync(database, Home, ct);
        Home ??= on;
        return on;
    }
}
