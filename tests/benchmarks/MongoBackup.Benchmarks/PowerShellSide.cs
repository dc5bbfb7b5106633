using System.Diagnostics;

namespace MongoBackup.Benchmarks;

/// <summary>
/// Our side of the comparisons, run as users run it: a fresh pwsh child process that imports the staged module
/// and runs one cmdlet, started and measured exactly as the stock tools are (its time includes pwsh's start and
/// the module's import, as mongodump's includes its own start). The script stops on the first error, so a
/// failed cmdlet exits non-zero.
/// </summary>
public sealed class PowerShellSide
{
    private readonly string _pwsh;

    private PowerShellSide(string pwsh, string module)
    {
        _pwsh = pwsh;
        Module = module;
    }

    /// <summary>The staged module's manifest that every run imports.</summary>
    public string Module { get; }

    /// <summary>Which pwsh runs our side (<see cref="PwshDescription"/>), printed and recorded with the figures.</summary>
    public string Description => PwshDescription.Describe(_pwsh);

    /// <exception cref="ArgumentException">pwsh or the module cannot be found; the message says where it looked.</exception>
    public static PowerShellSide Locate(string? pwsh, string? module)
    {
        pwsh ??= ExecutableSearch.OnPath(Environment.GetEnvironmentVariable("PATH"), "pwsh")
            ?? throw new ArgumentException("Our side of the comparisons runs in pwsh: give --pwsh PATH (pwsh or pwsh.dll) or put pwsh on PATH.");
        if (!File.Exists(pwsh)) throw new ArgumentException($"--pwsh {pwsh} does not exist.");
        module ??= FindStagedModule()
            ?? throw new ArgumentException("The staged module (out/MongoBackup/MongoBackup.psd1) was not found above the benchmark's folder: run build.ps1 -Task Build, or give --module PATH.");
        if (!File.Exists(module)) throw new ArgumentException($"--module {module} does not exist.");
        return new PowerShellSide(Path.GetFullPath(pwsh), Path.GetFullPath(module));
    }

    /// <summary>A start for `pwsh -NoProfile -NonInteractive -Command` running <paramref name="command"/> after the import.</summary>
    public ProcessStartInfo Start(string command)
    {
        // pwsh.dll (as a dotnet tool installs it) runs under dotnet, one process as the native pwsh is.
        var viaDotnet = _pwsh.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var start = new ProcessStartInfo(viaDotnet ? "dotnet" : _pwsh);
        if (viaDotnet) start.ArgumentList.Add(_pwsh);
        foreach (var argument in new[] { "-NoProfile", "-NonInteractive", "-Command",
                     $"$ErrorActionPreference = 'Stop'; Import-Module {Quote(Module)}; {command}" })
            start.ArgumentList.Add(argument);
        return start;
    }

    /// <summary>A PowerShell single-quoted string literal of <paramref name="value"/>.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "''") + "'";

    private static string? FindStagedModule()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "out", "MongoBackup", "MongoBackup.psd1");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
