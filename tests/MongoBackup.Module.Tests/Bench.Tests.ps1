# Which pwsh the Bench task runs our side of the comparisons in (build/Tasks.ps1, Invoke-Bench and Get-BenchPwsh):
# by default a ReadyToRun copy of the building pwsh, as Microsoft's release packages are precompiled, unless that pwsh
# already is; -BenchPwsh AsIs, or a copy that cannot be built, runs the building pwsh itself. The benchmark program and
# the compilation are replaced by markers: what is checked is the --pwsh the benchmark is given.
BeforeAll {
    $script:root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

    function Invoke-BenchWith {
        # A fresh pwsh runs Invoke-Bench with -Pwsh $Pwsh; Test-ReadyToRun of the building pwsh's automation assembly
        # answers $AlreadyPrecompiled, and New-PrecompiledPwsh returns $Copy (nothing: it failed). Returns the output.
        param([string] $Pwsh, [bool] $AlreadyPrecompiled, [string] $Copy)
        $script = @"
`$ErrorActionPreference = 'Stop'
. '$(Join-Path $root 'build/Tasks.ps1')'
function Test-ReadyToRun { param(`$Path) Write-Host "CHECKED `$Path"; `$$AlreadyPrecompiled }
function New-PrecompiledPwsh { Write-Host 'COPY BUILT'; if ('$Copy') { '$Copy' } }
function Invoke-Native { param(`$File, `$Arguments) Write-Host ('BENCH ' + (`$Arguments -join ' ')) }
Invoke-Bench -Pwsh $Pwsh -Arguments '--stock-tools', 'tools'
"@
        return (& dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $script *>&1 | Out-String)
    }
    $script:asIs = [regex]::Escape("--pwsh $(Join-Path $PSHOME 'pwsh.dll') --module")
}

Describe 'The bench task''s pwsh' {
    It 'is a precompiled copy of the building pwsh by default when that pwsh is IL only, the stock tools'' arguments passed on after it' {
        $output = Invoke-BenchWith -Pwsh Precompiled -AlreadyPrecompiled $false -Copy '/copy/pwsh.dll'
        $output | Should -Match ([regex]::Escape("CHECKED $(Join-Path $PSHOME 'System.Management.Automation.dll')"))
        $output | Should -Match 'COPY BUILT'
        $output | Should -Match 'BENCH .* --pwsh /copy/pwsh\.dll --module \S+MongoBackup\.psd1 --stock-tools tools'
    }

    It 'is the building pwsh itself, with no copy built, when that pwsh is already precompiled' {
        $output = Invoke-BenchWith -Pwsh Precompiled -AlreadyPrecompiled $true -Copy '/copy/pwsh.dll'
        $output | Should -Not -Match 'COPY BUILT'
        $output | Should -Match $asIs
    }

    It 'is the building pwsh as it is with -BenchPwsh AsIs' {
        $output = Invoke-BenchWith -Pwsh AsIs -AlreadyPrecompiled $false -Copy '/copy/pwsh.dll'
        $output | Should -Not -Match 'COPY BUILT|CHECKED'
        $output | Should -Match $asIs
    }

    It 'falls back to the building pwsh as it is, saying so, when the precompiled copy cannot be built' {
        $output = Invoke-BenchWith -Pwsh Precompiled -AlreadyPrecompiled $false -Copy ''
        $output | Should -Match 'COPY BUILT'
        $output | Should -Match 'runs our side in this pwsh as it is \(IL only\): its precompiled copy could not be built'
        $output | Should -Match $asIs
    }
}

Describe 'Test-ReadyToRun' {
    BeforeAll { . (Join-Path $root 'build/Tasks.ps1') }

    It 'tells a ReadyToRun assembly from an IL-only one and from a file that is not an assembly' {
        $notAssembly = Join-Path $TestDrive 'notes.dll'
        Set-Content $notAssembly 'not a PE file'
        $ilOnly = Join-Path $root 'tests/benchmarks/MongoBackup.Benchmarks/bin/Release/net10.0/MongoBackup.Benchmarks.dll'
        Test-ReadyToRun ([object].Assembly.Location) | Should -BeTrue
        Test-ReadyToRun $ilOnly | Should -BeFalse
        Test-ReadyToRun $notAssembly | Should -BeFalse
    }
}
