# The module must load beside other modules that bring other versions of its libraries. Each test runs in a fresh
# pwsh where such a library is already loaded, as another module would have done, before MongoBackup is imported.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:work = New-TestFolder
    # Seeded from this session (with the tests' own copy of the driver); the child sessions only run the module.
    Import-MongoBackupModule
    $seeded = Get-Collection -Uri $uri -Database seeded -Collection items
    foreach ($n in 1..3) { $seeded.InsertOne((New-BsonDocument @{ n = $n }), $null, [System.Threading.CancellationToken]::None) }

    function Invoke-IsolatedSession([string] $Script) {
        # A child pwsh: what it prints last is a JSON summary; anything it writes to the error stream fails the test.
        $file = Join-Path $work ("session-" + [guid]::NewGuid().ToString('N') + '.ps1')
        Set-Content -Path $file -Value $Script
        # The same PowerShell as this one: its own executable, or (as a .NET local tool) its pwsh.dll run by dotnet.
        $native = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
        $output = if (Test-Path $native) { & $native -NoProfile -NonInteractive -File $file 2>&1 }
                  else { & dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $file 2>&1 }
        $LASTEXITCODE | Should -Be 0 -Because ($output | Out-String)
        return ($output | Select-Object -Last 1) | ConvertFrom-Json
    }
}

AfterAll {
    Stop-MongoTestServer $server
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Dependency isolation' {
    It 'backs up and restores when another MongoDB.Bson (1.0.0.0) was loaded first' {
        $summary = Invoke-IsolatedSession @"
`$ErrorActionPreference = 'Stop'
# Another module's MongoDB.Bson: same name, version 1.0.0.0, already in the session.
`$fake = Join-Path '$work' 'other-module/MongoDB.Bson.dll'
New-Item -ItemType Directory (Split-Path `$fake) -Force | Out-Null
Add-Type -OutputAssembly `$fake -TypeDefinition '[assembly: System.Reflection.AssemblyVersion("1.0.0.0")] namespace MongoDB.Bson { public class BsonDocument { public string Origin => "other module"; } }'
`$other = [System.Reflection.Assembly]::LoadFrom(`$fake)

Import-Module '$env:MONGOBACKUP_MODULE'
`$repository = Join-Path '$work' 'repository'
`$snapshot = Backup-MongoDatabase -ConnectionString '$uri' -Repository `$repository -Database seeded
`$restore = `$snapshot | Restore-MongoDatabase -ConnectionString '$uri' -RenameDatabase @{ seeded = 'seeded_copy' }
[pscustomobject]@{
    SnapshotStatus = `$snapshot.Status
    Documents      = `$snapshot.Documents
    Restored       = `$restore.Documents
    Succeeded      = `$restore.Succeeded
    OtherVersion   = `$other.GetName().Version.ToString()
    EngineContext  = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext([System.Reflection.Assembly]::Load('MongoBackup.Engine')).Name
    EngineBson     = ([System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'MongoBackup.Engine').Assemblies |
        Where-Object { `$_.GetName().Name -eq 'MongoDB.Bson' } | ForEach-Object { `$_.GetName().Version.ToString() }
    SessionBson    = [MongoDB.Bson.BsonDocument]::new().Origin
} | ConvertTo-Json -Compress
"@
        $summary.SnapshotStatus | Should -Be 'Complete'
        $summary.Documents | Should -Be 3
        $summary.Restored | Should -Be 3
        $summary.Succeeded | Should -BeTrue
        $summary.OtherVersion | Should -Be '1.0.0.0'
        $summary.EngineContext | Should -Be 'MongoBackup.Engine'
        # Both versions side by side: the other module's stays the session's, the module's own is in its context.
        $summary.SessionBson | Should -Be 'other module'
        $summary.EngineBson | Should -BeLike '3.*'
    }

    It 'the cmdlet assembly names no library but the engine, so no library type reaches the default context' {
        $bin = Join-Path (Split-Path -Parent $env:MONGOBACKUP_MODULE) 'bin'
        $assembly = [System.Reflection.Assembly]::LoadFile((Join-Path $bin 'MongoBackup.PowerShell.dll'))
        $names = $assembly.GetReferencedAssemblies().Name
        $names | Should -Contain 'MongoBackup.Engine'
        $names | Where-Object { $_ -match '^(MongoDB|Azure|AWSSDK|ZstdSharp|DnsClient|SharpCompress|Snappier|Microsoft\.Identity)' } | Should -BeNullOrEmpty
        (Get-ChildItem $bin -File -Filter *.dll).Name | Should -Be @('MongoBackup.PowerShell.dll')
    }
}
