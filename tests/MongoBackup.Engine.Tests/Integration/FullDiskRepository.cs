using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Support;

namespace MongoBackup.Engine.Tests.Integration;

/// <summary>A repository whose disk fills up after a number of bytes, failing as the OS does (ENOSPC).</summary>
public sealed class FullDiskRepository(ISnapshotRepository inner, long allowedBytes) : DelegatingRepository(inner)
{
    private readonly long _allowedBytes = allowedBytes;
    private long _written;

    public override async Task<SnapshotFileWriter> CreateFileAsync(string snapshotId, string relativePath, CancellationToken ct)
    {
        var real = await Inner.CreateFileAsync(snapshotId, relativePath, ct);
        return new SnapshotFileWriter(new FillingStream(real, this), relativePath);
    }

    private sealed class FillingStream(Stream inner, FullDiskRepository disk) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (Interlocked.Add(ref disk._written, buffer.Length) > disk._allowedBytes)
                throw new IOException("No space left on device", 28);
            inner.Write(buffer);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
