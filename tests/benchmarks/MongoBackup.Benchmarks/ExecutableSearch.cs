namespace MongoBackup.Benchmarks;

/// <summary>Finds a program by name in a folder or along a PATH, as a shell would (with .exe on Windows).</summary>
public static class ExecutableSearch
{
    /// <summary>The program's path in <paramref name="directory"/>, or null.</summary>
    public static string? InFolder(string directory, string name) =>
        new[] { name, name + ".exe" }.Select(n => Path.Combine(directory, n)).FirstOrDefault(File.Exists);

    /// <summary>The program's path in the first folder of <paramref name="searchPath"/> that has it, or null.</summary>
    public static string? OnPath(string? searchPath, string name) =>
        (searchPath ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => InFolder(d, name)).FirstOrDefault(f => f is not null);
}
