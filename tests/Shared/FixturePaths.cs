namespace MongoBackup.Tests;

/// <summary>
/// Finds the compatibility fixtures written by MongoDB's own tools. They live read-only in the
/// workplace's shared folder beside the repository (../shared/fixtures/mongo-tools), never in it.
/// </summary>
public static class FixturePaths
{
    private static readonly Lazy<string> MongoToolsRoot = new(FindMongoTools);

    /// <summary>The mongo-tools fixture folder.</summary>
    public static string MongoTools => MongoToolsRoot.Value;

    /// <summary>A path below the mongo-tools fixture folder, given with forward slashes.</summary>
    public static string Get(string relative) =>
        Path.Combine(MongoTools, relative.Replace('/', Path.DirectorySeparatorChar));

    private static string FindMongoTools()
    {
        var repoRoot = FindRepositoryRoot();
        var candidate = Path.GetFullPath(Path.Combine(repoRoot, "..", "shared", "fixtures", "mongo-tools"));
        if (!Directory.Exists(candidate))
            throw new DirectoryNotFoundException(
                $"The mongo-tools fixtures were not found at '{candidate}': the shared folder must sit beside the repository.");
        return candidate;
    }

    /// <summary>The repository's root folder: the nearest folder above the test assembly that holds MongoBackup.sln.</summary>
    public static string RepositoryRoot => FindRepositoryRoot();

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MongoBackup.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException("MongoBackup.sln was not found above the test assembly's folder.");
    }
}
