using System.Diagnostics;
using System.Reflection.PortableExecutable;

namespace MongoBackup.Benchmarks;

/// <summary>
/// Which pwsh our side ran in, said plainly beside every figure: how it is started (pwsh.dll under dotnet, as a dotnet
/// tool or a copy of one, or a native pwsh), its PowerShell version, and whether its assemblies are precompiled
/// (ReadyToRun, as Microsoft's release packages are) or IL only (as the dotnet tool is), which alone moved pwsh's start
/// and import by about half a second of CPU on a 2-core machine (issue 19).
/// </summary>
public static class PwshDescription
{
    /// <summary>One line describing the pwsh at <paramref name="pwsh"/> (its folder's assemblies are read, not loaded).</summary>
    public static string Describe(string pwsh)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(pwsh))!;
        var kind = pwsh.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? "pwsh.dll run by dotnet" : "native pwsh";
        var automation = Path.Combine(folder, "System.Management.Automation.dll");
        var version = File.Exists(automation) ? Version(automation) : "version unknown (no System.Management.Automation.dll beside it)";
        var assemblies = Directory.EnumerateFiles(folder, "*.dll").Select(IsReadyToRun).Where(r => r is not null).ToList();
        var precompiled = assemblies.Count(r => r == true);
        var state = File.Exists(automation) && IsReadyToRun(automation) == true ? "precompiled (ReadyToRun)" : "not precompiled (IL only)";
        return $"{kind}, {version}, {state}: {precompiled} of {assemblies.Count} assemblies ReadyToRun, {Location(folder)}";
    }

    /// <summary>
    /// Where that pwsh lives, without the machine's path: the dotnet tool's own files (a NuGet package cache's
    /// powershell/VERSION/tools/...), or the name of the folder it was found in (pwsh-readytorun: the bench's copy).
    /// </summary>
    public static string Location(string folder)
    {
        var parts = folder.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        var package = Array.FindIndex(parts, p => p.Equals("powershell", StringComparison.OrdinalIgnoreCase));
        return package >= 0 && package + 2 < parts.Length && parts[package + 2] == "tools"
            ? "the dotnet tool's own files"
            : $"in a folder named {Path.GetFileName(folder.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar))}";
    }

    /// <summary>
    /// True when the file is a managed assembly carrying ReadyToRun native code, false when it is IL only, null when it
    /// is not a managed assembly at all (a native library).
    /// </summary>
    public static bool? IsReadyToRun(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = new PEReader(stream);
            var cor = reader.PEHeaders.CorHeader;
            // crossgen2 records its code in the CLI header's managed native header; an IL-only assembly has none.
            return cor is null ? null : cor.ManagedNativeHeaderDirectory.Size > 0;
        }
        catch (BadImageFormatException) { return null; }
    }

    private static string Version(string automation)
    {
        // ProductVersion reads "7.6.9 SHA: ..." for a release build; the part before the space is the version users see.
        var product = FileVersionInfo.GetVersionInfo(automation).ProductVersion ?? "";
        var version = product.Split(' ', 2)[0];
        return version.Length > 0 ? $"PowerShell {version}" : "version unknown";
    }
}
