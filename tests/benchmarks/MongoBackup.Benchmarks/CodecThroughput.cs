using System.Diagnostics;
using MongoBackup.Engine.Codecs;
using MongoBackup.Engine.Model;

namespace MongoBackup.Benchmarks;

/// <summary>
/// How fast one core compresses and decompresses this data set's BSON with a codec, nothing else running:
/// the codec stage's capacity, to hold against the backup's and restore's rates. It reads a snapshot's data
/// files back (from the page cache, mostly), decompressing them, and compresses the result into nowhere.
/// </summary>
public static class CodecThroughput
{
    private const long SampleLimit = 512L * 1024 * 1024;

    public sealed record Figures(double CompressMBps, double DecompressMBps, long SampleBytes);

    public static async Task<Figures> MeasureAsync(IEnumerable<string> dataFiles, Compression compression, CancellationToken ct)
    {
        var buffer = new byte[1 << 20];
        long sample = 0, readTicks = 0, writeTicks = 0;
        await using var compressor = CompressionCodec.WrapForWrite(Stream.Null, compression);
        foreach (var file in dataFiles)
        {
            await using var stored = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: false);
            await using var reader = CompressionCodec.WrapForRead(stored, compression);
            while (sample < SampleLimit)
            {
                var started = Stopwatch.GetTimestamp();
                var read = await reader.ReadAsync(buffer, ct);
                var decoded = Stopwatch.GetTimestamp();
                if (read == 0) break;
                await compressor.WriteAsync(buffer.AsMemory(0, read), ct);
                readTicks += decoded - started;
                writeTicks += Stopwatch.GetTimestamp() - decoded;
                sample += read;
            }
            if (sample >= SampleLimit) break;
        }
        return new Figures(Rate(sample, writeTicks), Rate(sample, readTicks), sample);
    }

    private static double Rate(long bytes, long ticks)
    {
        var seconds = ticks / (double)Stopwatch.Frequency;
        return seconds > 0 ? bytes / 1e6 / seconds : 0;
    }
}
