using System.Buffers;
using System.Security.Cryptography;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// SHA-256 of a stream of bytes, computed on another thread than the one that reads them: a restore's reading thread
/// also inflates and cuts documents, and the hash of every stored byte (the manifest's check) need not wait in its
/// line. The first <see cref="InlineBytes"/> are hashed as they come (small files cost no thread hop); after that,
/// bytes are copied into 1 MiB chunks hashed in order on the thread pool, at most <see cref="MaxChunksInFlight"/>
/// ahead of the reader (memory stays bounded; a reader faster than the hash waits for it, as if hashing inline).
/// The digest (<see cref="Finish"/>) waits for every chunk, so nothing is judged before all of it is hashed.
/// </summary>
internal sealed class OverlappedSha256 : IDisposable
{
    internal const int InlineBytes = 4 << 20;
    private const int ChunkSize = 1 << 20;
    private const int MaxChunksInFlight = 4;

    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Queue<Task> _inFlight = new();
    private Task _tail = Task.CompletedTask;
    private long _appended;
    private byte[]? _chunk;
    private int _chunkUsed;

    /// <summary>Adds <paramref name="bytes"/> (copied if they are hashed later: the caller may reuse its buffer).</summary>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        if (_appended < InlineBytes)
        {
            var inline = (int)Math.Min(bytes.Length, InlineBytes - _appended);
            _sha256.AppendData(bytes[..inline]);
            _appended += inline;
            bytes = bytes[inline..];
        }
        while (!bytes.IsEmpty)
        {
            _chunk ??= ArrayPool<byte>.Shared.Rent(ChunkSize);
            var take = Math.Min(bytes.Length, ChunkSize - _chunkUsed);
            bytes[..take].CopyTo(_chunk.AsSpan(_chunkUsed));
            _chunkUsed += take;
            _appended += take;
            bytes = bytes[take..];
            if (_chunkUsed == ChunkSize) Submit();
        }
    }

    private void Submit()
    {
        var chunk = _chunk!;
        var length = _chunkUsed;
        _chunk = null;
        _chunkUsed = 0;
        // Each chunk's hashing continues the previous one's: the order is the data's.
        _tail = _tail.ContinueWith(_ =>
        {
            try { _sha256.AppendData(chunk, 0, length); }
            finally { ArrayPool<byte>.Shared.Return(chunk); }
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        _inFlight.Enqueue(_tail);
        while (_inFlight.Count > MaxChunksInFlight) _inFlight.Dequeue().GetAwaiter().GetResult();
        while (_inFlight.Count > 0 && _inFlight.Peek().IsCompleted) _inFlight.Dequeue();
    }

    /// <summary>The digest of everything appended, once every chunk is hashed; the hash then starts again empty.</summary>
    public byte[] Finish()
    {
        if (_chunkUsed > 0) Submit();
        _tail.GetAwaiter().GetResult();
        _inFlight.Clear();
        _appended = 0;
        return _sha256.GetHashAndReset();
    }

    public void Dispose()
    {
        // Chunks still being hashed use the hash object: let them end first.
        try { _tail.GetAwaiter().GetResult(); }
        finally
        {
            if (_chunk is not null) ArrayPool<byte>.Shared.Return(_chunk);
            _chunk = null;
            _sha256.Dispose();
        }
    }
}
