namespace MongoBackup.Engine.Tests.Integration;

/// <summary>Unique database names per test, so tests sharing one server never see each other's data.</summary>
public static class TestDatabases
{
    public static string NewName(string purpose) => $"t_{purpose}_{Guid.NewGuid().ToString("N")[..8]}";
}

/// <summary>A temporary folder for a repository or a dump, removed afterwards.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mongobackup-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
