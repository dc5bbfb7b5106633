using MongoDB.Bson;

namespace MongoBackup.TestServer.Oplog;

/// <summary>Hands out strictly increasing Timestamp(seconds, increment) values from the wall clock.</summary>
internal sealed class OplogClock
{
    private int _seconds;
    private int _increment;

    public BsonTimestamp Next()
    {
        var now = (int)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (now > _seconds)
        {
            _seconds = now;
            _increment = 1;
        }
        else
        {
            _increment++;
        }
        return new BsonTimestamp(_seconds, _increment);
    }

    /// <summary>
    /// Moves the clock up to <paramref name="time"/> when it is ahead, so the next value is later: a node's logical
    /// clock advancing on a gossiped $clusterTime (logical_clock.cpp advanceClusterTime).
    /// </summary>
    public void Witness(BsonTimestamp time)
    {
        if (time.Timestamp > _seconds || (time.Timestamp == _seconds && time.Increment > _increment))
        {
            _seconds = time.Timestamp;
            _increment = time.Increment;
        }
    }

    /// <summary>Sets the clock back to <paramref name="time"/> (a rollback's common point), so the next value follows it.</summary>
    public void RewindTo(BsonTimestamp time)
    {
        _seconds = time.Timestamp;
        _increment = time.Increment;
    }
}
