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

    It '-PointInTime offers the restore windows'' ends (To, then From, newest window first) as -PointInTime reads them, never file names' {
        $matches = @(Complete "Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -PointInTime ")
        $windows = @(Get-MongoRestoreWindow -Repository $repository)
        [array]::Reverse($windows)
        $expected = @($windows | ForEach-Object { $_.To, $_.From } | ForEach-Object { "'" + $_.ToString('yyyy-MM-dd HH:mm:ss.fff zzz') + "'" } | Select-Object -Unique)
        $matches.CompletionText | Should -Be $expected
        # The two full snapshots can be consistent at one millisecond: then their windows end at one moment, and either
        # names the completion.
        $matches[0].ToolTip | Should -Match "^end of the window .* \(full snapshot ($($second.Id)|$($first.Id)), 0 slice\(s\)\)$"
        if ($windows[0].To -ne $windows[-1].To) { $matches[0].ToolTip | Should -BeLike "*(full snapshot $($second.Id), 0 slice(s))" }
        # What it completes is a moment the restore reads back as that window's end.
        $plan = Invoke-Expression "Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -PointInTime $($matches[0].CompletionText) -RenameDatabase billing=billing_pit -WhatIf -WarningAction SilentlyContinue"
        @($plan).Count | Should -BeGreaterThan 0
        $plan.WouldRun | Should -Not -Contain $false
    }

    It '-RenameDatabase offers the snapshot''s databases in the ''name='' form, never file names' {
        (Complete "Restore-MongoDatabase -ConnectionString $uri -Repository $repository -Id $($first.Id) -RenameDatabase ").CompletionText | Should -Be @('crm=')
        (Complete "Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -PointInTime (Get-Date) -RenameDatabase ").CompletionText | Should -Contain 'billing='
    }

    It '-Id completes a wildcard pattern (2026*full) with every snapshot it matches, newest first' {
        $pattern = $first.Id.Substring(0, 4) + '*full'
        (Complete "Test-MongoSnapshot -Repository $repository -Id $pattern").CompletionText | Should -Be @($second.Id, $first.Id)
        (Complete "Test-MongoSnapshot -Repository $repository -Id *oplog").CompletionText | Should -BeNullOrEmpty
    }

    It '-Database narrows to what was typed' {
        (Complete "Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database cr").CompletionText | Should -Be @('crm')
    }

    It '-Collection offers only the collections of the bound -Database' {
        (Complete "Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database crm -Collection ").CompletionText |
            Should -Be @('customers', 'leads')
    }

    It '-Collection without -Database offers the collections of every user database, each as its namespace' {
        # A bare 'leads' would match a leads collection in every database; the parameter takes 'crm.leads' too.
        $names = (Complete "Backup-MongoDatabase $uri $repository -ExcludeCollection ").CompletionText
        $names | Should -Contain 'billing.invoices'
        $names | Should -Contain 'crm.leads'
        $names | Should -Not -Contain 'leads'
    }

    It '-Collection offers a namespace for what was typed of its database or of its collection name' {
        (Complete "Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Collection cr").CompletionText | Should -Be @('crm.customers', 'crm.leads')
        (Complete "Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Collection lea").CompletionText | Should -Be @('crm.leads')
        (Complete "Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database crm, billing -Collection inv").CompletionText | Should -Be @('billing.invoices')
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
