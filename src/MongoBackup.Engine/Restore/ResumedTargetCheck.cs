using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Driver;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// Under -Resume, a target that already held documents is filled in only if what it holds is the snapshot's own: a
/// document the server refused as already there (duplicate _id) must be byte for byte the one in the snapshot's file,
/// and once the file is read the target must hold as many documents as the file (inserted, or found equal). Nothing
/// records which snapshot filled a target; these two checks tell a target filled by an interrupted run of the same
/// restore from one filled from another snapshot (the help's "Get-MongoSnapshot -Latest | Restore-MongoDatabase
/// -Resume" re-run after the next backup), or changed since. A mismatch fails the namespace with TargetNotEmpty:
/// nothing is dropped or overwritten, and the message says to restore it again with -Drop.
/// </summary>
internal static class ResumedTargetCheck
{
    /// <summary>The _ids asked for in one find: refused documents are read back in batches of this many.</summary>
    private const int IdsPerFind = 1000;

    /// <summary>
    /// Reads back the target's documents whose _ids the batch's documents <paramref name="kept"/> (indexes into
    /// <paramref name="documents"/>, raw BSON) were refused for, and compares their bytes.
    /// </summary>
    /// <exception cref="MongoBackupException">TargetNotEmpty: one of them differs, or is not in the target (refused on another unique key).</exception>
    public static async Task RequireSameDocumentsAsync(IMongoDatabase database, PlannedNamespace ns, IReadOnlyList<ReadOnlyMemory<byte>> documents,
        IReadOnlyList<int> kept, CancellationToken ct)
    {
        var collection = database.GetCollection<RawBsonDocument>(ns.DataCollection).WithReadPreference(ReadPreference.Primary);
        var differing = 0;
        BsonValue? firstDiffering = null;
        foreach (var chunk in kept.Chunk(IdsPerFind))
        {
            var wanted = new Dictionary<string, (BsonValue Id, ReadOnlyMemory<byte> Bytes)>(chunk.Length);
            foreach (var index in chunk)
            {
                var id = IdOf(documents[index]);
                wanted[Key(id)] = (id, documents[index]);
            }
            var filter = new BsonDocument("_id", new BsonDocument("$in", new BsonArray(wanted.Values.Select(w => w.Id))));
            using var cursor = await collection.FindAsync(filter, cancellationToken: ct);
            while (await cursor.MoveNextAsync(ct))
                foreach (var found in cursor.Current)
                    using (found)
                    {
                        var key = Key(found["_id"]);
                        if (!wanted.TryGetValue(key, out var expected)) continue;
                        wanted.Remove(key);
                        if (SameBytes(found, expected.Bytes)) continue;
                        differing++;
                        firstDiffering ??= expected.Id;
                    }
            // Refused, yet not there by this _id (another unique index refused it): not the snapshot's target either.
            differing += wanted.Count;
            firstDiffering ??= wanted.Values.Select(w => w.Id).FirstOrDefault();
        }
        if (differing > 0)
            throw Mismatch(ns, $"{differing:N0} of the documents it already holds differ from the snapshot's (the first: _id {firstDiffering})");
    }

    /// <summary>
    /// Once all of a namespace's documents are in: the target must hold exactly <paramref name="result"/>'s Documents
    /// (those inserted, and those found already there and equal). More means documents the snapshot does not hold.
    /// Counted with the count command, before the oplog replay inserts or deletes any; a time-series collection's
    /// buckets (its data collection), as its file holds them, not the measurements FinalCounts reports.
    /// </summary>
    /// <exception cref="MongoBackupException">TargetNotEmpty: the counts differ.</exception>
    public static async Task RequireCountAsync(IMongoDatabase database, PlannedNamespace ns, NamespaceRestoreResult result, CancellationToken ct)
    {
        var holds = await database.GetCollection<BsonDocument>(ns.DataCollection).EstimatedDocumentCountAsync(cancellationToken: ct);
        if (holds != result.Documents)
            throw Mismatch(ns, ns.IsTimeseries
                ? $"it holds {holds:N0} buckets where the snapshot's file for {ns.SourceNamespace} has {result.Documents:N0}"
                : $"it holds {holds:N0} documents where the snapshot's file for {ns.SourceNamespace} has {result.Documents:N0}");
    }

    private static MongoBackupException Mismatch(PlannedNamespace ns, string what) => new(ErrorIds.TargetNotEmpty,
        $"{ns.TargetNamespace} was not resumed: {what}. It was filled from another snapshot or dump, or changed since (by the " +
        "interrupted restore's oplog replay too), so -Resume cannot finish it; nothing in it was dropped or overwritten. " +
        "Restore it again with -Drop.",
        target: ns.TargetNamespace);

    private static BsonValue IdOf(ReadOnlyMemory<byte> document)
    {
        using var raw = new RawBsonDocument(document.ToArray());
        return raw.TryGetValue("_id", out var id) ? Materialize(id) : BsonNull.Value;
    }

    /// <summary>A plain copy of a value read from a raw document (a raw sub-document is valid only while its parent is).</summary>
    private static BsonValue Materialize(BsonValue value) => value switch
    {
        RawBsonDocument d => d.Materialize(BsonBinaryReaderSettings.Defaults),
        RawBsonArray a => a.Materialize(BsonBinaryReaderSettings.Defaults),
        _ => value,
    };

    /// <summary>The _id's BSON type and bytes: two values the server takes as one key (1 and 1.0) stay two here.</summary>
    private static string Key(BsonValue id) => Convert.ToBase64String(new BsonDocument("_id", Materialize(id)).ToBson());

    private static bool SameBytes(RawBsonDocument found, ReadOnlyMemory<byte> expected)
    {
        var slice = found.Slice;
        if (slice.Length != expected.Length) return false;
        var copy = new byte[slice.Length];
        slice.GetBytes(0, copy, 0, copy.Length);
        return copy.AsSpan().SequenceEqual(expected.Span);
    }
}
