using System.IO.Compression;
using MongoBackup.Tests;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;

namespace MongoBackup.Benchmarks.Tests;

public class DumpFolderTests
{
    [Theory]
    [InlineData("mongorestore/testdata/testdirs/db1")]
    [InlineData("mongorestore/testdata/prelude_test/prelude_gzip/test")]
    public async Task CountsWhatTheDriverReadsFromMongodumpFolders(string folder)
    {
        var path = FixturePaths.Get(folder);
        var counted = await DumpFolder.CountDocumentsAsync(path, CancellationToken.None);
        Assert.True(counted > 0);
        Assert.Equal(CountWithDriver(path), counted);
    }

    [Fact]
    public async Task ACutShortFileIsAnErrorNamingTheFileAndOffset()
    {
        var folder = Directory.CreateTempSubdirectory("dumpfolder-").FullName;
        try
        {
            var one = new BsonDocument("_id", 1).ToBson();
            var two = new BsonDocument { { "_id", 2 }, { "text", "cut short" } }.ToBson();
            await File.WriteAllBytesAsync(Path.Combine(folder, "c.bson"), [.. one, .. two[..10]]);
            var error = await Assert.ThrowsAsync<InvalidDataException>(() => DumpFolder.CountDocumentsAsync(folder, CancellationToken.None));
            Assert.Contains("c.bson", error.Message);
            Assert.Contains($"byte {one.Length}", error.Message);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    private static long CountWithDriver(string folder)
    {
        long documents = 0;
        foreach (var file in Directory.EnumerateFiles(folder).Where(f => f.EndsWith(".bson") || f.EndsWith(".bson.gz")))
        {
            using var stored = File.OpenRead(file);
            using Stream content = file.EndsWith(".gz") ? new GZipStream(stored, CompressionMode.Decompress) : stored;
            using var buffered = new MemoryStream();
            content.CopyTo(buffered);
            buffered.Position = 0;
            while (buffered.Position < buffered.Length)
            {
                using var reader = new BsonBinaryReader(buffered);
                BsonSerializer.Deserialize<BsonDocument>(reader);
                documents++;
            }
        }
        return documents;
    }
}
