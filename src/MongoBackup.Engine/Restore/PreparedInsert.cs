namespace MongoBackup.Engine.Restore;

/// <summary>
/// One batch's insert commands, built before any is sent, and its documents as they now lie inside them: once built,
/// the blocks the batch was read into can go back to the pool, so a batch waiting on the server holds its bytes once
/// (in its commands), not twice. A document too large for a command of its own is kept as a copy of its own.
/// Disposing it returns the commands' buffers; <see cref="Documents"/> must not be used after.
/// </summary>
internal sealed class PreparedInsert : IDisposable
{
    private PreparedInsert(List<RawInsertCommand> commands, List<int> oversized, ReadOnlyMemory<byte>[] documents)
    {
        Commands = commands;
        Oversized = oversized;
        Documents = documents;
    }

    /// <summary>The commands, in order, each as full as the server's limits allow.</summary>
    public IReadOnlyList<RawInsertCommand> Commands { get; }

    /// <summary>Indexes of the documents in no command (too large to fit one with its header), to be sent another way.</summary>
    public IReadOnlyList<int> Oversized { get; }

    /// <summary>The batch's documents, in order (refusals and the resumed-target check name them by index).</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Documents { get; }

    /// <summary>Copies <paramref name="documents"/> into insert commands for <paramref name="collection"/> (see <see cref="RawInsertCommand.Build"/>).</summary>
    public static PreparedInsert Build(string collection, byte[]? writeConcern, Func<long>? transactionNumbers, IReadOnlyList<ReadOnlyMemory<byte>> documents)
    {
        var oversized = new List<int>();
        var placed = new ReadOnlyMemory<byte>[documents.Count];
        var commands = RawInsertCommand.Build(collection, writeConcern, transactionNumbers, documents, oversized, placed);
        foreach (var index in oversized) placed[index] = documents[index].ToArray();
        return new PreparedInsert(commands, oversized, placed);
    }

    public void Dispose()
    {
        foreach (var command in Commands) command.Dispose();
    }
}
