# Tab completion as a user meets it at the prompt: TabExpansion2 over a command line, against the test server.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $none = [System.Threading.CancellationToken]::None
    foreach ($target in @(@('crm', 'customers'), @('crm', 'leads'), @('billing', 'invoices'))) {
        (Get-Collection -Uri $uri -Database $target[0] -Collection $target[1]).InsertOne((New-BsonDocument @{ n = 1 }), $null, $none)
    }
    $script:repository = New-TestFolder
    # Two backups one after the other: the second starts later (the completer orders by start time, not by id).
    $script:first = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database crm
    $script:second = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database billing

    function Complete([string] $line) {
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches
    }
}

AfterAll {
    Stop-MongoTestServer $server
    Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Tab completion' {
    It '-Database offers the databases of the server in -ConnectionString' {
        $names = (Complete "Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database ").CompletionText
        $names | Should -Contain 'crm'
        $names | Should -Contain 'billing'
    }

    It '-Database leaves out the server''s own databases, local and config' {
        $names = (Complete "Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database ").CompletionText
        $names | Should -Not -Contain 'local'
        $names | Should -Not -Contain 'config'
    }

    It 'Restore-MongoDatabase -Repository -Id offers the snapshots of -Repository as the other snapshot cmdlets do' {
        $matches = Complete "Restore-MongoDatabase -ConnectionString $uri -Repository $repository -Id "
        $matches.CompletionText | Should -Be @($second.Id, $first.Id)
    }

    It '-ClusterTime offers the repository''s consistency points as timestamps, never file names' {
        $matches = @(Complete "Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime ")
        $matches.Count | Should -BeGreaterThan 0
        $matches.CompletionText | ForEach-Object { $_ | Should -Match "^'Timestamp\(\d+, \d+\)'$" }
        @($matches.CompletionText | Sort-Object -Unique).Count | Should -Be $matches.Count
        $matches[0].ToolTip | Should -Match '^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z, where full .+ is consistent$'
    }

    It '-Database narrows to what was typed' {
        (Complete "Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database cr").CompletionText | Should -Be @('crm')
    }

    It '-Collection offers only the collections of the bound -Database' {
        (Complete "Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database crm -Collection ").CompletionText |
            Should -Be @('customers', 'leads')
    }

    It '-Collection without -Database offers the collections of every user database' {
        $names = (Complete "Backup-MongoDatabase $uri $repository -ExcludeCollection ").CompletionText
        $names | Should -Contain 'invoices'
        $names | Should -Contain 'leads'
    }

    It '-Id offers the snapshots of -Repository, newest first, with start time and kind as tooltip' {
        foreach ($command in 'Get-MongoSnapshot', 'Test-MongoSnapshot', 'Remove-MongoSnapshot', 'Copy-MongoSnapshot') {
            $matches = Complete "$command -Repository $repository -Id "
            $matches.CompletionText | Should -Be @($second.Id, $first.Id) -Because "$command completes -Id"
            $matches[0].ToolTip | Should -Be ('{0:u} Full' -f $second.StartTime)
        }
    }

    It 'offers no server names and writes no error when the server cannot be reached' {
        $Error.Clear()
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $names = (Complete "Backup-MongoDatabase -ConnectionString mongodb://127.0.0.1:9/?connect=direct -Repository $repository -Database ").CompletionText
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 6
        $names | Should -Not -Contain 'crm'
        $Error.Count | Should -Be 0
    }
}
