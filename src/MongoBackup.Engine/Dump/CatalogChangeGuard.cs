using System.Runtime.CompilerServices;
using MongoDB.Bson;

namespace MongoBackup.Engine.Dump;

/// <summary>
/// Watches the oplog a full backup saves for catalog changes its replay cannot make whole, and fails the backup on
/// the first one inside the backup's scope, naming it. Every other change (create, drop, dropDatabase, index builds
/// and drops, collMod) is replayed over the dumped data and converges to the source at the consistency point. A
/// rename does not: a collection listed under its old name and read after the rename is dumped empty, and a collection
/// renamed into the scope was never listed, so the restore would hold less than the source. mongodump refuses the same
/// commands while it dumps with --oplog ("cannot dump with oplog while renames occur"; mongo-tools,
/// mongodump/oplog_dump.go, oplogDocumentValidator), though it refuses them anywhere in the server, where this refuses
/// only those that touch the backup's scope.
/// </summary>
public sealed class CatalogChangeGuard(NamespaceFilter scope)
{
    /// <summary>The entries as they are, after checking each; throws <see cref="ErrorIds.CatalogChangedDuringBackup"/> at the first refused one.</summary>
    public async IAsyncEnumerable<RawBsonDocument> WatchAsync(IAsyncEnumerable<RawBsonDocument> entries, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var entry in entries.WithCancellation(ct))
        {
            if (entry.TryGetValue("op", out var op) && op == "c") Check(entry.ToBsonDocument());
            yield return entry;
        }
    }

    /// <summary>Checks one command entry (and the commands a user's applyOps entry carries inside it).</summary>
    public void Check(BsonDocument entry)
    {
        if (entry.GetValue("o", BsonNull.Value) is not BsonDocument o || o.ElementCount == 0) return;
        var command = o.GetElement(0);
        var at = entry.GetValue("ts", BsonNull.Value);
        var database = entry.GetValue("ns", "").AsString.Split('.', 2)[0];
        switch (command.Name)
        {
            case "applyOps" when command.Value is BsonArray inner:
                foreach (var op in inner.OfType<BsonDocument>().Where(e => e.GetValue("op", "") == "c")) Check(op);
                break;
            case "renameCollection":
                var from = command.Value.AsString;
                var to = o.GetValue("to", "").AsString;
                if (Covers(from) || Covers(to))
                    throw Refused(IsCopyOfRenameAcrossDatabases(from)
                        ? $"{to} was renamed from another database during the backup (copied through {from}, oplog entry {at})"
                        : $"{from} was renamed to {to} during the backup (oplog entry {at})", Covers(from) && !IsCopyOfRenameAcrossDatabases(from) ? from : to);
                break;
            case "importCollection":
                var imported = database + "." + command.Value.AsString;
                if (Covers(imported))
                    throw Refused($"collection {imported} was imported (importCollection) during the backup (oplog entry {at})", imported);
                break;
            case "upgradeDowngradeViewlessTimeseries":
                // Written by setFeatureCompatibilityVersion between 8.x and 9.0 as it converts time-series collections.
                if (scope.IncludesDatabase(database))
                    throw Refused($"the time-series collections of {database} were converted between formats (a feature compatibility version change) during the backup (oplog entry {at})", database);
                break;
        }
    }

    /// <summary>Whether <paramref name="ns"/> is the copy MongoDB 4.2+ fills in the target database of a rename across databases.</summary>
    private static bool IsCopyOfRenameAcrossDatabases(string ns) =>
        ns.IndexOf('.') is > 0 and var dot && Oplog.Replay.SystemCollections.IsRenameCopy(ns[(dot + 1)..]);

    private bool Covers(string ns)
    {
        var dot = ns.IndexOf('.');
        return dot > 0 && scope.Includes(ns[..dot], ns[(dot + 1)..]);
    }

    private static MongoBackupException Refused(string change, string target) =>
        new(ErrorIds.CatalogChangedDuringBackup,
            $"The backup was stopped and nothing was kept: {change}. A collection renamed or replaced while it is backed up " +
            "cannot be restored to one consistent moment (mongodump --oplog refuses the same). Run the backup again once the change is done.",
            target: target);
}
