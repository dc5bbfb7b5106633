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
