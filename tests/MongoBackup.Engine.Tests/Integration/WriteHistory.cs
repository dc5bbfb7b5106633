namespace MongoBackup.Engine.Tests.Integration;

internal enum WriteKind { Insert, Increment, Delete }

internal sealed record Write(OplogTimestamp At, WriteKind Kind, int Id, int Value);

/// <summary>The writes a test made, each with the cluster time the server gave it (its oplog entry's ts).</summary>
internal sealed class WriteHistory
{
    private readonly List<Write> _writes = [];
    public IReadOnlyList<Write> Writes { get { lock (_writes) return _writes.ToList(); } }
    public int Count { get { lock (_writes) return _writes.Count; } }
    public void Add(Write write) { lock (_writes) _writes.Add(write); }

    public async Task WaitForWritesAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Count < count && DateTime.UtcNow < deadline) await Task.Delay(10);
    }

    public Dictionary<int, int> StateAt(OplogTimestamp at, int initialCount)
    {
        var state = Enumerable.Range(0, initialCount).ToDictionary(i => i, _ => 0);
        foreach (var write in Writes.Where(w => w.At <= at))
        {
            switch (write.Kind)
            {
                case WriteKind.Insert: state[write.Id] = write.Value; break;
                case WriteKind.Increment: state[write.Id]++; break;
                case WriteKind.Delete: state.Remove(write.Id); break;
            }
        }
        return state;
    }
}
