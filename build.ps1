<#
.SYNOPSIS
    The one entry point for building, testing, demonstrating and measuring MongoBackup.
.DESCRIPTION
    Build    compiles the solution and stages the module in out/MongoBackup.
    Test     Checks the mongo-tools fixtures are there (../shared/fixtures, or $env:MONGOBACKUP_FIXTURES) and stops
             at once when they are not; then Build, the xunit tests and the Pester module tests; fails when either fails.
    Demo     Build, then a backup and restore walk-through against the in-memory test server
             (or against $env:MONGOBACKUP_TEST_URI when it is set).
    Bench    Build, then the throughput and memory benchmarks (tests/benchmarks); our side of the comparisons runs in a
             ReadyToRun copy of this pwsh, built once into out/pwsh-readytorun (-BenchPwsh AsIs: in this pwsh as it is).
    Docs     Turns docs/*.md into the MAML and about_ help files in en-US/.
    Package  Build, then a PowerShell Gallery package of the module (out/packages/MongoBackup.<version>.nupkg), made by
             Publish-PSResource into that folder as a local repository.
.PARAMETER BenchPwsh
    Which pwsh runs our cmdlets in the Bench task's comparisons: Precompiled (the default), a copy of the pwsh running
    the build with its assemblies compiled ReadyToRun, as Microsoft's release packages are; AsIs, that pwsh itself
    (the dotnet tool's is IL only and JIT-compiles itself at every start). The stock tools are unaffected.
.PARAMETER FuzzSeconds
    How long the engine tests' fuzzer of damaged dumps, archives and snapshots runs (Test); 75 seconds when not
    given (MONGOBACKUP_FUZZ_SECONDS, MONGOBACKUP_FUZZ_SEED and MONGOBACKUP_FUZZ_CASE are read by the test itself).
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Task Test
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Test -FuzzSeconds 3600
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Docs', 'Package')]
    [string] $Task = 'Build',
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',
    [ValidateRange(1, 86400)]
    [int] $FuzzSeconds,
    [ValidateSet('Precompiled', 'AsIs')]
    [string] $BenchPwsh = 'Precompiled',
    # Everything after the named parameters goes to the benchmark program, e.g.
    #   dotnet pwsh ./build.ps1 -Task Bench --documents 4000000 --phases backup,restore
    [Parameter(ValueFromRemainingArguments = $true)]
    [string[]] $BenchArgs = @()
)

$ErrorActionPreference = 'Stop'
if ($PSBoundParameters.ContainsKey('FuzzSeconds')) { $env:MONGOBACKUP_FUZZ_SECONDS = $FuzzSeconds }
Set-StrictMode -Version Latest
. (Join-Path $PSScriptRoot 'build/Tasks.ps1')

switch ($Task) {
    'Build'   { Invoke-ModuleBuild -Configuration $Configuration | Out-Null }
    'Test'    { Invoke-TestTask -Configuration $Configuration }
    'Demo'    { Invoke-ModuleBuild -Configuration $Configuration | Out-Null; Invoke-Demo -Configuration $Configuration }
    'Bench'   { Invoke-ModuleBuild -Configuration $Configuration | Out-Null; Invoke-Bench -Configuration $Configuration -Arguments $BenchArgs -Pwsh $BenchPwsh }
    'Docs'    { Invoke-Docs }
    'Package' { Invoke-ModuleBuild -Configuration $Configuration | Out-Null; Invoke-Package | Out-Null }
}
