using System.Runtime.CompilerServices;
using MongoBackup.Engine.Formats;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// One batch's documents: whole <see cref="DocumentBlock"/>s, whose raw documents are copied once into insert commands
/// (no parse). Disposing it returns the blocks once the insert is done.
/// </summary>
internal sealed class InsertBatch : IDisposable
{
    private readonly List<DocumentBlock> _blocks = [];

    public int Count { get; private set; }
    public long Bytes { get; private set; }

    public void Add(DocumentBlock block)
    {
        _blocks.Add(block);
        Count += block.Count;
        Bytes += block.Length;
    }

    /// <summary>The documents' raw bytes, in order; valid until <see cref="Dispose"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public List<ReadOnlyMemory<byte>> RawDocuments()
    {
        var documents = new List<ReadOnlyMemory<byte>>(Count);
        foreach (var block in _blocks)
            for (var i = 0; i < block.Count; i++)
                documents.Add(block.Document(i));
        return documents;
    }

    public void Dispose()
    {
        foreach (var block in _blocks) block.Dispose();
        _blocks.Clear();
    }
}
