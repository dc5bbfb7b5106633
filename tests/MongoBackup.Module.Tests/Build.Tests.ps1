# The build's test task on a machine without the shared fixtures: it stops first, once, naming where they are expected
# and MONGOBACKUP_FIXTURES, before building or testing anything (instead of every test that reads a fixture failing).
BeforeAll {
    . (Join-Path $PSScriptRoot '../Shared/FixturePaths.ps1')
    $script:root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

    function Invoke-TestTaskWith {
        # A fresh pwsh runs the Test task of build/Tasks.ps1 with the build and the tests replaced by markers, and
        # MONGOBACKUP_FIXTURES set to $Fixtures; returns everything it printed.
        param([string] $Fixtures)
        $script = @"
`$ErrorActionPreference = 'Stop'
. '$(Join-Path $root 'build/Tasks.ps1')'
function Invoke-ModuleBuild { Write-Host 'BUILD RAN' }
function Invoke-AllTests { Write-Host 'TESTS RAN' }
try { Invoke-TestTask; Write-Host 'TASK DONE' } catch { Write-Host ('TASK STOPPED: ' + `$_.Exception.Message) }
"@
        $saved = $env:MONGOBACKUP_FIXTURES
        try {
            $env:MONGOBACKUP_FIXTURES = $Fixtures
            return (& dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $script *>&1 | Out-String)
        }
        finally { $env:MONGOBACKUP_FIXTURES = $saved }
    }

    function New-TempFolder {
        $path = Join-Path ([System.IO.Path]::GetTempPath()) ('mongobackup-fixtures-' + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $path | Out-Null
        return $path
    }
}

Describe 'The test task' {
    It 'stops before the build, once, naming the missing folder and MONGOBACKUP_FIXTURES, when the fixtures are not there' {
        $empty = New-TempFolder
        try {
            $output = Invoke-TestTaskWith -Fixtures $empty
            $expected = [System.IO.Path]::GetFullPath((Join-Path $empty 'mongo-tools'))
            $output | Should -Match ([regex]::Escape("TASK STOPPED: The mongo-tools fixtures were not found at '$expected'"))
            $output | Should -Match 'set MONGOBACKUP_FIXTURES to the folder that holds mongo-tools'
            ([regex]::Matches($output, 'fixtures were not found')).Count | Should -Be 1
            $output | Should -Not -Match 'BUILD RAN|TESTS RAN|TASK DONE'
        }
        finally { Remove-Item $empty -Recurse -Force }
    }

    It 'builds and tests when MONGOBACKUP_FIXTURES names a folder that holds mongo-tools' {
        $fixtures = New-TempFolder
        New-Item -ItemType Directory -Path (Join-Path $fixtures 'mongo-tools') | Out-Null
        try {
            $output = Invoke-TestTaskWith -Fixtures $fixtures
            $output | Should -Match ([regex]::Escape("Fixtures: $([System.IO.Path]::GetFullPath((Join-Path $fixtures 'mongo-tools')))"))
            $output | Should -Match '(?s)BUILD RAN.*TESTS RAN.*TASK DONE'
        }
        finally { Remove-Item $fixtures -Recurse -Force }
    }

    It 'looks in ../shared/fixtures beside the repository when MONGOBACKUP_FIXTURES is not set' {
        $saved = $env:MONGOBACKUP_FIXTURES
        try {
            $env:MONGOBACKUP_FIXTURES = $null
            Get-MongoToolsFixturePath | Should -Be ([System.IO.Path]::GetFullPath((Join-Path $root '../shared/fixtures/mongo-tools')))
        }
        finally { $env:MONGOBACKUP_FIXTURES = $saved }
    }
}

Describe 'The build task stages the module whole or not at all' {
    BeforeAll {
        function Invoke-BuildTaskWith {
            # A fresh pwsh runs Invoke-ModuleBuild of build/Tasks.ps1 into $Out, with dotnet build skipped, the compiled
            # output faked by $Built, and the ReadyToRun step replaced by $ReadyToRun; returns everything it printed.
            param([string] $Out, [string] $Built, [string] $ReadyToRun)
            $script = @"
`$ErrorActionPreference = 'Stop'
. '$(Join-Path $root 'build/Tasks.ps1')'
`$ModuleOut = '$Out'
function Invoke-Native { }
function Invoke-ReadyToRun { param(`$Configuration, `$Module) $ReadyToRun }
function Copy-ModuleLayout { param(`$Built, `$Destination) New-Item -ItemType Directory -Path (Join-Path `$Destination 'bin') -Force | Out-Null; Copy-Item '$Built/*' (Join-Path `$Destination 'bin') }
try { `$null = Invoke-ModuleBuild; Write-Host 'TASK DONE' } catch { Write-Host ('TASK STOPPED: ' + `$_.Exception.Message) }
"@
            return (& dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $script *>&1 | Out-String)
        }
        $script:work = Join-Path ([System.IO.Path]::GetTempPath()) ('mongobackup-staging-' + [guid]::NewGuid().ToString('N'))
        $script:built = Join-Path $work 'built'
        New-Item -ItemType Directory -Path $built -Force | Out-Null
        Set-Content (Join-Path $built 'MongoBackup.PowerShell.dll') 'new build'
    }
    AfterAll { Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue }

    It 'a ReadyToRun step that fails leaves the previous module as it was, and no staging folder' {
        $out = Join-Path $work 'fails/MongoBackup'
        New-Item -ItemType Directory -Path (Join-Path $out 'bin') -Force | Out-Null
        Set-Content (Join-Path $out 'bin/MongoBackup.PowerShell.dll') 'previous build'
        $output = Invoke-BuildTaskWith -Out $out -Built $built -ReadyToRun "throw 'crossgen2 crashed'"
        $output | Should -Match 'TASK STOPPED: crossgen2 crashed'
        $output | Should -Not -Match 'Module staged'
        Get-Content (Join-Path $out 'bin/MongoBackup.PowerShell.dll') | Should -Be 'previous build'
        @(Get-ChildItem (Split-Path -Parent $out) -Force).Name | Should -Be @('MongoBackup')
    }

    It 'out/MongoBackup changes only once the module is final, and the last line says it is staged' {
        $out = Join-Path $work 'succeeds/MongoBackup'
        New-Item -ItemType Directory -Path (Join-Path $out 'bin') -Force | Out-Null
        Set-Content (Join-Path $out 'bin/MongoBackup.PowerShell.dll') 'previous build'
        # What a build killed outright left behind is cleared.
        New-Item -ItemType Directory -Path (Join-Path $work 'succeeds/.MongoBackup.staging-0123') | Out-Null
        # While ReadyToRun runs on the staged copy, the module folder still holds the previous build.
        $check = "Set-Content (Join-Path `$Module 'bin/readytorun.txt') 'compiled'; Write-Host ('DURING: ' + (Get-Content '$out/bin/MongoBackup.PowerShell.dll'))"
        $output = Invoke-BuildTaskWith -Out $out -Built $built -ReadyToRun $check
        $output | Should -Match 'DURING: previous build'
        $lines = @($output -split "`r?`n" | Where-Object { $_ })
        $lines[-2] | Should -BeLike 'Module staged in out/MongoBackup*'
        $lines[-1] | Should -Be 'TASK DONE'
        Get-Content (Join-Path $out 'bin/MongoBackup.PowerShell.dll') | Should -Be 'new build'
        Get-Content (Join-Path $out 'bin/readytorun.txt') | Should -Be 'compiled'
        @(Get-ChildItem (Split-Path -Parent $out) -Force).Name | Should -Be @('MongoBackup')
    }
}
