using System.Text.RegularExpressions;
using MongoBackup.Engine.Repository;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>
/// What the continuous capture tests wait on, each polled with a deadline rather than slept on: the newest oplog entry,
/// a committed slice reaching it, or the capture saying (at debug level) it has appended it.
/// </summary>
internal static class CaptureWaits
{
    /// <summary>The timestamp of the newest entry of <paramref name="client"/>'s oplog.</summary>
    public static async Task<OplogTimestamp> LastOplogTimestampAsync(IMongoClient client)
    {
        var oplog = client.GetDatabase("local").GetCollection<BsonDocument>("oplog.rs");
        var newest = await oplog.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("$natural", -1)).Limit(1).SingleAsync();
        return OplogTimestamp.FromBsonTimestamp(newest["ts"].AsBsonTimestamp);
    }

    /// <summary>Whether a committed slice reaches <paramref name="last"/> before the capture ends or a minute passes.</summary>
    public static async Task<bool> WaitUntilSlicedAsync(ISnapshotRepository repository, OplogTimestamp last, Task capture)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (DateTime.UtcNow < deadline && !capture.IsCompleted)
        {
            await foreach (var found in repository.ListAsync(CancellationToken.None))
                if (found.Manifest is { Kind: SnapshotKind.Oplog, OplogEnd: { } end } && end >= last) return true;
            await Task.Delay(100);
        }
        return false;
    }

    /// <summary>Whether the capture says it has appended entries up to <paramref name="last"/> before it ends or a minute passes.</summary>
    public static async Task<bool> WaitUntilAppendedAsync(RecordingObserver observer, OplogTimestamp last, Task capture)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (DateTime.UtcNow < deadline && !capture.IsCompleted)
        {
            foreach (var line in observer.Debugs)
                if (Regex.Match(line, @"^Captured \d+ oplog entries .*, up to Timestamp\((\d+), (\d+)\)") is { Success: true } m &&
                    new OplogTimestamp(uint.Parse(m.Groups[1].Value), uint.Parse(m.Groups[2].Value)) >= last) return true;
            await Task.Delay(50);
        }
        return false;
    }
}
