using System.IO.Compression;
using System.Reflection;

namespace MongoBackup.Engine.Codecs;

/// <summary>
/// What each <see cref="CompressionLevel"/> a backup may choose means for gzip and zstd. Optimal, the default, is
/// meant to store no more than mongodump --gzip does for the same data (Go's compress/gzip at its default level 6),
/// at the least CPU that achieves it:
/// <list type="bullet">
/// <item>gzip: Fastest is zlib level 1. Where the runtime's zlib is zlib-ng (.NET 9 and later), Optimal is level 7
/// and SmallestSize level 8: zlib-ng's level 6 stores about 1% more than Go's level 6 on BSON (the benchmark's data:
/// 34.19 MB against mongodump's 33.83 MB, level 7 33.69 MB), and its level 9 stores a little more than its level 8 on
/// every BSON and text sample measured. .NET 8's zlib is the classic one: Optimal is its level 6, Go's match, and
/// SmallestSize its level 9.</item>
/// <item>zstd: Fastest is level 1, Optimal zstd's own default 3, SmallestSize 19, the highest before zstd's "ultra"
/// levels (far slower than the others: for archives kept long).</item>
/// </list>
/// </summary>
public static class CompressionLevels
{
    /// <summary>The levels a backup may choose (NoCompression is -Compression None).</summary>
    public static readonly CompressionLevel[] Choosable = [CompressionLevel.Fastest, CompressionLevel.Optimal, CompressionLevel.SmallestSize];

    /// <summary>zstd's level for <paramref name="level"/>.</summary>
    public static int Zstd(CompressionLevel level) => level switch
    {
        CompressionLevel.Fastest => 1,
        CompressionLevel.Optimal => CompressionCodec.ZstdLevel,
        CompressionLevel.SmallestSize => 19,
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "Not a level a backup compresses at."),
    };

    /// <summary>A gzip member writer into <paramref name="output"/> (left open) at <paramref name="level"/>.</summary>
    public static GZipStream Gzip(Stream output, CompressionLevel level) =>
        (level switch { CompressionLevel.Optimal => ZlibNgOptimal, CompressionLevel.SmallestSize => ZlibNgSmallest, _ => null }) is { } options
            ? (GZipStream)GzipWithOptions!.Invoke([output, options, true])
            : new GZipStream(output, level, leaveOpen: true);

    // GZipStream(Stream, ZLibCompressionOptions, bool) exists from .NET 9, with zlib-ng; the engine is built for .NET 8
    // (PowerShell 7.4), so it is found at run time.
    private static readonly Type? OptionsType = typeof(GZipStream).Assembly.GetType("System.IO.Compression.ZLibCompressionOptions");

    private static readonly ConstructorInfo? GzipWithOptions = OptionsType is null ? null
        : typeof(GZipStream).GetConstructor([typeof(Stream), OptionsType, typeof(bool)]);

    private static readonly object? ZlibNgOptimal = MakeOptions(7);
    private static readonly object? ZlibNgSmallest = MakeOptions(8);

    private static object? MakeOptions(int zlibLevel)
    {
        if (OptionsType is null || GzipWithOptions is null) return null;
        var options = Activator.CreateInstance(OptionsType);
        OptionsType.GetProperty("CompressionLevel")?.SetValue(options, zlibLevel);
        return options;
    }
}
