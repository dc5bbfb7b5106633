using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// What a restore is restoring: a repository snapshot by its id, or a dump folder or archive by its full path, and for a
/// point-in-time restore the moment (in UTC, so one instant given at two offsets is one moment).
/// </summary>
public sealed record RestoreIdentity(string Source, string? Moment)
{
    /// <summary>The identity of <paramref name="request"/>'s restore.</summary>
    public static RestoreIdentity Of(RestoreRequest request) => new(
        request.Snapshot is { } snapshot ? $"snapshot {snapshot.Id}" : Path.GetFullPath(request.SourcePath), request.Moment);

    /// <summary>As messages name it: "snapshot 20261201-101500-ab12 as of 2026-12-01 10:20:00.000Z".</summary>
    public override string ToString() => Moment is null ? Source : $"{Source} as of {Moment}";
}

/// <summary>
/// The record a restore leaves in each target database while it runs, one document per target namespace in
/// <see cref="Collection"/>: what it is restoring there (<see cref="RestoreIdentity"/>). A restore that ends with every
/// namespace whole removes its records (the collection goes once empty); one that did not (stopped, or failed) keeps
/// them, and -Resume fills in a target only under the record of the same snapshot and moment. Without it, a
/// target's documents cannot be told from foreign ones until they are all compared, after the restore wrote into it, and
/// a resume to another moment would finish some collections at one moment and others at another.
/// </summary>
internal static class RestoreRecords
{
    /// <summary>The collection of the records in a target database.</summary>
    public const string Collection = ModuleCollections.RestoreRecords;

    /// <summary>Records (or replaces) that <paramref name="identity"/> is being restored into <paramref name="collection"/>.</summary>
    public static Task WriteAsync(IMongoDatabase db, string collection, RestoreIdentity identity, CancellationToken ct) =>
        Records(db).ReplaceOneAsync(new BsonDocument("_id", collection), new BsonDocument
        {
            { "_id", collection }, { "source", identity.Source }, { "moment", identity.Moment is null ? BsonNull.Value : identity.Moment },
            { "started", DateTime.UtcNow },
        }, new ReplaceOptions { IsUpsert = true }, ct);

    /// <summary>The identity recorded for <paramref name="collection"/>, or null when no restore left a record of it.</summary>
    public static async Task<RestoreIdentity?> ReadAsync(IMongoDatabase db, string collection, CancellationToken ct)
    {
        // A database that does not exist has no records: listed first so a read never creates anything.
        var names = await (await db.ListCollectionNamesAsync(new ListCollectionNamesOptions { Filter = new BsonDocument("name", Collection) }, ct)).ToListAsync(ct);
        if (names.Count == 0) return null;
        var record = await Records(db).Find(new BsonDocument("_id", collection)).FirstOrDefaultAsync(ct);
        return record is null ? null
            : new RestoreIdentity(record.GetValue("source", "").ToString()!, record.GetValue("moment", BsonNull.Value) is { IsString: true } m ? m.AsString : null);
    }

    /// <summary>
    /// Removes the records of a restore that ended with every namespace whole (<paramref name="outcome"/> succeeded), and
    /// a database's records collection once it holds none. A restore that did not succeed keeps the records of the
    /// targets that hold documents, those of the namespaces it did finish too: a -Resume after it (or after a plain
    /// re-run that finished some of them) still finds every filled target of the same restore under its record. The
    /// records of targets it left absent or empty go (nothing there for a -Resume to tell apart), so a restore that
    /// failed before writing a document leaves no trace. A failure here leaves a record behind, which only a -Resume
    /// reads: not worth failing a restore over.
    /// </summary>
    public static async Task ClearAsync(IMongoClient client, RestoreOutcome outcome, CancellationToken ct)
    {
        foreach (var group in outcome.Namespaces.GroupBy(n => Oplog.Replay.NamespaceName.Split(n.TargetNamespace).Item1))
        {
            var db = client.GetDatabase(group.Key);
            try
            {
                var names = group.Select(n => Oplog.Replay.NamespaceName.Split(n.TargetNamespace).Item2).Distinct(StringComparer.Ordinal).ToList();
                var done = outcome.Succeeded ? names : await EmptyAsync(db, names, ct);
                if (done.Count == 0) continue;
                var collections = new BsonArray(done);
                await Records(db).DeleteManyAsync(new BsonDocument("_id", new BsonDocument("$in", collections)), ct);
                if (await Records(db).EstimatedDocumentCountAsync(cancellationToken: ct) == 0) await db.DropCollectionAsync(Collection, ct);
            }
            catch (Exception e) when (e is MongoException or TimeoutException)
            {
            }
        }
    }

    /// <summary>Those of <paramref name="collections"/> that are absent from <paramref name="db"/> or hold no document.</summary>
    private static async Task<List<string>> EmptyAsync(IMongoDatabase db, IEnumerable<string> collections, CancellationToken ct)
    {
        var empty = new List<string>();
        foreach (var name in collections)
        {
            try
            {
                if (await db.GetCollection<BsonDocument>(name).EstimatedDocumentCountAsync(cancellationToken: ct) == 0) empty.Add(name);
            }
            catch (MongoCommandException)
            {
                // Not countable so (a time-series view): its record stays, as a filled target's does.
            }
        }
        return empty;
    }

    private static IMongoCollection<BsonDocument> Records(IMongoDatabase db) => db.GetCollection<BsonDocument>(Collection);
}
