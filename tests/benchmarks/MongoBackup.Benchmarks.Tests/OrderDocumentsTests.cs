using System.IO.Compression;
using MongoDB.Bson;

namespace MongoBackup.Benchmarks.Tests;

public class OrderDocumentsTests
{
    [Theory]
    [InlineData(1024)]
    [InlineData(4096)]
    public void EachDocumentIsExactlyTheAskedSizeAndReportsItsOwnBsonLength(int size)
    {
        var documents = new OrderDocuments(size);
        var random = new Random(1);
        for (var id = 0; id < 500; id++)
        {
            var document = documents.New(id, random, out var reported);
            var actual = document.ToBson().Length;
            Assert.Equal(actual, reported);
            Assert.Equal(size, actual);
        }
    }

    [Fact]
    public void TheSameSeedMakesTheSameBytes()
    {
        var first = new OrderDocuments(1024).New(7, new Random(3)).ToBson();
        var second = new OrderDocuments(1024).New(7, new Random(3)).ToBson();
        Assert.Equal(first, second);
    }

    [Fact]
    public void CompressesAsApplicationDataDoesNeitherTriviallyNorHardly()
    {
        // gzip at mongodump's level (Go's default, 6; .NET's Optimal): prose-like data stores at about a third.
        var documents = new OrderDocuments(1024);
        var random = new Random(1);
        using var raw = new MemoryStream();
        for (var id = 0; id < 3000; id++) raw.Write(documents.New(id, random).ToBson());
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(raw.ToArray());
        var ratio = (double)raw.Length / compressed.Length;
        Assert.InRange(ratio, 2.5, 4.0);
    }

    [Fact]
    public void DocumentsCarryTheFieldsTheIssueNames()
    {
        var document = new OrderDocuments(1024).New(1, new Random(5));
        Assert.True(document["customer"]["address"].IsBsonDocument);
        Assert.True(document["tags"].AsBsonArray.Count is >= 1 and <= 5);
        Assert.Equal(24, Convert.FromBase64String(document["token"].AsString).Length);
        Assert.True(document["created"].IsValidDateTime);
        Assert.Contains(' ', document["notes"].AsString);
    }
}
