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
}
