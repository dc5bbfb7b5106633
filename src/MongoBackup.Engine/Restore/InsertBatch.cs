using System.Runtime.CompilerServices;
using MongoBackup.Engine.Formats;
using MongoDB.Bson;
using MongoDB.Bson.IO;

namespace MongoBackup.Engine.Restore;

/// <summary>
/// One bulk insert's documents: whole <see cref="DocumentBlock"/>s, handed to the driver as raw documents that are
/// views into the blocks' buffers (no copy, no parse). Disposing it returns the blocks once the insert is done.
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

    /// <summary>The documents as the driver takes them; valid until <see cref="Dispose"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public List<RawBsonDocument> Documents()
    {
        var documents = new List<RawBsonDocument>(Count);
        foreach (var block in _blocks)
        {
            var buffer = new ByteArrayBuffer(block.Buffer, block.Length, isReadOnly: true);
            for (var i = 0; i < block.Count; i++)
            {
                var document = block.Document(i);
                documents.Add(new RawBsonDocument(new ByteBufferSlice(buffer, block.OffsetOf(i), document.Length)));
            }
        }
        return documents;
    }

    public void Dispose()
    {
        foreach (var block in _blocks) block.Dispose();
        _blocks.Clear();
    }
}
