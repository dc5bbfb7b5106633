using System.Reflection;
using System.Runtime.Loader;

namespace MongoBackup.PowerShell.Loading;

/// <summary>
/// The load context of the engine and everything it depends on (MongoDB.Driver and Bson, Azure, AWS, zstd...), all
/// from the module's bin/deps folder. Other modules in the same session may bring other versions of those libraries
/// into PowerShell's default context; in here each name resolves to the copy this module was built and tested with.
/// </summary>
internal sealed class EngineLoadContext(string dependencyFolder) : AssemblyLoadContext("MongoBackup.Engine")
{
    public string DependencyFolder { get; } = dependencyFolder;

    // The .NET libraries the running runtime ships (System.Text.Json, DiagnosticSource...): some packages bring older
    // copies of them, but the runtime's own are newer and compatible, and one copy of each keeps their types shared.
    private static readonly Lazy<HashSet<string>> RuntimeLibraries = new(() =>
        ((AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string) ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()
            .ToHashSet(StringComparer.OrdinalIgnoreCase));

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is null || IsNewerInRuntime(assemblyName)) return null;
        var path = Path.Combine(DependencyFolder, assemblyName.Name + ".dll");
        // Not shipped in bin/deps (PowerShell's own assemblies, the rest of .NET): the default context provides it.
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    private static bool IsNewerInRuntime(AssemblyName wanted)
    {
        if (!RuntimeLibraries.Value.Contains(wanted.Name!)) return false;
        var runtime = Default.Assemblies.FirstOrDefault(a => a.GetName().Name == wanted.Name)?.GetName().Version
            ?? TryLoadFromRuntime(wanted)?.GetName().Version;
        return runtime is not null && (wanted.Version is null || runtime >= wanted.Version);
    }

    private static Assembly? TryLoadFromRuntime(AssemblyName wanted)
    {
        try { return Default.LoadFromAssemblyName(new AssemblyName(wanted.Name!)); }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException) { return null; }
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = Path.Combine(DependencyFolder, unmanagedDllName);
        return File.Exists(path) ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;
    }
}
