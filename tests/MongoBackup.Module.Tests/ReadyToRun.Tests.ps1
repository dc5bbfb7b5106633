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

    Context 'a backup in a fresh pwsh' {
        BeforeAll {
            $script = "`$ErrorActionPreference = 'Stop'; Import-Module '$env:MONGOBACKUP_MODULE'; " +
                "Backup-MongoDatabase -ConnectionString '$uri' -Repository '$(Join-Path $work 'repository')' -Database $db | Out-Null"
            $saved = $env:DOTNET_JitDisasmSummary
            try {
                # The runtime's own list of every method it JIT-compiles (available in release runtimes since .NET 8), on
                # the child's standard output: with DOTNET_JitStdOutFile instead, the runtime aborted now and then at exit
                # ("free(): invalid pointer", exit 134, about one run in twelve here), after the backup had finished.
                $env:DOTNET_JitDisasmSummary = '1'
                $script:output = @(& dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $script 2>&1)
                $script:exit = $LASTEXITCODE
            }
            finally { $env:DOTNET_JitDisasmSummary = $saved }
            $script:jitted = @($output | ForEach-Object { "$_" } | Where-Object { $_ -match 'JIT compiled ' })
        }

        It 'succeeds, and its JIT list was read' {
            $exit | Should -Be 0 -Because ($output -notmatch 'JIT compiled' -join [Environment]::NewLine)
            # An empty list would pass every limit below.
            $jitted.Count | Should -BeGreaterThan 1000
        }

        It 'JIT-compiles few MongoDB.Driver methods: the precompiled code is used' {
            $driver = @($jitted | Where-Object { $_ -match 'JIT compiled MongoDB\.Driver\.' -and $_ -match 'Tier0' }).Count
            # Without the precompiled code such a backup JIT-compiles about 2,000 driver methods at tier 0; with it, the
            # generic instantiations over other assemblies' types that crossgen cannot pregenerate, a few hundred at most.
            $driver | Should -BeLessThan 600
        }

        It 'JIT-compiles no method of the cmdlet assembly: it is compiled against PowerShell' {
            # Compiled without System.Management.Automation, every cmdlet method touching a PowerShell type was left to
            # the JIT (76 in such a backup).
            @($jitted | Where-Object { $_ -match 'JIT compiled MongoBackup\.PowerShell\.' }) | Should -HaveCount 0
        }

        It 'JIT-compiles little of the async machinery over the module''s own methods' {
            # AsyncTaskMethodBuilder's state machine boxes over the engine's and the driver's async methods: 1,136 in such
            # a backup when the images could not hold the runtime's generic code over their types, 484 now (the rest mix
            # types of several assemblies).
            $async = @($jitted | Where-Object { $_ -match 'JIT compiled System\.Runtime\.CompilerServices\.Async.*(MongoBackup|MongoDB)\.' }).Count
            $async | Should -BeLessThan 750
        }

        It 'serializes its JSON without reflection: no IL emitted for System.Text.Json' {
            # The manifest, settings, leases and the folder marker use generated serializers; reflection-based ones emit
            # IL accessors at first use (74 such methods JIT-compiled in such a backup before).
            @($jitted | Where-Object { $_ -match 'JIT compiled System\.Text\.Json\..*ReflectionEmit' }) | Should -HaveCount 0
        }
    }
}
