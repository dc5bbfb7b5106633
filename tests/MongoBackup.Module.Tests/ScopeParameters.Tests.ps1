# The scope parameters a DBA reaches for: -ExcludeDatabase, the scope and read preference of scheduled policy runs and
# oplog slices, and mongodump's --query / --queryFile as -Query / -QueryFile.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:p = 'scope' + [guid]::NewGuid().ToString('N').Substring(0, 6)
    $none = [System.Threading.CancellationToken]::None
    foreach ($name in 'a', 'b', 'c') { (Get-Collection $uri "$($p)_$name" 'items').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none) }
    (Get-Collection $uri "$($p)_a" 'audit').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
    $orders = Get-Collection $uri "$($p)_a" 'orders'
    $orders.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..40) {
        # A BsonDocument is enumerable: keep PowerShell from unrolling it into its elements.
        Write-Output -NoEnumerate ([MongoDB.Bson.BsonDocument]::Parse("{ _id: $i, status: '$(if ($i % 4 -eq 0) { 'paid' } else { 'open' })', at: ISODate('2026-0$(1 + $i % 3)-15T00:00:00Z') }"))
    }))
    $script:paid = @(1..40 | Where-Object { $_ % 4 -eq 0 }).Count
    $script:sinceFebruary = @(1..40 | Where-Object { $_ % 3 -ne 0 }).Count

    function Get-RestoredIds([string] $Database, [string] $Collection) {
        @(Get-AllDocuments (Get-Collection $uri $Database $Collection) | ForEach-Object { ([MongoDB.Bson.BsonDocument]::Parse($_))['_id'].ToInt32() })
    }
}

AfterAll {
    if ($script:uri) {
        $client = [MongoDB.Driver.MongoClient]::new($uri)
        foreach ($name in Get-DatabaseName $uri | Where-Object { $_ -like "$($p)_*" }) { $client.DropDatabase($name, [System.Threading.CancellationToken]::None) }
    }
    Stop-MongoTestServer $server
}

Describe '-ExcludeDatabase' {
    It 'Backup-MongoDatabase -Database scope*_* -ExcludeDatabase scope*_b takes databases a and c' {
        $snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository (New-TestFolder) -Database "$($p)_*" -ExcludeDatabase "$($p)_b"
        $snapshot.Databases | Should -Be @("$($p)_a", "$($p)_c")
    }

    It 'Restore-MongoDatabase -ExcludeDatabase leaves that database out' {
        $snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository (New-TestFolder) -Database "$($p)_b", "$($p)_c"
        $result = $snapshot | Restore-MongoDatabase -ConnectionString $uri -ExcludeDatabase "$($p)_b" -NamespaceMap @{ "$($p)_*.*" = "$($p)_r*.*" }
        $result.Namespaces.TargetNamespace | Should -Be @("$($p)_rc.items")
    }
}

Describe 'Invoke-MongoBackupPolicy scope and read preference' {
    It '-Database and -ExcludeCollection shape the full snapshot; -ReadPreference secondaryPreferred reads' {
        $repository = New-TestFolder
        $run = Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -FullEvery 1d -Database "$($p)_a" -ExcludeCollection audit -ReadPreference secondaryPreferred
        $run.Action | Should -Be 'Full'
        $run.Snapshot.Databases | Should -Be @("$($p)_a")
        $run.Snapshot.Collections | Should -Be 2
        $run.Snapshot.Files | Should -Not -BeLike '*audit*'
    }

    It '-ReadPreference takes only the read preference modes' {
        { Invoke-MongoBackupPolicy -ConnectionString $uri -Repository (New-TestFolder) -FullEvery 1d -ReadPreference fastest -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*primary,primaryPreferred,secondary,secondaryPreferred,nearest*'
    }
}

Describe 'Backup-MongoOplog -ReadPreference' {
    It 'saves a slice reading with secondaryPreferred' {
        $repository = New-TestFolder
        Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database "$($p)_c" | Out-Null
        (Get-Collection $uri "$($p)_c" 'items').InsertOne((New-BsonDocument @{ _id = 2 }), $null, [System.Threading.CancellationToken]::None)
        $slice = Backup-MongoOplog -ConnectionString $uri -Repository $repository -ReadPreference secondaryPreferred
        $slice.Kind | Should -Be 'Oplog'
        $slice.Entries | Should -BeGreaterOrEqual 1
    }
}

Describe '-Query and -QueryFile (mongodump --query, --queryFile)' {
    It '-Query takes only the matching documents of the one collection, and a restore brings back just those' {
        $repository = New-TestFolder
        $snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database "$($p)_a" -Collection orders -Query '{ "status": "paid" }' -WarningVariable warnings -WarningAction SilentlyContinue
        $snapshot.Documents | Should -Be $paid
        $snapshot.Query | Should -Be '{ "status" : "paid" }'
        $snapshot.PointInTimeConsistent | Should -BeFalse
        # Besides the first backup's new-repository warning.
        @($warnings.Message | Where-Object { $_ -like '*-Query backup holds only the documents*not point-in-time consistent*copy-only*' }).Count | Should -Be 1
        $snapshot | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$($p)_a=$($p)_paid" | Out-Null
        Get-RestoredIds "$($p)_paid" 'orders' | Should -Be @(4, 8, 12, 16, 20, 24, 28, 32, 36, 40)
    }

    It '-QueryFile reads the filter from a file, Extended JSON dates included' {
        $file = Join-Path (New-TestFolder) 'query.json'
        Set-Content $file '{ "at": { "$gte": { "$date": "2026-02-01T00:00:00Z" } } }'
        $snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository (New-TestFolder) -Database "$($p)_a" -Collection orders -QueryFile $file -WarningAction SilentlyContinue
        $snapshot.Documents | Should -Be $sinceFebruary
    }

    It '-Query without exactly one collection is refused, naming what the backup selects' {
        { Backup-MongoDatabase -ConnectionString $uri -Repository (New-TestFolder) -Database "$($p)_a" -Query '{ "status": "paid" }' -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.InvalidArgument*' -ExpectedMessage "*-Query filters one collection*selects 3 namespaces ($($p)_a.audit, $($p)_a.items, $($p)_a.orders)*"
    }

    It '-Query that is not JSON is refused, naming -Query, and nothing is written' {
        $repository = New-TestFolder
        { Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database "$($p)_a" -Collection orders -Query "{ status: 'paid'" -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.InvalidArgument*' -ExpectedMessage '-Query is not a query document in Extended JSON*'
        @(Get-ChildItem $repository).Count | Should -Be 0
    }

    It '-Query and -QueryFile together are refused' {
        { Backup-MongoDatabase -ConnectionString $uri -Repository (New-TestFolder) -Database "$($p)_a" -Collection orders -Query '{}' -QueryFile 'q.json' -ErrorAction Stop } |
            Should -Throw -ExpectedMessage 'Give -Query or -QueryFile, not both.'
    }

    It 'a -QueryFile that does not exist is named' {
        { Backup-MongoDatabase -ConnectionString $uri -Repository (New-TestFolder) -Database "$($p)_a" -Collection orders -QueryFile 'no-such-query.json' -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*-QueryFile '*no-such-query.json' does not exist.*"
    }
}
