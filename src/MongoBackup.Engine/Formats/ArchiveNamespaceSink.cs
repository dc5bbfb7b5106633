using System.Threading.Channels;

namespace MongoBackup.Engine.Formats;

/// <summary>
/// A namespace's bounded channel of document blocks, filled a document at a time, which the pass stops feeding once
/// its consumer has gone.
/// </summary>
internal sealed class ArchiveNamespaceSink(DumpNamespace ns)
{
    private const int ChannelCapacity = 4;

    private readonly CancellationTokenSource _abandoned = new();
    private DocumentBlock? _block;

    public DumpNamespace Namespace { get; } = ns;
    public Crc64Ecma Crc { get; } = new();
    public Channel<DocumentBlock> Channel { get; } = System.Threading.Channels.Channel.CreateBounded<DocumentBlock>(
        new BoundedChannelOptions(ChannelCapacity) { SingleReader = true, SingleWriter = true });

    public void Abandon()
    {
        _abandoned.Cancel();
        Channel.Writer.TryComplete();
        while (Channel.Reader.TryRead(out var block)) block.Dispose();
    }

    public async ValueTask WriteAsync(byte[] document, CancellationToken ct)
    {
        if (_abandoned.IsCancellationRequested) return;
        // A document that would take the block past its size starts the next one: the block's buffer never grows for it.
        if (_block is { Count: > 0 } filled && filled.Length + document.Length > DocumentBlock.TargetBytes) await FlushAsync(ct).ConfigureAwait(false);
        _block ??= new DocumentBlock(DocumentBlock.TargetBytes);
        document.CopyTo(_block.Append(document.Length));
        if (_block.Length >= DocumentBlock.TargetBytes) await FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Hands the documents gathered so far to the consumer.</summary>
    public async ValueTask FlushAsync(CancellationToken ct)
    {
        if (_block is not { } block) return;
        _block = null;
        if (_abandoned.IsCancellationRequested)
        {
            block.Dispose();
            return;
        }
        using var either = CancellationTokenSource.CreateLinkedTokenSource(ct, _abandoned.Token);
        try
        {
            await Channel.Writer.WriteAsync(block, either.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException && _abandoned.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            block.Dispose(); // the consumer left; its remaining documents are skipped
        }
        catch
        {
            block.Dispose();
            throw;
        }
    }

    /// <summary>
    /// No more documents: the consumer's stream ends, with <paramref name="error"/> when given (the documents
    /// gathered before it still go on when the channel has room; the namespace fails either way).
    /// </summary>
    public void Complete(Exception? error = null)
    {
        if (_block is { } block && (_abandoned.IsCancellationRequested || !Channel.Writer.TryWrite(block))) block.Dispose();
        _block = null;
        Channel.Writer.TryComplete(error);
    }
}
