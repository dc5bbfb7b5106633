using MongoBackup.Engine.Cluster;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Events;
using MongoBackup.Engine.Formats;
using MongoBackup.Engine.Oplog.Replay;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// A restore into a sharded cluster through its mongos. A replica set's snapshot or a mongodump folder is restored as
/// mongorestore restores one there: each collection created unsharded on its database's primary shard (the DBA shards
/// afterwards); a target already sharded keeps its key and takes the documents routed by it. The databases such a
/// restore creates all get one primary shard, as they were all on one replica set, so that a rename the replay applies
/// between two of them works: those its data phase creates (<see cref="PrepareDatabasesAsync"/>) and those its oplog
/// replay creates (<see cref="RestoreDatabases"/>). A database the restore created and left holding nothing (every
/// namespace of it refused or failed) is dropped at its end (<see cref="RemoveEmptyDatabasesAsync"/>).
/// Nothing goes to the config or local database (<see cref="ServerDatabaseRefusal"/>).
/// A cluster snapshot is restored sharded as the source was (its config
/// metadata, <see cref="ClusterShardingMetadata"/>): each target database created on the shard of its source primary's
/// name where the target has one (else where the cluster chooses, said in verbose output); each sharded collection, once
/// created with its options, sharded on its key (range or hashed, unique as it was) under its target name, renamed or not;
/// the zones its ranges use given to the target's shards of the same names, and its zone ranges recreated. A zone none of
/// whose source shards the target has is left out with its ranges, with a warning. Nothing outside the chosen namespaces
/// is touched. The replay goes through mongos (<see cref="MongosReplayTarget"/>).
/// </summary>
internal sealed class ShardedRestoreTarget
{
    private readonly IMongoClient _client;
    private readonly MongosShardingAdmin _admin;
    private readonly RestoreDatabases _databases;
    private readonly ClusterShardingMetadata _source;
    private readonly IReadOnlyDictionary<string, HashSet<string>> _shards;
    private readonly IReadOnlyDictionary<string, ShardedCollection> _existing;
    private readonly IEngineObserver _observer;
    private readonly bool _drop;
    private readonly bool _fromCluster;
    private readonly HashSet<string> _zones = new(StringComparer.Ordinal);

    private ShardedRestoreTarget(IMongoClient client, ClusterShardingMetadata? source, IReadOnlyDictionary<string, HashSet<string>> shards,
        IReadOnlyDictionary<string, ShardedCollection> existing, IEngineObserver observer, bool drop)
    {
        (_client, _admin, _source, _shards, _existing, _observer, _drop) = (client, new MongosShardingAdmin(client), source ?? new(), shards, existing, observer, drop);
        _fromCluster = source is not null;
        _databases = new RestoreDatabases(client, onOneShard: !_fromCluster, observer.Verbose);
        foreach (var zones in shards.Values) _zones.UnionWith(zones);
    }

    /// <summary>
    /// Reads the snapshot's sharding (<paramref name="reader"/>: a cluster snapshot's; null for any other dump, which has
    /// none) and the target's shards and sharded collections; writes nothing.
    /// </summary>
    public static async Task<ShardedRestoreTarget> OpenAsync(IMongoClient client, ClusterSnapshotReader? reader, bool drop, IEngineObserver observer, CancellationToken ct)
    {
        ClusterShardingMetadata? source = null;
        try { if (reader is not null) source = await reader.ReadShardingAsync(ct); }
        catch (CorruptDumpException e) { throw e.ToCorruptFile(); }
        var admin = new MongosShardingAdmin(client);
        return new ShardedRestoreTarget(client, source, await admin.ShardsAsync(ct), await admin.ShardedCollectionsAsync(ct), observer, drop);
    }

    /// <summary>
    /// Where the replay goes: mongos, each write with its collection's shard key; a collection the oplog shards is
    /// sharded as it was then, and given the zone ranges the snapshot records for it.
    /// </summary>
    public IReplayTarget ReplayTarget(IEnumerable<PlannedNamespace> plan) => new MongosReplayTarget(_client,
        plan.Select(ns => (ns.TargetNamespace, Key: KeyOf(ns))).Where(k => k.Key is not null)
            .ToDictionary(k => k.TargetNamespace, k => (IReadOnlyList<string>)k.Key!.Fields, StringComparer.Ordinal), ShardedInReplayAsync, _databases);

    /// <summary>
    /// After the replay sharded <paramref name="targetNs"/> as the oplog says <paramref name="sourceNs"/> was: its zone
    /// ranges, when the snapshot records some for it (zones may be defined before a collection is sharded), recreated.
    /// </summary>
    private async Task ShardedInReplayAsync(string sourceNs, string targetNs, CancellationToken ct)
    {
        _observer.Verbose($"{targetNs}: sharded by the replayed oplog, as {sourceNs} was sharded after the snapshot.");
        try
        {
            await GiveZonesAsync([sourceNs], ct);
            await RecreateZoneRangesAsync(sourceNs, targetNs, ct);
        }
        catch (Exception e) when (e is MongoException or MongoBackupException)
        {
            _observer.Warning($"{targetNs}: the zone ranges the snapshot records for {sourceNs} were not recreated: {e.Message}");
        }
    }

    /// <summary>
    /// Why <paramref name="ns"/> cannot be restored through the mongos (ShardedClusterNotSupported for the config or local
    /// database, or a sharded time-series collection) or sharded as it was (ShardKeyConflict), or null; reads only.
    /// </summary>
    public async Task<MongoBackupException?> RefusalAsync(PlannedNamespace ns, CancellationToken ct)
    {
        if (ServerDatabaseRefusal(ns) is { } serverDatabase) return serverDatabase;
        if (ns.IsTimeseries && _source.Collections.ContainsKey(ns.Source.Database + "." + ns.Kind.DataCollection(ns.Source.Collection)))
            return new MongoBackupException(ErrorIds.ShardedClusterNotSupported,
                $"{ns.SourceNamespace} is a sharded time-series collection, which is not restored into a sharded cluster yet; restore it into a replica set.", target: ns.TargetNamespace);
        if (!_source.Collections.TryGetValue(ns.SourceNamespace, out var sharded) || _drop) return null;
        if (_existing.TryGetValue(ns.TargetNamespace, out var existing))
            return existing.Key.Equals(sharded.Key) && existing.Unique == sharded.Unique ? null : Conflict(ns,
                $"the target is sharded on {existing.Key.ToJson()}{(existing.Unique ? " (unique)" : "")}, the snapshot's {ns.SourceNamespace} on {sharded.Key.ToJson()}{(sharded.Unique ? " (unique)" : "")}");
        var count = await _client.GetDatabase(ns.TargetDatabase).GetCollection<BsonDocument>(ns.TargetCollection)
            .EstimatedDocumentCountAsync(cancellationToken: ct);
        return count == 0 ? null : Conflict(ns, $"the target exists unsharded and holds {count} document{(count == 1 ? "" : "s")}; a restore shards only a collection it creates or an empty one");
    }

    /// <summary>
    /// The config or local database as a target, refused through a mongos (ShardedClusterNotSupported, naming the
    /// namespace); null for any other. A cluster's config database is its own metadata on the config servers (routing,
    /// sessions, balancer settings): mongorestore refuses a restore through a mongos that holds one ("cannot do a full
    /// restore on a sharded system", mongorestore.go) and replays no oplog entry of it but the sharding catalog
    /// (oplog.go shouldIgnoreNamespace); a replica set's config database is its server's own (sessions, transactions).
    /// local is each member's own (its oplog, its replica set's settings), which a mongos does not route to.
    /// </summary>
    private static MongoBackupException? ServerDatabaseRefusal(PlannedNamespace ns) => ns.TargetDatabase is "config" or "local"
        ? new MongoBackupException(ErrorIds.ShardedClusterNotSupported,
            $"{ns.TargetNamespace} was not restored: a restore through a mongos writes nothing to the {ns.TargetDatabase} database, which is " +
            (ns.TargetDatabase == "config" ? "the cluster's own metadata (routing, sessions, balancer settings) on its config servers"
                : "each server's own (its oplog and replica set settings) and not reached through a mongos") +
            ". Restore it under another name (-RenameDatabase), or into a replica set.", target: ns.TargetNamespace)
        : null;

    /// <summary>
    /// Creates the target databases of a cluster snapshot on their primary shards and gives the target's shards the zones
    /// the chosen namespaces' ranges use. For any other dump (one replica set's, or a mongodump folder), the databases the
    /// restore creates all go to one primary shard (<see cref="PrepareOnOneShardAsync"/>).
    /// </summary>
    public async Task PrepareDatabasesAsync(IReadOnlyList<PlannedNamespace> plan, CancellationToken ct)
    {
        if (!_fromCluster)
        {
            await PrepareOnOneShardAsync(plan, ct);
            return;
        }
        // admin is the config servers' own (mongos routes it there; it is in no config.databases entry and cannot be
        // created with enableSharding): its collections are written through mongos as they are, like any other target.
        foreach (var group in plan.Where(ns => ns.TargetDatabase != "admin").GroupBy(ns => ns.TargetDatabase, StringComparer.Ordinal))
        {
            if (await DriverErrors.Translate(() => _databases.PrimaryShardAsync(group.Key, ct), _client) is { } kept)
            {
                _observer.Verbose($"{group.Key}: the target has this database already, on its primary shard {kept}.");
                continue;
            }
            var wanted = group.Select(ns => _source.PrimaryShards.GetValueOrDefault(ns.Source.Database)).FirstOrDefault(p => p is not null);
            var on = wanted is not null && _shards.ContainsKey(wanted) ? wanted : null;
            var chosen = await DriverErrors.Translate(() => _databases.CreateAsync(group.Key, on, ct), _client);
            _observer.Verbose(on is not null ? $"{group.Key}: created on its primary shard {on}, as in the snapshot."
                : $"{group.Key}: the target has no shard named {wanted ?? "(none recorded)"}, its primary in the snapshot; the cluster chose {chosen}.");
        }
        await GiveZonesAsync(plan.Select(ns => ns.SourceNamespace), ct);
    }

    /// <summary>
    /// The target databases of a replica set's dump, created on one primary shard (<see cref="RestoreDatabases"/>: the
    /// primary of the first target database the cluster has already, else the one it chooses for the first created).
    /// </summary>
    private Task PrepareOnOneShardAsync(IReadOnlyList<PlannedNamespace> plan, CancellationToken ct)
    {
        var databases = plan.Select(ns => ns.TargetDatabase).Where(d => d is not ("config" or "local" or "admin")).Distinct(StringComparer.Ordinal).ToList();
        return DriverErrors.Translate(async () =>
        {
            await _databases.PlaceOnOneShardAsync(databases, _observer.Verbose, ct);
            return true;
        }, _client);
    }

    /// <summary>
    /// At the restore's end: each database it created that holds nothing (its namespaces refused or taken back, or
    /// dropped by the replay) is dropped, as on a replica set a database without collections does not exist, where
    /// through a mongos its config.databases entry would stay, on the primary shard the restore chose for it, fixing where
    /// the next use of the name goes and listed by sh.status() as a database the restore left. A database that holds
    /// anything, or that the restore did not create, is left as it is. A failure here is a warning naming what is left:
    /// the restore's result stands.
    /// </summary>
    public async Task RemoveEmptyDatabasesAsync(CancellationToken ct)
    {
        if (_databases.Created.Count == 0) return;
        try
        {
            foreach (var database in await _databases.RemoveEmptyAsync(ct))
                _observer.Verbose($"{database}: created by this restore and left holding nothing; dropped, so the cluster keeps no empty entry of it.");
        }
        catch (Exception e) when (e is MongoException or TimeoutException)
        {
            _observer.Warning($"The database(s) {string.Join(", ", _databases.Created)}, created by this restore, may be left empty in the cluster's " +
                $"config.databases: checking or dropping them failed ({e.Message.Split('\n')[0].TrimEnd()}). Drop an empty one yourself (dropDatabase) if you do not want it.");
        }
    }

    /// <summary>
    /// At a stop (Ctrl+C): the databases this restore created that hold nothing yet are dropped, as at its end, so the
    /// cluster keeps no empty entry of them if the restore is not resumed (a -Resume creates them again, on the same
    /// rule); within <paramref name="limit"/>, since the user is waiting for the command to end. Returns what the stop's
    /// message says of them (null when the restore created none): those dropped, those created and holding part of the
    /// restore (a -Resume finishes them), or, when checking them failed or took too long, those that may be left empty.
    /// </summary>
    public async Task<string?> SettleInterruptedAsync(TimeSpan limit)
    {
        if (_databases.Created.Count == 0) return null;
        var created = _databases.Created.Distinct(StringComparer.Ordinal).ToList();
        using var bounded = new CancellationTokenSource(limit);
        try
        {
            var dropped = await _databases.RemoveEmptyAsync(bounded.Token);
            var kept = created.Except(dropped, StringComparer.Ordinal).ToList();
            var said = new List<string>();
            if (dropped.Count > 0)
                said.Add($"Created by this restore and holding nothing yet, so dropped (a -Resume creates them again): {string.Join(", ", dropped)}.");
            if (kept.Count > 0)
                said.Add($"Created by this restore (enableSharding) and holding part of it: {string.Join(", ", kept)}; a -Resume finishes them, " +
                    "and if you abandon the restore, drop them (dropDatabase).");
            return string.Join(" ", said);
        }
        catch (Exception e) when (e is MongoException or TimeoutException or OperationCanceledException)
        {
            return $"Created by this restore (enableSharding): {string.Join(", ", created)}; checking which hold nothing failed at the stop " +
                $"({(e is OperationCanceledException ? $"not done within {limit.TotalSeconds:0} s" : e.Message.Split('\n')[0].TrimEnd())}), so an empty one may be left " +
                "in config.databases: a -Resume finishes them, or drop an empty one yourself (dropDatabase).";
        }
    }

    /// <summary>Gives the target's shards the zones the ranges of <paramref name="sourceNamespaces"/> use, where they have the shards of those names.</summary>
    private async Task GiveZonesAsync(IEnumerable<string> sourceNamespaces, CancellationToken ct)
    {
        var chosen = sourceNamespaces.ToHashSet(StringComparer.Ordinal);
        var used = _source.ZoneRanges.Where(r => chosen.Contains(r.Namespace)).Select(r => r.Zone).ToHashSet(StringComparer.Ordinal);
        foreach (var (shard, zone) in _source.ShardZones.Where(z => used.Contains(z.Zone) && _shards.ContainsKey(z.Shard)))
        {
            await _admin.AddShardToZoneAsync(shard, zone, ct);
            _zones.Add(zone);
            _observer.Verbose($"Zone {zone}: given to shard {shard}, as in the snapshot.");
        }
    }

    /// <summary>
    /// Shards a prepared (created or empty) target as its source was and recreates its zone ranges; a collection the
    /// source did not shard is left unsharded.
    /// </summary>
    /// <exception cref="MongoBackupException">ShardKeyConflict: the cluster refused the key.</exception>
    public async Task ShardAsync(PlannedNamespace ns, CancellationToken ct)
    {
        if (!_source.Collections.TryGetValue(ns.SourceNamespace, out var sharded)) return;
        if (!(_existing.TryGetValue(ns.TargetNamespace, out var existing) && !_drop && existing.Key.Equals(sharded.Key)))
        {
            try
            {
                // The dump's index that serves the key, built first under its own name and options: left to itself the
                // cluster would build one named after the key, which a French index of that name in the dump then meets.
                if (!ns.IsTimeseries && ShardKeyIndexSpec.Find(ns.Metadata?.Indexes ?? [], sharded.Key) is { } keyIndex)
                    await new IndexRestorer(_client).CreateAsync(ns.TargetDatabase, ns.TargetCollection, [keyIndex], ct);
                await _admin.ShardCollectionAsync(ns.TargetNamespace, sharded.Key, sharded.Unique, ns.Metadata?.Options?.Contains("collation") == true, ct);
            }
            catch (MongoCommandException e)
            {
                throw Conflict(ns, $"the cluster refused to shard it on {sharded.Key.ToJson()}: {e.ErrorMessage}");
            }
            _observer.Verbose($"{ns.TargetNamespace}: sharded on {sharded.Key.ToJson()}{(sharded.Unique ? " (unique)" : "")}, as {ns.SourceNamespace} was.");
        }
        await RecreateZoneRangesAsync(ns.SourceNamespace, ns.TargetNamespace, ct);
    }

    /// <summary>The zone ranges of <paramref name="sourceNs"/> recreated on <paramref name="targetNs"/>; one whose zone no target shard has is left out with a warning.</summary>
    private async Task RecreateZoneRangesAsync(string sourceNs, string targetNs, CancellationToken ct)
    {
        foreach (var range in _source.ZoneRanges.Where(r => r.Namespace == sourceNs))
        {
            if (!_zones.Contains(range.Zone))
            {
                _observer.Warning($"{targetNs}: the zone range [{range.Min.ToJson()}, {range.Max.ToJson()}) of zone {range.Zone} was not recreated: " +
                    $"the target has none of the shards that had zone {range.Zone} in the snapshot. Add the zone to a shard (addShardToZone) and the range (updateZoneKeyRange) to keep it.");
                continue;
            }
            await _admin.UpdateZoneKeyRangeAsync(targetNs, range.Min, range.Max, range.Zone, ct);
        }
    }

    /// <summary>The shard key a target namespace's writes are routed by: its source's, or the existing target's it is restored into.</summary>
    private ShardedCollection? KeyOf(PlannedNamespace ns) =>
        _source.Collections.GetValueOrDefault(ns.SourceNamespace) ?? (_drop ? null : _existing.GetValueOrDefault(ns.TargetNamespace));

    private static MongoBackupException Conflict(PlannedNamespace ns, string why) => new(ErrorIds.ShardKeyConflict,
        $"{ns.TargetNamespace} was not restored: {why}. Use -Drop to replace the target, or restore under another name.", target: ns.TargetNamespace);
}
