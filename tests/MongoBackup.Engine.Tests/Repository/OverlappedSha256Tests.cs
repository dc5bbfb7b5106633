using System.Security.Cryptography;
using MongoBackup.Engine.Repository;

namespace MongoBackup.Engine.Tests.Repository;

/// <summary>
/// The SHA-256 a restore checks each stored file against is the file's, whether its bytes were hashed as they came or
/// on another thread, whatever the read sizes; and the reading stream's hash is that one.
/// </summary>
public sealed class OverlappedSha256Tests
{
    private static byte[] Data(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        return data;
    }

    [Theory]
    [InlineData(0, 1000)]
    [InlineData(1, 1)]
    [InlineData(OverlappedSha256.InlineBytes - 1, 65_536)]
    [InlineData(OverlappedSha256.InlineBytes, 65_536)]
    [InlineData(OverlappedSha256.InlineBytes + 1, 7_777)]
    [InlineData(13 * 1024 * 1024 + 7, 1_000_003)]
    [InlineData(20 * 1024 * 1024, 3 * 1024 * 1024)]
    public void The_digest_is_the_datas_whatever_the_size_and_the_pieces(int length, int piece)
    {
        var data = Data(length);
        using var hash = new OverlappedSha256();
        for (var at = 0; at < length; at += piece) hash.Append(data.AsSpan(at, Math.Min(piece, length - at)));

        Assert.Equal(SHA256.HashData(data), hash.Finish());
        // Finished, it starts again empty.
        hash.Append(data.AsSpan(0, Math.Min(length, 10)));
        Assert.Equal(SHA256.HashData(data.AsSpan(0, Math.Min(length, 10))), hash.Finish());
    }

    [Fact]
    public async Task A_hashing_stream_reports_the_files_digest_and_size()
    {
        var data = Data(9 * 1024 * 1024 + 3);
        await using var stream = new HashingReadStream(new MemoryStream(data), leaveOpen: false);
        var buffer = new byte[100_000];
        Assert.True(await stream.ReadAsync(buffer) > 0);
        await stream.DrainAsync(default);

        Assert.Equal(data.Length, stream.BytesRead);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant(), stream.Sha256());
    }
}
