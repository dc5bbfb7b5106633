# The staged module carries its engine and the MongoDB driver precompiled (ReadyToRun) for the runtime that built it
# (build/Tasks.ps1, Invoke-ReadyToRun), and that runtime uses the precompiled code instead of JIT-compiling the driver
# at every cmdlet's start. A runtime ignores images compiled for another major version silently (what the first try,
# compiled for .NET 8, did under PowerShell 7.6), so the test counts what the JIT compiled, not only the headers.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_r2r_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    (Get-Collection $uri $db 'items').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..50) { New-BsonDocument @{ _id = $i } }))
    $script:work = New-TestFolder
    $script:bin = Join-Path (Split-Path -Parent $env:MONGOBACKUP_MODULE) 'bin'
}

AfterAll {
    if ($script:uri) { [MongoDB.Driver.MongoClient]::new($uri).DropDatabase($db, [System.Threading.CancellationToken]::None) }
    Stop-MongoTestServer $server
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'ReadyToRun' {
    It 'stages <_> with precompiled code beside its IL' -ForEach 'MongoBackup.PowerShell.dll', 'deps/MongoBackup.Engine.dll', 'deps/MongoDB.Driver.dll', 'deps/MongoDB.Bson.dll' {
        $stream = [System.IO.File]::OpenRead((Join-Path $bin $_))
        try {
            $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
            $pe.PEHeaders.CorHeader.ManagedNativeHeaderDirectory.Size | Should -BeGreaterThan 0
        }
        finally { $stream.Dispose() }
    }

    It 'a backup in a fresh pwsh JIT-compiles few MongoDB.Driver methods: the precompiled code is used' {
        $log = Join-Path $work 'jit.txt'
        $script = "`$ErrorActionPreference = 'Stop'; Import-Module '$env:MONGOBACKUP_MODULE'; " +
            "Backup-MongoDatabase -ConnectionString '$uri' -Repository '$(Join-Path $work 'repository')' -Database $db | Out-Null"
        $saved = $env:DOTNET_JitDisasmSummary, $env:DOTNET_JitStdOutFile
        try {
            # The runtime's own list of every method it JIT-compiles (available in release runtimes since .NET 8).
            $env:DOTNET_JitDisasmSummary = '1'
            $env:DOTNET_JitStdOutFile = $log
            & dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $script | Out-Null
            $LASTEXITCODE | Should -Be 0
        }
        finally { $env:DOTNET_JitDisasmSummary, $env:DOTNET_JitStdOutFile = $saved }
        $driver = @(Get-Content $log | Where-Object { $_ -match 'JIT compiled MongoDB\.Driver\.' -and $_ -match 'Tier0' }).Count
        # Without the precompiled code such a backup JIT-compiles about 2,000 driver methods at tier 0; with it, the
        # generic instantiations over other assemblies' types that crossgen cannot pregenerate, a few hundred at most.
        $driver | Should -BeLessThan 600
    }
}
