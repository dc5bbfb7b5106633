# Backup and restore as a user runs them, against MONGOBACKUP_TEST_URI or the in-memory test server.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:repository = New-TestFolder
    # A database name of its own per run, so a shared real server is never disturbed.
    $script:db = 'pester_' + [guid]::NewGuid().ToString('N').Substring(0, 8)

    $orders = Get-Collection $uri $db 'orders'
    $docs = foreach ($i in 1..250) {
        New-BsonDocument ([ordered]@{ _id = $i; customer = "c$($i % 17)"; total = [double] ($i * 1.5); lines = @(@{ sku = "p$($i % 5)"; qty = $i % 3 + 1 }) })
    }
    $orders.InsertMany([MongoDB.Bson.BsonDocument[]] $docs)
    $orders.Indexes.CreateOne([MongoDB.Driver.CreateIndexModel[MongoDB.Bson.BsonDocument]]::new(
            [MongoDB.Driver.IndexKeysDefinition[MongoDB.Bson.BsonDocument]] (New-BsonDocument ([ordered]@{ customer = 1; total = -1 })))) | Out-Null
    $unique = [MongoDB.Driver.CreateIndexOptions]::new(); $unique.Unique = $true
    $customers = Get-Collection $uri $db 'customers'
    $customers.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..17) { New-BsonDocument ([ordered]@{ _id = "c$i"; email = "c$i@example.com" }) }))
    $customers.Indexes.CreateOne([MongoDB.Driver.CreateIndexModel[MongoDB.Bson.BsonDocument]]::new(
            [MongoDB.Driver.IndexKeysDefinition[MongoDB.Bson.BsonDocument]] [MongoDB.Bson.BsonDocument]::new('email', 1), $unique)) | Out-Null

    $script:snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -Tag @{ purpose = 'pester' } -WarningAction SilentlyContinue
}

AfterAll {
    if ($script:uri) {
        $client = [MongoDB.Driver.MongoClient]::new($uri)
        foreach ($name in $db, "$($db)_copy", "$($db)_kept", "$($db)_verified", "$($db)_typo") { $client.DropDatabase($name, [System.Threading.CancellationToken]::None) }
    }
    Stop-MongoTestServer $server
    Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Backup-MongoDatabase' {
    It 'emits one MongoSnapshot with the right counts' {
        @($snapshot).Count | Should -Be 1
        $snapshot | Should -BeOfType MongoBackup.MongoSnapshot
        $snapshot.Status | Should -Be 'Complete'
        $snapshot.Databases | Should -Be @($db)
        $snapshot.Collections | Should -Be 2
        $snapshot.Documents | Should -Be 267
        $snapshot.Tags['purpose'] | Should -Be 'pester'
        $snapshot.SizeBytes | Should -BeGreaterThan 0
        foreach ($file in $snapshot.Files) { Test-Path $file | Should -BeTrue -Because $file }
    }

    It 'writes engine verbose lines on the pipeline thread with -Verbose' {
        $repo = New-TestFolder
        $out = Backup-MongoDatabase -ConnectionString $uri -Repository $repo -Database $db -Collection customers -Verbose -WarningAction SilentlyContinue 4>&1
        $verbose = @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        ($verbose.Message -like "$db.customers: 17 documents*").Count | Should -Be 1
        @($out | Where-Object { $_ -is [MongoBackup.MongoSnapshot] }).Count | Should -Be 1
        Remove-Item $repo -Recurse -Force
    }

    It 'is listed by Get-MongoSnapshot as the latest' {
        (Get-MongoSnapshot -Repository $repository -Latest).Id | Should -Be $snapshot.Id
    }

    It '-WhatIf lists each namespace and writes nothing' {
        $empty = Join-Path $repository 'whatif-repository'
        # What-if lines go to the host; the command itself returns nothing and creates nothing.
        $plan = Backup-MongoDatabase -ConnectionString $uri -Repository $empty -Database $db -WhatIf
        $plan.Action | Should -Be @('Back up', 'Back up')
        $plan.Target | Should -Be @("$db.customers", "$db.orders")
        Test-Path $empty | Should -BeFalse
    }

    It 'records -CompressionLevel in the manifest and shows it, Optimal by default' {
        $snapshot.CompressionLevel | Should -Be 'Optimal'
        $repo = New-TestFolder
        $fast = Backup-MongoDatabase -ConnectionString $uri -Repository $repo -Database $db -Compression Zstd -CompressionLevel Fastest -WarningAction SilentlyContinue
        $fast.Compression | Should -Be 'Zstd'
        $fast.CompressionLevel | Should -Be 'Fastest'
        (Get-MongoSnapshot -Repository $repo -Id $fast.Id).CompressionLevel | Should -Be 'Fastest'
        (Get-Content (Join-Path $repo $fast.Id 'manifest.json') -Raw | ConvertFrom-Json).compressionLevel | Should -Be 'fastest'
        $plain = Backup-MongoDatabase -ConnectionString $uri -Repository $repo -Database $db -Compression None -WarningAction SilentlyContinue
        $plain.CompressionLevel | Should -BeNullOrEmpty
        Remove-Item $repo -Recurse -Force
    }

    It 'writes zstd by default: every file but the manifest is .zst, and the manifest says zstd' {
        $snapshot.Compression | Should -Be 'Zstd'
        (Get-Content (Join-Path $snapshot.Path 'manifest.json') -Raw | ConvertFrom-Json).compression | Should -Be 'zstd'
        $stored = @($snapshot.Files | ForEach-Object { [IO.Path]::GetRelativePath($snapshot.Path, $_) -replace '\\', '/' })
        $stored | Should -Contain "$db/orders.bson.zst"
        $stored | Should -Contain "$db/orders.metadata.json.zst"
        $stored | Should -Contain 'oplog.bson.zst'
        @($stored | Where-Object { $_ -ne 'manifest.json' -and $_ -notlike '*.zst' }) | Should -BeNullOrEmpty
    }

    It '-Compression Gzip writes mongodump --gzip''s layout, as Export-MongoSnapshot -Gzip writes it, which restores as a plain mongodump folder' {
        $repo = New-TestFolder
        $dump = New-TestFolder
        try {
            $gzip = Backup-MongoDatabase -ConnectionString $uri -Repository $repo -Database $db -Compression Gzip -WarningAction SilentlyContinue
            $gzip.Compression | Should -Be 'Gzip'
            $stored = @($gzip.Files | ForEach-Object { [IO.Path]::GetRelativePath($gzip.Path, $_) -replace '\\', '/' } | Where-Object { $_ -ne 'manifest.json' })
            $exported = Join-Path $dump 'exported'
            $gzip | Export-MongoSnapshot -Path $exported -Gzip | Out-Null
            $stock = @(Get-ChildItem $exported -Recurse -File | ForEach-Object { [IO.Path]::GetRelativePath($exported, $_.FullName) -replace '\\', '/' })
            ($stored | Sort-Object) | Should -Be ($stock | Sort-Object)
            $stored | Should -Contain "$db/orders.bson.gz"
            $oplog = [IO.File]::ReadAllBytes((Join-Path $gzip.Path 'oplog.bson'))
            ($oplog[0], $oplog[1]) | Should -Be (0x1f, 0x8b) -Because 'mongodump --gzip writes its oplog as oplog.bson with gzip content'

            # The folder without our manifest and marker is a mongodump directory.
            $plain = Join-Path $dump 'plain'
            Copy-Item $gzip.Path $plain -Recurse
            Remove-Item (Join-Path $plain 'manifest.json'), (Join-Path $plain '.mongobackup-snapshot') -Force
            $result = Restore-MongoDatabase -ConnectionString $uri -Path $plain -RenameDatabase "$db=$($db)_gzipdir" -WarningAction SilentlyContinue
            $result.Succeeded | Should -BeTrue
            Get-DocumentCount (Get-Collection $uri "$($db)_gzipdir" 'orders') | Should -Be 250
        }
        finally {
            [MongoDB.Driver.MongoClient]::new($uri).DropDatabase("$($db)_gzipdir", [System.Threading.CancellationToken]::None)
            Remove-Item $repo, $dump -Recurse -Force -ErrorAction SilentlyContinue
        }
    }

    It 'refuses -CompressionLevel with -Compression None, and a level that is no choice' {
        { Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -Compression None -CompressionLevel Fastest -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.InvalidArgument*'
        { Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -CompressionLevel NoCompression -ErrorAction Stop } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }

    It 'a mistyped -Collection is NothingSelected naming the collections of the database chosen, and writes no snapshot' {
        $before = @(Get-MongoSnapshot -Repository $repository).Count
        $failure = $null
        try { Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -Collection 'ordres' -ErrorAction Stop } catch { $failure = $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.NothingSelected,*'
        $failure.Exception.Message | Should -BeLike "Nothing on * matches the chosen databases and collections; the databases chosen hold $db.customers, $db.orders. Check the names' spelling*"
        @(Get-MongoSnapshot -Repository $repository).Count | Should -Be $before
    }

    It 'fails with NothingSelected when no database matches' {
        { Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database 'no_such_db_*' -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.NothingSelected*' -ExpectedMessage "*its databases are *$db*"
    }
}

Describe 'Restore-MongoDatabase' {
    It 'a collection name that matches nothing is NothingSelected, naming what the snapshot holds' {
        { $snapshot | Restore-MongoDatabase -ConnectionString $uri -Collection "$db.orderz" -RenameDatabase "$db=$($db)_typo" -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.NothingSelected*' -ExpectedMessage "Nothing in '*$($snapshot.Id)' matches the chosen databases, collections and namespaces (-Collection '$db.orderz' matches none of its namespaces); it holds $db.customers, $db.orders."
    }

    It 'two collection filters that match nothing together name both, and restore nothing' {
        $failure = $null
        try { $snapshot | Restore-MongoDatabase -ConnectionString $uri -Database 'no_such_db' -Collection 'orders' -RenameDatabase "$db=$($db)_typo" -ErrorAction Stop } catch { $failure = $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.NothingSelected,*'
        $failure.Exception.Message | Should -BeLike "*(-Database 'no_such_db' matches none of its namespaces); it holds $db.customers, $db.orders."
        Get-DatabaseName $uri | Should -Not -Contain "$($db)_typo"
    }

    It 'a mistyped -Collection beside one that matches warns naming it and what the snapshot holds, and restores the one that matches' {
        $result = $snapshot | Restore-MongoDatabase -ConnectionString $uri -Collection 'orders', 'ordres' -RenameDatabase "$db=$($db)_typo" -WarningVariable warned -WarningAction SilentlyContinue
        $result.Succeeded | Should -BeTrue
        @($result.Namespaces.TargetNamespace) | Should -Be @("$($db)_typo.orders")
        $typo = @($warned | Where-Object { $_.Message -like '*ordres*' })
        $typo.Count | Should -Be 1
        $typo[0].Message | Should -BeLike "-Collection 'ordres' matches nothing in '*$($snapshot.Id)', so it restores nothing; it holds $db.customers, $db.orders. Check its spelling (names match case-sensitively)."
    }

    It 'a mistyped -ExcludeDatabase warns that it leaves nothing out, naming the databases there are' {
        $result = $snapshot | Restore-MongoDatabase -ConnectionString $uri -Collection 'customers' -ExcludeDatabase "$($db)x" -RenameDatabase "$db=$($db)_excl" -WarningVariable warned -WarningAction SilentlyContinue
        $result.Succeeded | Should -BeTrue
        ($warned.Message -join "`n") | Should -BeLike "*-ExcludeDatabase '$($db)x' matches nothing in '*', so it leaves nothing out; it holds the databases $db. Check its spelling*"
        [MongoDB.Driver.MongoClient]::new($uri).DropDatabase("$($db)_excl", [System.Threading.CancellationToken]::None)
    }

    It 'filters that all match say nothing' {
        $null = $snapshot | Restore-MongoDatabase -ConnectionString $uri -Collection 'orders' -ExcludeCollection 'customers' -RenameDatabase "$db=$($db)_clean" -WarningVariable warned -WarningAction SilentlyContinue
        @($warned | Where-Object { $_.Message -like '*matches nothing*' }).Count | Should -Be 0
        [MongoDB.Driver.MongoClient]::new($uri).DropDatabase("$($db)_clean", [System.Threading.CancellationToken]::None)
    }

    It 'restores the same with -VerifyFirst, which checks every file before writing' {
        $result = Get-MongoSnapshot -Repository $repository -Id $snapshot.Id |
            Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$db=$($db)_verified" -VerifyFirst -WarningAction SilentlyContinue
        $result.Succeeded | Should -BeTrue
        Get-DocumentCount (Get-Collection $uri "$($db)_verified" 'orders') | Should -Be 250
    }

    It 'restores the piped snapshot into a renamed database with equal documents and indexes' {
        $result = Get-MongoSnapshot -Repository $repository -Latest |
            Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$db=$($db)_copy" -WarningAction SilentlyContinue
        $result | Should -BeOfType MongoBackup.MongoRestoreResult
        $result.Succeeded | Should -BeTrue
        $result.Documents | Should -Be 267
        ($result.Namespaces.TargetNamespace | Sort-Object) | Should -Be @("$($db)_copy.customers", "$($db)_copy.orders")
        foreach ($name in 'orders', 'customers') {
            $source = Get-Collection $uri $db $name
            $target = Get-Collection $uri "$($db)_copy" $name
            Get-AllDocuments $target | Should -Be (Get-AllDocuments $source)
            $sourceIndexes = Get-IndexKeys $source
            $sourceIndexes.Count | Should -Be 2 -Because "$name has _id and one index of its own"
            Get-IndexKeys $target | Should -Be $sourceIndexes
        }
    }

    It 'binds -Path by property name' {
        $result = [pscustomobject]@{ Path = $snapshot.Path } |
            Restore-MongoDatabase -ConnectionString $uri -RenameDatabase @{ $db = "$($db)_kept" } -Collection customers -WarningAction SilentlyContinue
        $result.Documents | Should -Be 17
        Get-DocumentCount (Get-Collection $uri "$($db)_kept" 'customers') | Should -Be 17
    }

    It 'refuses a snapshot folder whose backup never finished (no manifest.json), naming why, and writes nothing' {
        $unfinished = New-TestFolder
        try {
            $copy = Copy-MongoSnapshot -InputObject $snapshot -Destination $unfinished
            Remove-Item (Join-Path $copy.Path 'manifest.json') # the issue's input: a snapshot folder without its manifest
            $target = "$($db)_unfinished"
            { Restore-MongoDatabase -Path $copy.Path -ConnectionString $uri -RenameDatabase "$db=$target" -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'MongoBackup.SnapshotNotFound,*' -ExpectedMessage "*$($copy.Path)*never finished*.mongobackup-snapshot*"
            Get-DatabaseName $uri | Should -Not -Contain $target
        }
        finally { Remove-Item $unfinished -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It '-WhatIf writes nothing' {
        $target = "$($db)_whatif"
        $result = $snapshot | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$db=$target" -Drop -WhatIf
        $result | Should -BeOfType MongoBackup.MongoPlannedAction
        $result.Action | Should -Be @('Drop and restore', 'Drop and restore')
        Get-DatabaseName $uri | Should -Not -Contain $target
    }

    It 'a non-empty target without -Drop is a non-terminating TargetNotEmpty error per namespace, and its data is kept' {
        $kept = Get-Collection $uri "$($db)_kept" 'customers'
        $kept.InsertOne((New-BsonDocument ([ordered]@{ _id = 'local-only'; email = 'keep@example.com' })))
        $result = $snapshot | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$db=$($db)_kept" -ErrorVariable failures -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $result.Succeeded | Should -BeFalse
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.TargetNotEmpty,*'
        $failures[0].TargetObject | Should -Be "$($db)_kept.customers"
        $failures[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        # The other namespace still went in; the occupied one is untouched.
        ($result.Namespaces | Where-Object TargetNamespace -eq "$($db)_kept.orders").Documents | Should -Be 250
        Get-DocumentCount $kept | Should -Be 18
    }

    It '-Drop -Confirm:$false replaces a non-empty target' {
        $result = $snapshot | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$db=$($db)_kept" -Collection customers -Drop -Confirm:$false -WarningAction SilentlyContinue
        $result.Succeeded | Should -BeTrue
        Get-DocumentCount (Get-Collection $uri "$($db)_kept" 'customers') | Should -Be 17
    }
}
