using System.Security.Cryptography;

namespace MongoBackup.TestServer.Cursors;

/// <summary>Open cursors by id. Ids are positive random longs; 0 means "no cursor" on the wire.</summary>
internal sealed class CursorRegistry
{
    private readonly Dictionary<long, ServerCursor> _cursors = new();

    public long Register(ServerCursor cursor)
    {
        long id;
        do id = RandomNumberGenerator.GetInt32(1, int.MaxValue) * 4_294_967_296L + RandomNumberGenerator.GetInt32(int.MaxValue);
        while (_cursors.ContainsKey(id));
        cursor.Id = id;
        _cursors[id] = cursor;
        return id;
    }

    public ServerCursor? Find(long id) => _cursors.GetValueOrDefault(id);

    public bool Kill(long id) => _cursors.Remove(id);

    public int Count => _cursors.Count;
}
