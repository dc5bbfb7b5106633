namespace MongoBackup.Benchmarks.Tests;

/// <summary>
/// The bench says which pwsh ran our side: how it is started, its version, and whether its assemblies are
/// precompiled, read from real assemblies (the shared framework's CoreLib is ReadyToRun, this test assembly is not).
/// </summary>
public sealed class PwshDescriptionTests : IDisposable
{
    private static readonly string Precompiled = typeof(object).Assembly.Location;
    private static readonly string IlOnly = typeof(PwshDescriptionTests).Assembly.Location;
    private readonly string _folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"pwsh-description-{Guid.NewGuid():N}")).FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Tells_readytorun_assemblies_from_il_only_ones_and_from_files_that_are_not_assemblies()
    {
        var text = Path.Combine(_folder, "notes.dll");
        File.WriteAllText(text, "not a PE file");

        Assert.True(PwshDescription.IsReadyToRun(Precompiled));
        Assert.False(PwshDescription.IsReadyToRun(IlOnly));
        Assert.Null(PwshDescription.IsReadyToRun(text));
    }

    [Fact]
    public void A_pwsh_dll_whose_automation_assembly_is_readytorun_is_described_as_precompiled_run_by_dotnet()
    {
        File.Copy(Precompiled, Path.Combine(_folder, "System.Management.Automation.dll"));
        File.Copy(IlOnly, Path.Combine(_folder, "pwsh.dll"));
        File.WriteAllText(Path.Combine(_folder, "libnative.dll"), "not a PE file");
        var version = System.Diagnostics.FileVersionInfo.GetVersionInfo(Precompiled).ProductVersion!.Split(' ')[0];

        var description = PwshDescription.Describe(Path.Combine(_folder, "pwsh.dll"));

        Assert.Equal($"pwsh.dll run by dotnet, PowerShell {version}, precompiled (ReadyToRun): 1 of 2 assemblies ReadyToRun, in a folder named {Path.GetFileName(_folder)}", description);
    }

    [Fact]
    public void A_native_pwsh_with_an_il_only_automation_assembly_is_described_as_not_precompiled()
    {
        File.Copy(IlOnly, Path.Combine(_folder, "System.Management.Automation.dll"));
        File.Copy(Precompiled, Path.Combine(_folder, "Other.dll"));
        File.WriteAllText(Path.Combine(_folder, "pwsh"), "#!");

        var description = PwshDescription.Describe(Path.Combine(_folder, "pwsh"));

        Assert.StartsWith("native pwsh, PowerShell ", description, StringComparison.Ordinal);
        Assert.EndsWith($", not precompiled (IL only): 1 of 2 assemblies ReadyToRun, in a folder named {Path.GetFileName(_folder)}", description, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pwsh_without_an_automation_assembly_beside_it_says_its_version_is_unknown()
    {
        File.WriteAllText(Path.Combine(_folder, "pwsh"), "#!");

        var description = PwshDescription.Describe(Path.Combine(_folder, "pwsh"));

        Assert.Equal($"native pwsh, version unknown (no System.Management.Automation.dll beside it), not precompiled (IL only): 0 of 0 assemblies ReadyToRun, in a folder named {Path.GetFileName(_folder)}", description);
    }

    [Theory]
    [InlineData("/home/dba/.nuget/packages/powershell/7.6.9/tools/net10.0/any/unix", "the dotnet tool's own files")]
    [InlineData("/repo/out/pwsh-readytorun", "in a folder named pwsh-readytorun")]
    [InlineData("/opt/microsoft/powershell/7", "in a folder named 7")]
    public void Says_where_the_pwsh_lives_without_the_machines_path(string folder, string expected) =>
        Assert.Equal(expected, PwshDescription.Location(folder));
}
