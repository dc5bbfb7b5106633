using System.Runtime.CompilerServices;

namespace MongoBackup.Engine.Formats;

/// <summary>Document at a time views of the block streams readers give, for consumers that keep each document.</summary>
public static class DumpReaderDocuments
{
    /// <summary>
    /// <see cref="IDumpReader.ReadBlocksAsync"/> with each namespace's documents as arrays of their own, for readers of
    /// few documents (users and roles, tests); a restore's inserts take the blocks themselves.
    /// </summary>
    public static Task ReadAsync(this IDumpReader reader, IReadOnlyCollection<DumpNamespace> chosen,
        Func<DumpNamespace, IAsyncEnumerable<byte[]>, Task> consume, int maxParallel, CancellationToken ct) =>
        reader.ReadBlocksAsync(chosen, (ns, blocks) => consume(ns, Documents(blocks, ct)), maxParallel, ct);

    /// <summary>The documents of <paramref name="blocks"/>, each copied out before its block is returned.</summary>
    public static async IAsyncEnumerable<byte[]> Documents(IAsyncEnumerable<DocumentBlock> blocks, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var block in blocks.WithCancellation(ct).ConfigureAwait(false))
        {
            byte[][] documents;
            using (block) documents = block.ToArrays().ToArray();
            foreach (var document in documents)
            {
                ct.ThrowIfCancellationRequested(); // a block holds many documents: a cancelled read stops inside it
                yield return document;
            }
        }
    }

    /// <summary>
    /// The documents of <paramref name="reader"/> in blocks of about <see cref="DocumentBlock.TargetBytes"/>. Damage
    /// is raised after the block of the whole documents before it, so those still arrive.
    /// </summary>
    public static async IAsyncEnumerable<DocumentBlock> ReadBlocksAsync(this BsonDocumentReader reader, [EnumeratorCancellation] CancellationToken ct)
    {
        while (true)
        {
            var block = new DocumentBlock(DocumentBlock.TargetBytes);
            Exception? damage = null;
            var added = false;
            try { added = await reader.ReadBlockAsync(block, DocumentBlock.TargetBytes, ct).ConfigureAwait(false); }
            catch (Exception e) { damage = e; }
            if (block.Count > 0) yield return block;
            else block.Dispose();
            if (damage is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(damage);
            if (!added) yield break;
        }
    }
}
