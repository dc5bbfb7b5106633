using System.Diagnostics;

namespace MongoBackup.Benchmarks;

/// <summary>
/// MongoDB's own mongodump and mongorestore, which the comparison phases measure against. They are looked for in
/// --stock-tools DIR when given (where their absence is an error: the user named the folder), else on PATH (where
/// their absence only skips the comparisons). Nothing here builds or downloads them.
/// </summary>
public sealed record StockTools(string Mongodump, string Mongorestore, string Version)
{
    public static readonly string[] Names = ["mongodump", "mongorestore"];

    /// <summary>The plain sentence printed, and recorded in the results, when the tools are not on PATH.</summary>
    public static readonly string NotFoundOnPath =
        $"stock tools not found on PATH (looked for {string.Join(", ", Names)}): comparisons skipped";

    /// <summary>The tools, or null when <paramref name="directory"/> is null and <paramref name="searchPath"/> lacks one of them.</summary>
    /// <param name="directory">--stock-tools DIR, or null.</param>
    /// <param name="searchPath">The PATH to search when <paramref name="directory"/> is null (folders joined by the platform's separator).</param>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is given and lacks one of the tools.</exception>
    public static StockTools? Locate(string? directory, string? searchPath)
    {
        var found = Names.Select(n => directory is null ? ExecutableSearch.OnPath(searchPath, n) : ExecutableSearch.InFolder(directory, n)).ToArray();
        var missing = Names.Where((_, i) => found[i] is null).ToList();
        if (missing.Count > 0 && directory is not null)
            throw new ArgumentException($"--stock-tools {directory} holds no {string.Join(" or ", missing)}.");
        return missing.Count > 0 ? null : new StockTools(found[0]!, found[1]!, VersionOf(found[0]!));
    }

    /// <summary>The first line of `mongodump --version`, e.g. "mongodump version: 100.11.0".</summary>
    private static string VersionOf(string mongodump)
    {
        using var process = Process.Start(new ProcessStartInfo(mongodump, "--version") { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException($"{mongodump} did not start.");
        var first = process.StandardOutput.ReadLine() ?? "";
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 && first.Length > 0
            ? first.Trim()
            : throw new InvalidOperationException($"'{mongodump} --version' failed (exit code {process.ExitCode}): is it a mongodump?");
    }
}
