# The tasks behind build.ps1. Each function does one task; build.ps1 only dispatches.

$script:Root = Split-Path -Parent $PSScriptRoot
$script:ModuleOut = Join-Path $script:Root 'out/MongoBackup'
. (Join-Path $script:Root 'tests/Shared/FixturePaths.ps1')

function Invoke-Native {
    # Runs a native command and stops the build when it fails.
    param([Parameter(Mandatory)] [string] $File, [string[]] $Arguments)
    & $File @Arguments | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "'$File $($Arguments -join ' ')' failed with exit code $LASTEXITCODE." }
}

function Invoke-ModuleBuild {
    param([string] $Configuration = 'Release')
    Invoke-Native dotnet @('build', (Join-Path $script:Root 'MongoBackup.sln'), '-c', $Configuration, '--nologo', '-v', 'quiet', '-clp:ErrorsOnly')

    $built = Join-Path $script:Root "src/MongoBackup.PowerShell/bin/$Configuration/net8.0"
    # Staged beside out/MongoBackup and moved into place only once final (ReadyToRun images in): a build that fails or
    # is stopped half way leaves the previous module, or none, never a half-staged one that imports as if complete.
    $out = Split-Path -Parent $script:ModuleOut
    # A build killed outright (no finally runs) leaves its staging folder: the next build clears it.
    Get-ChildItem $out -Directory -Force -Filter '.MongoBackup.staging-*' -ErrorAction SilentlyContinue | Remove-Item -Recurse -Force
    $staging = Join-Path $out ".MongoBackup.staging-$([guid]::NewGuid().ToString('N'))"
    try {
        Copy-ModuleLayout -Built $built -Destination $staging
        Invoke-ReadyToRun -Configuration $Configuration -Module $staging
        Publish-StagedModule -Staged $staging -Destination $script:ModuleOut
    }
    finally { if (Test-Path $staging) { Remove-Item $staging -Recurse -Force } }
    Write-Host "Module staged in out/MongoBackup (final: ReadyToRun images in place)"
    return $script:ModuleOut
}

function Publish-StagedModule {
    # Swaps a finished staging folder in for the module folder with renames (one directory rename each, atomic on one
    # file system): out/MongoBackup is at every moment the previous module, absent, or the new one whole.
    param([Parameter(Mandatory)] [string] $Staged, [Parameter(Mandatory)] [string] $Destination)
    $previous = "$Staged.previous"
    if (Test-Path $Destination) { [System.IO.Directory]::Move($Destination, $previous) }
    [System.IO.Directory]::Move($Staged, $Destination)
    if (Test-Path $previous) { Remove-Item $previous -Recurse -Force }
}

function Copy-ModuleLayout {
    # Stages the module as users install it: manifest, formats and help beside bin/, which holds only the cmdlet
    # assembly; the engine and every library it uses go to bin/deps, loaded into the module's own load context
    # (see src/MongoBackup.PowerShell/Loading) so other modules' versions of the same libraries do not collide.
    param([Parameter(Mandatory)] [string] $Built, [Parameter(Mandatory)] [string] $Destination)
    if (Test-Path $Destination) { Remove-Item $Destination -Recurse -Force }
    $bin = Join-Path $Destination 'bin'
    $deps = Join-Path $bin 'deps'
    New-Item -ItemType Directory -Path $deps -Force | Out-Null
    $entry = 'MongoBackup.PowerShell'
    Get-ChildItem $Built -File | Where-Object { $_.BaseName -eq $entry } | Copy-Item -Destination $bin
    Copy-Item (Join-Path $script:Root 'src/MongoBackup.PowerShell/MongoBackup.EngineLoader.psm1') $bin
    Get-ChildItem $Built -File | Where-Object { $_.BaseName -ne $entry } | Copy-Item -Destination $deps
    # Platform-specific native libraries, if a dependency brings any, keep their runtimes/ layout beside the rest.
    Get-ChildItem $Built -Directory | Copy-Item -Destination $deps -Recurse
    Copy-Item (Join-Path $script:Root 'MongoBackup.psd1') $Destination
    Get-ChildItem (Join-Path $script:Root 'src/MongoBackup.PowerShell') -Filter '*.ps1xml' |
        Copy-Item -Destination $Destination
    $help = Join-Path $script:Root 'en-US'
    if (Test-Path $help) { Copy-Item $help $Destination -Recurse -Force }
    # What an installed module carries besides code: its license, and the scheduling runbook about_MongoBackup_Scheduling
    # points to, in examples/ under the module's folder.
    Copy-Item (Join-Path $script:Root 'LICENSE') $Destination
    $examples = New-Item -ItemType Directory -Path (Join-Path $Destination 'examples') -Force
    Copy-Item (Join-Path $script:Root 'examples/Invoke-MongoBackupRunbook.ps1') $examples
}

function Invoke-ReadyToRun {
    # Replaces the staged assemblies with ReadyToRun images of themselves, precompiled for the runtime this pwsh runs
    # on and this machine's platform (build/ReadyToRun/ReadyToRun.csproj says why and what other runtimes do with
    # them). Without it a restore spent a second of CPU in the JIT before its first document; it is an optimization,
    # so a machine where the SDK cannot get its compiler keeps the plain assemblies, with a warning.
    param([string] $Configuration, [Parameter(Mandatory)] [string] $Module)
    $bin = Join-Path $Module 'bin'
    $staged = @(Get-Item (Join-Path $bin 'MongoBackup.PowerShell.dll')) + @(Get-ChildItem (Join-Path $bin 'deps') -Filter '*.dll')
    $framework = "net$([Environment]::Version.Major).0"
    $platform = [System.Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier
    # ZstdSharp tests Bmi2/Avx2 support in its hot loops: on x64 it is compiled for x86-64-v3 (ReadyToRun.csproj says why).
    $isaAssemblies = if ($platform -like '*-x64') { @('ZstdSharp.dll') } else { @() }
    $groups = @(
        @{ Assemblies = @($staged | Where-Object Name -notin $isaAssemblies); Output = 'out/readytorun'; Extra = @() }
        @{ Assemblies = @($staged | Where-Object Name -in $isaAssemblies); Output = 'out/readytorun-isa'; Extra = @('-p:ReadyToRunInstructionSet=x86-64-v3') }
    )
    foreach ($group in $groups | Where-Object { $_.Assemblies.Count -gt 0 }) {
        $output = Join-Path $script:Root $group.Output
        # Every run references the whole module (crossgen2 resolves the types an assembly uses from the others) and
        # compiles only its group's assemblies.
        $excluded = @($staged | Where-Object Name -notin $group.Assemblies.Name).Name
        $arguments = @('publish', (Join-Path $script:Root 'build/ReadyToRun/ReadyToRun.csproj'), '-c', $Configuration, '-o', $output,
            "-p:ReadyToRunFramework=$framework", "-p:ReadyToRunRuntime=$platform",
            "-p:ReadyToRunAssemblies=`"$(($staged.FullName) -join ';')`"", "-p:ReadyToRunExclude=`"$($excluded -join ';')`"",
            "-p:ReadyToRunPowerShell=$(Join-Path $PSHOME 'System.Management.Automation.dll')", '--nologo', '-v', 'quiet', '-clp:ErrorsOnly') + $group.Extra
        $failure = Invoke-WithTimeout -File dotnet -Arguments $arguments -Minutes 5
        if ($failure) {
            Write-Warning "ReadyToRun compilation for $framework/$platform failed ($failure): $(($group.Assemblies.Name) -join ', ') keep their IL-only assemblies."
            continue
        }
        # Only assemblies the publish compiled come back: one the runtime provides in a newer version is not published.
        foreach ($assembly in $group.Assemblies) {
            $compiled = Join-Path $output $assembly.Name
            if (Test-Path $compiled) { Copy-Item $compiled $assembly.FullName -Force }
        }
    }
}

function Invoke-WithTimeout {
    # Runs a native command with the console's output; returns nothing when it succeeds, else what went wrong (its
    # exit code, or that it was stopped with its children after running too long: crossgen2 has been seen to hang
    # after an internal error instead of exiting, and an optimization must not hold the build forever).
    param([Parameter(Mandatory)] [string] $File, [string[]] $Arguments, [Parameter(Mandatory)] [int] $Minutes)
    $start = [System.Diagnostics.ProcessStartInfo]::new($File)
    foreach ($argument in $Arguments) { $start.ArgumentList.Add($argument) }
    $start.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($start)
    try {
        if (-not $process.WaitForExit([TimeSpan]::FromMinutes($Minutes))) {
            $process.Kill($true)
            return "timed out after $Minutes minutes"
        }
        if ($process.ExitCode -ne 0) { return "exit code $($process.ExitCode)" }
    }
    finally { $process.Dispose() }
}

function Get-PesterManifest {
    # Pester comes from NuGet: restoring the Module.Tests project brings it into the package cache.
    $project = Join-Path $script:Root 'tests/MongoBackup.Module.Tests/MongoBackup.Module.Tests.csproj'
    Invoke-Native dotnet @('restore', $project, '--nologo', '-v', 'quiet')
    $line = & dotnet msbuild $project -nologo -t:PrintPesterPath -v:m | Where-Object { $_ -match 'PESTER_PATH=' } | Select-Object -First 1
    $path = ($line -replace '.*PESTER_PATH=', '').Trim()
    $manifest = Join-Path $path 'tools/Pester.psd1'
    if (-not (Test-Path $manifest)) { throw "Pester was restored but its manifest was not found under '$path'." }
    return $manifest
}

function Install-TestServices {
    # The object-store tests run Azurite and s3rver from tests/services. npm ci only when node_modules is missing
    # or package-lock.json changed since the last install (a stamp of its hash sits in node_modules).
    $services = Join-Path $script:Root 'tests/services'
    $lock = Join-Path $services 'package-lock.json'
    $stamp = Join-Path $services 'node_modules/.mongobackup-lock.sha256'
    $hash = (Get-FileHash $lock -Algorithm SHA256).Hash
    if ((Test-Path $stamp) -and (Get-Content $stamp -Raw).Trim() -eq $hash) { return }
    if (-not (Get-Command npm -ErrorAction SilentlyContinue) -and (Get-Command apt-get -ErrorAction SilentlyContinue)) {
        # A fresh Debian machine without Node.js: install it from the distribution's packages.
        Write-Host "Installing Node.js and npm (apt-get) for the local test services"
        Invoke-Native apt-get @('update', '-qq')
        Invoke-Native apt-get @('install', '-y', '-qq', 'nodejs', 'npm')
    }
    if (-not (Get-Command npm -ErrorAction SilentlyContinue)) {
        throw "npm was not found: the object-store tests need Node.js 20+ and npm to install Azurite and s3rver (tests/services)."
    }
    Write-Host "Installing the local test services (npm ci --prefix tests/services)"
    Invoke-Native npm @('ci', '--prefix', $services, '--no-audit', '--no-fund', '--loglevel', 'error')
    Set-Content -Path $stamp -Value $hash
}

function Invoke-XunitTests {
    # Runs every xunit project under tests/ and adds up their trx counters.
    param([string] $Configuration)
    Install-TestServices
    $results = Join-Path $script:Root 'out/test-results'
    New-Item -ItemType Directory -Path $results -Force | Out-Null
    $total = [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0; Exit = 0 }
    # The benchmark's own tests check its instruments; the benchmark itself only runs with -Task Bench.
    foreach ($project in 'MongoBackup.TestServer.Tests', 'MongoBackup.Engine.Tests', 'benchmarks/MongoBackup.Benchmarks.Tests') {
        $trx = Join-Path $results "$(Split-Path $project -Leaf).trx"
        if (Test-Path $trx) { Remove-Item $trx }
        & dotnet test (Join-Path $script:Root "tests/$project") -c $Configuration --no-build --nologo `
            --logger "trx;LogFileName=$trx" --logger 'console;verbosity=normal' | Out-Host
        if ($LASTEXITCODE -ne 0) { $total.Exit = $LASTEXITCODE }
        if (-not (Test-Path $trx)) { $total.Failed++; Write-Host "$project wrote no results."; continue }
        [xml] $doc = Get-Content $trx -Raw
        $counters = $doc.TestRun.ResultSummary.Counters
        $total.Passed += [int] $counters.passed
        $total.Failed += [int] $counters.failed + [int] $counters.error
        $total.Skipped += [int] $counters.notExecuted
    }
    return $total
}

function Invoke-ModuleTests {
    $pester = Get-PesterManifest
    $results = Join-Path $script:Root 'out/test-results/pester.json'
    $testsDir = Join-Path $script:Root 'tests/MongoBackup.Module.Tests'
    # A fresh pwsh, as a user meets the module: nothing from this build session leaks into it.
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$pester' -Force
`$env:MONGOBACKUP_MODULE = '$(Join-Path $script:ModuleOut 'MongoBackup.psd1')'
`$config = New-PesterConfiguration
`$config.Run.Path = '$testsDir'
`$config.Run.PassThru = `$true
`$config.Output.Verbosity = 'Detailed'
`$r = Invoke-Pester -Configuration `$config
[pscustomobject]@{ Passed = `$r.PassedCount; Failed = `$r.FailedCount + `$r.FailedBlocksCount + `$r.FailedContainersCount; Skipped = `$r.SkippedCount } |
    ConvertTo-Json | Set-Content '$results'
"@
    & dotnet pwsh -NoProfile -NonInteractive -Command $script | Out-Host
    if (-not (Test-Path $results)) { return [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }
    return Get-Content $results -Raw | ConvertFrom-Json
}

function Invoke-TestTask {
    # The Test task: the fixtures are checked first, so a machine without them gets one message, before any build.
    param([string] $Configuration = 'Release')
    $fixtures = Assert-MongoToolsFixtures
    Write-Host "Fixtures: $fixtures"
    Invoke-ModuleBuild -Configuration $Configuration | Out-Null
    Invoke-AllTests -Configuration $Configuration
}

function Invoke-AllTests {
    param([string] $Configuration = 'Release')
    $engine = Invoke-XunitTests -Configuration $Configuration
    $module = Invoke-ModuleTests
    $passed = $engine.Passed + $module.Passed
    $failed = $engine.Failed + $module.Failed
    $skipped = $engine.Skipped + $module.Skipped
    Write-Host ''
    Write-Host "xunit: $($engine.Passed) passed, $($engine.Failed) failed, $($engine.Skipped) skipped"
    Write-Host "Pester: $($module.Passed) passed, $($module.Failed) failed, $($module.Skipped) skipped"
    # The plain closing line CI reads.
    Write-Host "Tests: $passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0 -or $engine.Exit -ne 0) { throw "Tests failed." }
    if ($passed -eq 0) { throw "No test ran." }
}

function Invoke-Demo {
    param([string] $Configuration = 'Release')
    Import-Module (Join-Path $script:Root 'tests/MongoBackup.TestServer/TestServer.psm1') -Force
    $server = Start-MongoTestServer -Configuration $Configuration
    if ($server.Process) { Write-Host "In-memory test server: $($server.Uri)" }
    try {
        & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $script:Root 'build/Demo.ps1') `
            -ModulePath (Join-Path $script:ModuleOut 'MongoBackup.psd1') -ConnectionString $server.Uri
        if ($LASTEXITCODE -ne 0) { throw "The demo failed (exit code $LASTEXITCODE)." }
    }
    finally { Stop-MongoTestServer $server }
}

function Invoke-Bench {
    # -Pwsh Precompiled (the default): our side runs in a ReadyToRun copy of this build's pwsh (Get-BenchPwsh), as
    # a DBA's pwsh from Microsoft's release packages is; AsIs: in this build's pwsh itself (the dotnet tool, IL only).
    param([string] $Configuration = 'Release', [string[]] $Arguments = @(), [ValidateSet('Precompiled', 'AsIs')] [string] $Pwsh = 'Precompiled')
    $project = Join-Path $script:Root 'tests/benchmarks/MongoBackup.Benchmarks'
    $output = Join-Path $script:Root 'bench-results'
    # The comparisons run our cmdlets in a fresh pwsh (pwsh.dll under dotnet), importing the module just staged; the
    # benchmark prints which pwsh it was. The stock tools come from PATH or --stock-tools DIR in $Arguments (a --pwsh
    # there comes later and wins).
    $ours = @('--pwsh', (Get-BenchPwsh -Pwsh $Pwsh -Configuration $Configuration), '--module', (Join-Path $script:ModuleOut 'MongoBackup.psd1'))
    Invoke-Native dotnet (@('run', '--project', $project, '-c', $Configuration, '--no-build', '--', '--output', $output) + $ours + $Arguments)
}

function Get-BenchPwsh {
    # The pwsh.dll the bench runs our side in. Precompiled: this pwsh itself when its System.Management.Automation is
    # already ReadyToRun (a release package's), else a ReadyToRun copy of it (New-PrecompiledPwsh); when that cannot
    # be built, this pwsh as it is, with a warning.
    param([Parameter(Mandatory)] [ValidateSet('Precompiled', 'AsIs')] [string] $Pwsh, [string] $Configuration = 'Release')
    $asIs = Join-Path $PSHOME 'pwsh.dll'
    if ($Pwsh -eq 'AsIs' -or (Test-ReadyToRun (Join-Path $PSHOME 'System.Management.Automation.dll'))) { return $asIs }
    $precompiled = New-PrecompiledPwsh -Configuration $Configuration
    if ($precompiled) { return $precompiled }
    Write-Warning "The bench runs our side in this pwsh as it is (IL only): its precompiled copy could not be built."
    return $asIs
}

function Test-ReadyToRun {
    # True when the assembly carries ReadyToRun code (crossgen2 fills the CLI header's managed native header).
    param([Parameter(Mandatory)] [string] $Path)
    $stream = [System.IO.File]::OpenRead($Path)
    try {
        $reader = [System.Reflection.PortableExecutable.PEReader]::new($stream)
        $cor = $reader.PEHeaders.CorHeader
        return [bool]($cor -and $cor.ManagedNativeHeaderDirectory.Size -gt 0)
    }
    catch [System.BadImageFormatException] { return $false }
    finally { $stream.Dispose() }
}

function New-PrecompiledPwsh {
    # A copy of this pwsh (out/pwsh-readytorun) whose own assemblies are compiled ReadyToRun, as Microsoft's release
    # packages are (build/PrecompiledPwsh/PrecompiledPwsh.csproj says where PowerShell's build does it): the dotnet
    # tool pwsh is IL only and its start and import cost about half a second more CPU (issue 19). Built once and
    # reused while the pwsh it copies is the same one; returns its pwsh.dll, or nothing when crossgen2 failed.
    # Only the assemblies beside pwsh.dll are compiled, what a start and Import-Module load; those under runtimes/
    # and Modules/ stay IL only.
    param([string] $Configuration = 'Release')
    $destination = Join-Path $script:Root 'out/pwsh-readytorun'
    $automation = Get-Item (Join-Path $PSHOME 'System.Management.Automation.dll')
    $source = "$PSHOME $($automation.VersionInfo.ProductVersion) $($automation.LastWriteTimeUtc.Ticks)"
    $stamp = Join-Path $destination '.precompiled-from'
    if ((Test-Path $stamp) -and (Get-Content $stamp -Raw).Trim() -eq $source) { return Join-Path $destination 'pwsh.dll' }

    Write-Host "Precompiling a copy of this pwsh for the bench into out/pwsh-readytorun (once; minutes)"
    if (Test-Path $destination) { Remove-Item $destination -Recurse -Force }
    Copy-Item $PSHOME $destination -Recurse
    $assemblies = @(Get-ChildItem $PSHOME -Filter '*.dll' -File)
    $output = Join-Path $script:Root 'out/pwsh-readytorun-publish'
    $arguments = @('publish', (Join-Path $script:Root 'build/PrecompiledPwsh/PrecompiledPwsh.csproj'), '-c', $Configuration, '-o', $output,
        "-p:ReadyToRunFramework=net$([Environment]::Version.Major).0", "-p:ReadyToRunRuntime=$([System.Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier)",
        "-p:PwshAssemblies=`"$(($assemblies.FullName) -join ';')`"", '--nologo', '-v', 'quiet', '-clp:ErrorsOnly')
    $failure = Invoke-WithTimeout -File dotnet -Arguments $arguments -Minutes 20
    if ($failure) {
        Write-Warning "ReadyToRun compilation of pwsh's assemblies failed ($failure)."
        Remove-Item $destination -Recurse -Force
        return
    }
    foreach ($assembly in $assemblies) {
        $compiled = Join-Path $output $assembly.Name
        if (Test-Path $compiled) { Copy-Item $compiled (Join-Path $destination $assembly.Name) -Force }
    }
    Remove-Item $output -Recurse -Force
    Set-Content -Path $stamp -Value $source
    return Join-Path $destination 'pwsh.dll'
}

function Invoke-Docs {
    & (Join-Path $script:Root 'build/Docs.ps1') -Root $script:Root
}

function Invoke-IsolatedPwsh {
    # Runs a script in a fresh pwsh whose home (and so its PSResourceGet repositories and CurrentUser module folder) is
    # a scratch folder: nothing it registers or installs touches the machine's own settings. Returns its output.
    param([Parameter(Mandatory)] [string] $Script, [Parameter(Mandatory)] [string] $Scratch)
    $file = Join-Path $Scratch 'script.ps1'
    Set-Content -Path $file -Value $Script
    $exe = [Environment]::ProcessPath
    $arguments = @('-NoProfile', '-NonInteractive', '-File', $file)
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $arguments = @(Join-Path $PSHOME 'pwsh.dll') + $arguments }
    $saved = @{}
    $isolated = @{
        # The usual places under the scratch home: PSResourceGet installs CurrentUser modules into HOME/.local/share
        # whatever XDG_DATA_HOME says, and pwsh must look for them where they are.
        HOME = $Scratch; USERPROFILE = $Scratch; XDG_DATA_HOME = (Join-Path $Scratch '.local/share'); XDG_CONFIG_HOME = (Join-Path $Scratch '.config')
        XDG_CACHE_HOME = (Join-Path $Scratch '.cache'); LOCALAPPDATA = (Join-Path $Scratch 'AppData/Local'); APPDATA = (Join-Path $Scratch 'AppData/Roaming')
        PSModulePath = $null
    }
    # .NET reports a special folder only when it exists (else PSResourceGet falls back to a machine-wide store).
    foreach ($folder in $isolated.Values | Where-Object { $_ }) { New-Item -ItemType Directory -Path $folder -Force | Out-Null }
    foreach ($name in $isolated.Keys) { $saved[$name] = [Environment]::GetEnvironmentVariable($name); [Environment]::SetEnvironmentVariable($name, $isolated[$name]) }
    try { $output = & $exe @arguments 2>&1 | Out-String }
    finally { foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) } }
    if ($LASTEXITCODE -ne 0) { throw "The isolated pwsh failed (exit code $LASTEXITCODE): $output" }
    return $output
}

function Invoke-Package {
    # A PowerShell Gallery package (.nupkg) of the staged module, made by Publish-PSResource into a local folder
    # repository (out/packages), with the manifest's ProjectUri, LicenseUri and release notes; install it with
    # Register-PSResourceRepository -Uri <that folder> and Install-PSResource, or publish it to a gallery with
    # Publish-PSResource -NupkgPath.
    param([string] $ModuleFolder = $script:ModuleOut, [string] $Destination = (Join-Path $script:Root 'out/packages'))
    if (Test-Path $Destination) { Remove-Item $Destination -Recurse -Force }
    New-Item -ItemType Directory -Path $Destination | Out-Null
    $destination = (Resolve-Path $Destination).Path
    $scratch = Join-Path ([IO.Path]::GetTempPath()) ('mongobackup-package-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $scratch | Out-Null
    try {
        Invoke-IsolatedPwsh -Scratch $scratch -Script @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name MongoBackupBuild -Uri '$destination' -Trusted
Publish-PSResource -Path '$((Resolve-Path $ModuleFolder).Path)' -Repository MongoBackupBuild
"@ | Out-Host
    }
    finally { Remove-Item $scratch -Recurse -Force -ErrorAction SilentlyContinue }
    $package = Get-ChildItem $destination -Filter '*.nupkg' | Select-Object -First 1
    if (-not $package) { throw "Publish-PSResource wrote no package into $destination." }
    Write-Host "Packaged $($package.FullName)"
    return $package.FullName
}
