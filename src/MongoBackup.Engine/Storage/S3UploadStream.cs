using System.Buffers;
using Amazon.S3;
using Amazon.S3.Model;

namespace MongoBackup.Engine.Storage;

/// <summary>
/// A write-only stream into one S3 object, for data of unknown length: bytes collect in a pooled part buffer; each
/// full part goes up as a multipart-upload part while the next one fills (one part in flight, so memory stays at
/// two parts). Closing uploads the last part and completes the upload; a small file that never filled a part is
/// one PutObject. A failure, or closing after the operation was cancelled, aborts the upload so no half object
/// and no orphaned parts are left.
/// </summary>
internal sealed class S3UploadStream : Stream
{
    /// <summary>S3's minimum part size is 5 MiB; 8 MiB keeps request counts low while bounding memory.</summary>
    public const int PartSize = 8 * 1024 * 1024;

    private readonly IAmazonS3 _client;
    private readonly string _bucket;
    private readonly string _key;
    private readonly S3Errors _errors;
    private readonly CancellationToken _ct;
    private readonly List<PartETag> _parts = [];
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(PartSize);
    private int _filled;
    private string? _uploadId;
    private Task? _partInFlight;
    private byte[]? _bufferInFlight;
    private bool _closed;
    private bool _failed;

    public S3UploadStream(IAmazonS3 client, string bucket, string key, S3Errors errors, CancellationToken ct)
    {
        _client = client;
        _bucket = bucket;
        _key = key;
        _errors = errors;
        _ct = ct;
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => !_closed;
    public override long Length => throw new NotSupportedException("An upload has no length until it is closed.");
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        while (!buffer.IsEmpty)
        {
            var take = Math.Min(buffer.Length, PartSize - _filled);
            buffer[..take].CopyTo(_buffer.AsMemory(_filled));
            _filled += take;
            buffer = buffer[take..];
            if (_filled == PartSize) await Guard(SendFullPartAsync).ConfigureAwait(false);
        }
    }

    /// <summary>Parts go up when full; flushing has nothing smaller to send (S3 refuses small middle parts).</summary>
    public override void Flush() { }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("An upload cannot be read.");
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("An upload is written front to back.");
    public override void SetLength(long value) => throw new NotSupportedException("An upload is written front to back.");

    protected override void Dispose(bool disposing)
    {
        if (disposing) DisposeAsync().AsTask().GetAwaiter().GetResult();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_closed) return;
        _closed = true;
        try
        {
            if (_failed || _ct.IsCancellationRequested) await AbortAsync().ConfigureAwait(false);
            else await Guard(FinishAsync).ConfigureAwait(false);
        }
        finally
        {
            ReturnBuffers();
        }
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private async Task SendFullPartAsync()
    {
        _uploadId ??= (await _client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = _bucket, Key = _key }, _ct)
            .ConfigureAwait(false)).UploadId;
        await WaitForPartInFlightAsync().ConfigureAwait(false);
        _bufferInFlight = _buffer;
        _partInFlight = UploadPartAsync(_parts.Count + 1, _buffer, _filled);
        _buffer = ArrayPool<byte>.Shared.Rent(PartSize);
        _filled = 0;
    }

    private async Task FinishAsync()
    {
        if (_uploadId is null)
        {
            // Never filled a part: one plain PUT.
            using var body = new MemoryStream(_buffer, 0, _filled, writable: false);
            await _client.PutObjectAsync(new PutObjectRequest
            {
                BucketName = _bucket, Key = _key, InputStream = body, AutoCloseStream = false, UseChunkEncoding = false,
            }, _ct).ConfigureAwait(false);
            return;
        }
        await WaitForPartInFlightAsync().ConfigureAwait(false);
        if (_filled > 0) await UploadPartAsync(_parts.Count + 1, _buffer, _filled).ConfigureAwait(false);
        await _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = _bucket, Key = _key, UploadId = _uploadId, PartETags = _parts.OrderBy(p => p.PartNumber).ToList(),
        }, _ct).ConfigureAwait(false);
        _uploadId = null;
    }

    private async Task UploadPartAsync(int partNumber, byte[] buffer, int count)
    {
        using var body = new MemoryStream(buffer, 0, count, writable: false);
        var response = await _client.UploadPartAsync(new UploadPartRequest
        {
            BucketName = _bucket, Key = _key, UploadId = _uploadId, PartNumber = partNumber, InputStream = body, PartSize = count,
            // The part is in memory: sign its hash plainly, which every S3-compatible store understands.
            UseChunkEncoding = false,
        }, _ct).ConfigureAwait(false);
        lock (_parts) _parts.Add(new PartETag(partNumber, response.ETag));
    }

    private async Task WaitForPartInFlightAsync()
    {
        if (_partInFlight is null) return;
        try { await _partInFlight.ConfigureAwait(false); }
        finally
        {
            _partInFlight = null;
            if (_bufferInFlight is not null) ArrayPool<byte>.Shared.Return(_bufferInFlight);
            _bufferInFlight = null;
        }
    }

    /// <summary>Runs a step; on failure aborts the upload and throws an error that names the repository, never a key.</summary>
    private async Task Guard(Func<Task> step)
    {
        try { await step().ConfigureAwait(false); }
        catch (Exception e)
        {
            _failed = true;
            await AbortAsync().ConfigureAwait(false);
            if (S3Errors.IsStoreFailure(e)) throw _errors.Translate(e, _key);
            throw;
        }
    }

    private async Task AbortAsync()
    {
        if (_partInFlight is not null)
        {
            try { await WaitForPartInFlightAsync().ConfigureAwait(false); }
            catch (Exception) { /* the upload is being abandoned; this part's failure changes nothing */ }
        }
        if (_uploadId is null) return;
        var uploadId = _uploadId;
        _uploadId = null;
        try
        {
            // Not the caller's token: an abort after a cancellation must still reach S3, or the parts linger (and are billed).
            await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _bucket, Key = _key, UploadId = uploadId },
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (S3Errors.IsStoreFailure(e))
        {
            // Best effort: a bucket lifecycle rule for incomplete multipart uploads is the backstop.
        }
    }

    private void ReturnBuffers()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        if (_bufferInFlight is not null) ArrayPool<byte>.Shared.Return(_bufferInFlight);
        _bufferInFlight = null;
    }
}
