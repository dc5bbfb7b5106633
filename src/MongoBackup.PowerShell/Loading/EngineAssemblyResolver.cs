using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace MongoBackup.PowerShell.Loading;

/// <summary>
/// Registered by bin/MongoBackup.EngineLoader.psm1, a nested module PowerShell loads before this assembly is
/// imported (PowerShell reflects over the cmdlet types, which name engine types, before any initializer of ours could
/// run), and again on import as an <see cref="IModuleAssemblyInitializer"/>. When the cmdlets first need MongoBackup.Engine, the default context cannot
/// find it (it is not next to this assembly but in bin/deps) and asks here; the engine is loaded into its own
/// <see cref="EngineLoadContext"/>, which resolves the engine's dependencies from bin/deps. Only the engine is
/// answered for, so nothing else in the session is affected.
/// </summary>
public sealed class EngineAssemblyResolver : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private const string EngineAssemblyName = "MongoBackup.Engine";

    // One context for the life of the process: an engine loaded once stays loaded (its types are in use by then).
    private static readonly Lazy<EngineLoadContext> Context = new(() => new EngineLoadContext(
        Path.Combine(Path.GetDirectoryName(typeof(EngineAssemblyResolver).Assembly.Location)!, "deps")));

    private static int _registered;

    /// <summary>Starts answering the default context's requests for the engine; calling it again does nothing.</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0) AssemblyLoadContext.Default.Resolving += ResolveEngine;
    }

    public void OnImport() => Register();

    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        if (Interlocked.Exchange(ref _registered, 0) == 1) AssemblyLoadContext.Default.Resolving -= ResolveEngine;
    }

    private static Assembly? ResolveEngine(AssemblyLoadContext defaultContext, AssemblyName name) =>
        string.Equals(name.Name, EngineAssemblyName, StringComparison.Ordinal)
            ? Context.Value.LoadFromAssemblyName(name)
            : null;
}
