namespace MongoBackup.Benchmarks.Tests;

// Fake tools are shell scripts: these tests run where the benchmark's comparisons do (Linux).
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class StockToolsTests : IDisposable
{
    private readonly string _empty = Directory.CreateTempSubdirectory("stocktools-empty-").FullName;
    private readonly string _tools = Directory.CreateTempSubdirectory("stocktools-").FullName;

    public void Dispose()
    {
        Directory.Delete(_empty, recursive: true);
        Directory.Delete(_tools, recursive: true);
    }

    [Fact]
    public void AbsentFromPathMeansNoComparisonsAndThePlainSentence()
    {
        FakeTool("mongodump");
        Assert.Null(StockTools.Locate(null, _empty));
        Assert.Null(StockTools.Locate(null, _tools)); // mongorestore is missing
        Assert.Equal("stock tools not found on PATH (looked for mongodump, mongorestore): comparisons skipped", StockTools.NotFoundOnPath);
    }

    [Fact]
    public void FoundOnPathWithTheVersionMongodumpReports()
    {
        FakeTool("mongodump");
        FakeTool("mongorestore");
        var tools = StockTools.Locate(null, string.Join(Path.PathSeparator, _empty, _tools));
        Assert.NotNull(tools);
        Assert.Equal(Path.Combine(_tools, "mongorestore"), tools.Mongorestore);
        Assert.Equal("mongodump version: 100.11.0", tools.Version);
    }

    [Fact]
    public void ANamedFolderWithoutThemIsAnErrorNamingWhatIsMissing()
    {
        FakeTool("mongodump");
        var error = Assert.Throws<ArgumentException>(() => StockTools.Locate(_tools, _tools));
        Assert.Contains("mongorestore", error.Message);
        Assert.DoesNotContain("mongodump or", error.Message);
        Assert.Null(StockTools.Locate(null, null));
    }

    private void FakeTool(string name)
    {
        var path = Path.Combine(_tools, name);
        File.WriteAllText(path, $"#!/bin/sh\necho '{name} version: 100.11.0'\necho 'git version: test'\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
