# -Debug as a DBA types it, in a non-interactive session (as this suite runs, and as a scheduled job does): debug lines
# with what the module is doing, and no "Read and Prompt functionality is not available" failure.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_dbg_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    (Get-Collection $uri $db 'orders').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..5) { New-BsonDocument @{ _id = $i; status = 'paid' } }))
    $script:repository = New-TestFolder

    function Split-Streams($records) {
        [pscustomobject]@{
            Debug    = @($records | Where-Object { $_ -is [System.Management.Automation.DebugRecord] } | ForEach-Object Message)
            Verbose  = @($records | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
            Warnings = @($records | Where-Object { $_ -is [System.Management.Automation.WarningRecord] } | ForEach-Object Message)
            Output   = @($records | Where-Object { $_ -isnot [System.Management.Automation.InformationalRecord] })
        }
    }
}

AfterAll {
    if ($script:uri) {
        $client = [MongoDB.Driver.MongoClient]::new($uri)
        foreach ($name in $db, "$($db)_copy") { $client.DropDatabase($name, [System.Threading.CancellationToken]::None) }
    }
    Stop-MongoTestServer $server
    Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue
}

Describe '-Debug in a non-interactive session' {
    It 'the session is non-interactive, as the failure needs' {
        [Environment]::GetCommandLineArgs() | Should -Contain '-NonInteractive'
    }

    It 'Backup-MongoDatabase -Debug backs up and writes debug lines: connection, server, namespaces, progress steps' {
        $streams = Split-Streams (Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -Debug 5>&1 4>&1 3>&1)
        @($streams.Output | Where-Object { $_ -is [MongoBackup.MongoSnapshot] }).Count | Should -Be 1
        @($streams.Debug | Where-Object { $_ -like 'Connecting to mongodb://*read preference primary*no credential*' }).Count | Should -Be 1
        ($streams.Debug -join "`n") | Should -Match "Source: ReplicaSet rs0, MongoDB \d+\.\d+"
        ($streams.Debug -join "`n") | Should -Match ([regex]::Escape("$db.orders: collection, options"))
        ($streams.Debug -join "`n") | Should -Match ([regex]::Escape("$db.orders: 5 documents"))
        $streams.Verbose | Should -BeNullOrEmpty -Because 'without -Verbose the step lines are debug lines'
    }

    It 'a warning under -Debug reaches the debug stream instead of failing the command' {
        $streams = Split-Streams (Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -Collection orders -Query '{ "status": "paid" }' -Debug 5>&1 3>&1)
        @($streams.Output | Where-Object { $_ -is [MongoBackup.MongoSnapshot] }).Count | Should -Be 1
        ($streams.Debug -join "`n") + ($streams.Warnings -join "`n") | Should -Match 'WARNING: A -Query backup|A -Query backup holds only'
    }

    It 'Restore-MongoDatabase -Debug lists each namespace it maps' {
        $streams = Split-Streams (Get-MongoSnapshot -Repository $repository -Latest | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$db=$($db)_copy" -Debug 5>&1)
        ($streams.Output | Where-Object { $_ -is [MongoBackup.MongoRestoreResult] }).Succeeded | Should -BeTrue
        ($streams.Debug -join "`n") | Should -Match ([regex]::Escape("$db.orders -> $($db)_copy.orders (collection, from "))
    }

    It 'Get-MongoSnapshot -Debug lists, saying which repository it read' {
        $streams = Split-Streams (Get-MongoSnapshot -Repository $repository -Debug 5>&1)
        @($streams.Output).Count | Should -BeGreaterOrEqual 1
        ($streams.Debug -join "`n") | Should -Match ([regex]::Escape("is FolderRepository $repository"))
    }

    It '-Debug -Verbose keeps verbose lines on the verbose stream' {
        $streams = Split-Streams (Get-MongoSnapshot -Repository $repository -Debug -Verbose 5>&1 4>&1)
        ($streams.Verbose -join "`n") | Should -Match 'complete snapshot manifest'
    }
}
