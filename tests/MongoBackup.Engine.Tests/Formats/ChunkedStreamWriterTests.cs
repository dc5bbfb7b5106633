using MongoBackup.Engine.Formats;
using MongoDB.Bson;

namespace MongoBackup.Engine.Tests.Formats;

/// <summary>The writer task's failure (a full disk) is the error every reader sees, never the closed channel it leaves behind.</summary>
public sealed class ChunkedStreamWriterTests
{
    [Fact]
    public async Task A_failing_output_is_the_error_the_readers_see_however_the_failure_falls_between_their_chunks()
    {
        // A document just over half a chunk: every second one hands a chunk to the writer, so readers submit constantly.
        var document = new RawBsonDocument(new BsonDocument("pad", new string('p', ChunkedStreamWriter.ChunkSize / 2 + 1)).ToBson());
        var seen = new List<string>();
        for (var run = 0; run < 200; run++)
        {
            var writer = new ChunkedStreamWriter(new FullDiskStream(), CancellationToken.None);
            var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
            {
                var chunker = writer.CreateChunker();
                for (var i = 0; i < 1_000; i++) await chunker.AppendAsync(document, CancellationToken.None);
                await chunker.CompleteAsync(CancellationToken.None);
            })).ToList();
            foreach (var reader in readers)
            {
                var error = await Record.ExceptionAsync(() => reader);
                seen.Add(error is null ? "none" : $"{error.GetType().Name}: {error.Message}");
            }
            await writer.DisposeAsync();
        }
        Assert.All(seen, error => Assert.Equal("IOException: No space left on device", error));
    }

    /// <summary>A destination whose disk is full from the first byte, failing as the OS does (ENOSPC).</summary>
    private sealed class FullDiskStream : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("No space left on device", 28);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) =>
            ValueTask.FromException(new IOException("No space left on device", 28));
    }
}
