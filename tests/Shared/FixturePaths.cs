namespace MongoBackup.Tests;

/// <summary>
/// Finds the compatibility fixtures written by MongoDB's own tools. They live read-only in the workplace's shared folder
/// beside the repository (../shared/fixtures/mongo-tools), never in it; MONGOBACKUP_FIXTURES names another folder holding
/// mongo-tools. build/Tasks.ps1 checks the same place (tests/Shared/FixturePaths.ps1) before the tests run.
/// </summary>
public static class FixturePaths
{
    /// <summary>The environment variable naming the folder that holds mongo-tools, in place of ../shared/fixtures.</summary>
    public const string Variable = "MONGOBACKUP_FIXTURES";

    private static readonly Lazy<string> MongoToolsRoot = new(() =>
        FindMongoTools(Environment.GetEnvironmentVariable(Variable), FindRepositoryRoot()));

    /// <summary>The mongo-tools fixture folder.</summary>
    public static string MongoTools => MongoToolsRoot.Value;

    /// <summary>A path below the mongo-tools fixture folder, given with forward slashes.</summary>
    public static string Get(string relative) =>
        Path.Combine(MongoTools, relative.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>
    /// The mongo-tools folder under <paramref name="fixtures"/> (MONGOBACKUP_FIXTURES' value) when given, else under
    /// ../shared/fixtures beside <paramref name="repositoryRoot"/>; <see cref="DirectoryNotFoundException"/> naming where
    /// it was looked for and the variable when it is not there.
    /// </summary>
    public static string FindMongoTools(string? fixtures, string repositoryRoot)
    {
        var root = string.IsNullOrWhiteSpace(fixtures) ? Path.Combine(repositoryRoot, "..", "shared", "fixtures") : fixtures;
        var candidate = Path.GetFullPath(Path.Combine(root, "mongo-tools"));
        if (!Directory.Exists(candidate))
            throw new DirectoryNotFoundException(
                $"The mongo-tools fixtures were not found at '{candidate}'. The shared folder must sit beside the repository "
                + $"(../shared/fixtures/mongo-tools), or {Variable} must name the folder that holds mongo-tools.");
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
