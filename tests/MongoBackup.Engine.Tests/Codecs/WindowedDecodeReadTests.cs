using MongoBackup.Engine.Codecs;
using MongoBackup.Engine.Tests.Support;

namespace MongoBackup.Engine.Tests.Codecs;

/// <summary>
/// What every parallel reader (<see cref="WindowedDecodeStream"/>) is held to, whatever its codec: our files of every
/// size around a block read back whole, synchronously, asynchronously and in reads of an odd size; and the helpers its
/// codec's own tests (<see cref="ParallelGzipReadTests"/>, <see cref="ParallelZstdReadTests"/>) read with.
/// </summary>
public abstract class WindowedDecodeReadTests
{
    protected const int MiB = 1 << 20;

    /// <summary>The codec under test.</summary>
    protected abstract Compression Codec { get; }

    /// <summary>The reader <see cref="CompressionCodec.WrapForRead"/> must choose for it.</summary>
    protected abstract Type ReaderType { get; }

    protected static byte[] Compressible(int length, int seed)
    {
        var data = new byte[length];
        var random = new Random(seed);
        for (var i = 0; i < data.Length; i += 5) data[i] = (byte)random.Next(32);
        return data;
    }

    /// <summary>What our writer stores for <paramref name="data"/>.</summary>
    protected byte[] Ours(byte[] data)
    {
        var stored = new MemoryStream();
        using (var writer = CompressionCodec.WrapForWrite(new NonClosingStream(stored), Codec)) writer.Write(data);
        return stored.ToArray();
    }

    protected byte[] Read(byte[] stored, int readSize = 65_536) => Read(new MemoryStream(stored), readSize);

    protected byte[] Read(Stream source, int readSize)
    {
        using var reader = CompressionCodec.WrapForRead(source, Codec);
        Assert.IsType(ReaderType, reader);
        return Drain(reader, readSize);
    }

    protected static byte[] Drain(Stream reader, int readSize)
    {
        var output = new MemoryStream();
        var buffer = new byte[readSize];
        int n;
        while ((n = reader.Read(buffer)) > 0) output.Write(buffer, 0, n);
        return output.ToArray();
    }

    protected async Task<byte[]> ReadAsync(byte[] stored)
    {
        await using var reader = CompressionCodec.WrapForRead(new MemoryStream(stored), Codec);
        var output = new MemoryStream();
        await reader.CopyToAsync(output);
        return output.ToArray();
    }

    /// <summary>Reads until the reader fails; returns the failure and the bytes it delivered before.</summary>
    protected (InvalidDataException Error, byte[] Delivered) ReadUntilFailure(byte[] stored)
    {
        using var reader = CompressionCodec.WrapForRead(new MemoryStream(stored), Codec);
        var output = new MemoryStream();
        var buffer = new byte[50_000];
        try
        {
            int n;
            while ((n = reader.Read(buffer)) > 0) output.Write(buffer, 0, n);
        }
        catch (InvalidDataException e)
        {
            // Once failed, it stays failed: a retry must not look like a clean end.
            Assert.Throws<InvalidDataException>(() => reader.Read(buffer));
            return (e, output.ToArray());
        }
        throw new Xunit.Sdk.XunitException("the damaged data read without an error");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(MiB - 1)]
    [InlineData(MiB)]
    [InlineData(MiB + 1)]
    [InlineData(9 * MiB + 12_345)]
    public async Task Our_files_of_any_size_read_back_whole(int length)
    {
        var data = Compressible(length, length);
        var stored = Ours(data);

        Assert.Equal(data, Read(stored));
        Assert.Equal(data, await ReadAsync(stored));
        Assert.Equal(data, Read(stored, readSize: 7_777));
        AgreesWithOtherReaders(stored);
    }

    /// <summary>What else a codec's reading of our file must agree with (nothing unless the codec says).</summary>
    protected virtual void AgreesWithOtherReaders(byte[] stored) { }
}
