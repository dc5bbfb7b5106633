# What the output objects tell a DBA: a refused namespace counts as a failure, the source as properties a script can
# test, how long a backup took, and arrays that Export-Csv writes as names rather than System.String[].
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_out_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $none = [System.Threading.CancellationToken]::None
    (Get-Collection $uri $db 'orders').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..30) { New-BsonDocument @{ _id = $i } }))
    (Get-Collection $uri $db 'customers').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..5) { New-BsonDocument @{ _id = $i } }))
    $script:repository = New-TestFolder
    $script:snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -Tag @{ purpose = 'csv'; owner = 'dba' }
    # A target that already holds data in one of the two namespaces.
    (Get-Collection $uri "$($db)_busy" 'orders').InsertOne((New-BsonDocument @{ _id = 'someone else' }), $null, $none)
}

AfterAll {
    if ($script:uri) {
        $client = [MongoDB.Driver.MongoClient]::new($uri)
        foreach ($name in $db, "$($db)_busy", "$($db)_piped", "$($db)_byid", "$($db)_dump") { $client.DropDatabase($name, [System.Threading.CancellationToken]::None) }
    }
    Stop-MongoTestServer $server
    Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'A restore result' {
    It 'names the snapshot it restored (BaseSnapshotId), piped or by -Id, and shows it in the list view without point-in-time fields' {
        $piped = $snapshot | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$db=$($db)_piped" -Drop -Confirm:$false
        $byId = Restore-MongoDatabase -ConnectionString $uri -Repository $repository -Id $snapshot.Id -RenameDatabase "$db=$($db)_byid" -Drop -Confirm:$false
        foreach ($result in $piped, $byId) {
            $result.BaseSnapshotId | Should -Be $snapshot.Id
            $result.PointInTime | Should -BeNullOrEmpty
            $list = $result | Format-List | Out-String -Width 200
            $list | Should -Match "BaseSnapshotId\s+: $([regex]::Escape($snapshot.Id))"
            $list | Should -Not -Match 'SliceIds|PointInTime'
        }
    }

    It 'names no snapshot when it restored a mongodump folder' {
        $dump = Join-Path (New-TestFolder) 'dump'
        $snapshot | Export-MongoSnapshot -Path $dump | Out-Null
        $result = Restore-MongoDatabase -ConnectionString $uri -Path $dump -RenameDatabase "$db=$($db)_dump" -Drop -Confirm:$false
        $result.Succeeded | Should -BeTrue
        $result.BaseSnapshotId | Should -BeNullOrEmpty
    }

    It 'counts a namespace the target refused as a failure, beside the documents it refused' {
        $result = $snapshot | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$db=$($db)_busy" -ErrorAction SilentlyContinue
        $result.Succeeded | Should -BeFalse
        $result.Failures | Should -Be 1
        $result.DocumentsRefused | Should -Be 0
        $refused = $result.Namespaces | Where-Object TargetNamespace -eq "$($db)_busy.orders"
        $refused.Succeeded | Should -BeFalse
        $refused.Error | Should -BeLike '*already holds 1 document;*'
        ($result.Namespaces | Where-Object TargetNamespace -eq "$($db)_busy.customers").Succeeded | Should -BeTrue
        # The table (80 columns) shows Succeeded False beside the namespaces and documents; the list names the failures.
        ($result | Format-Table | Out-String -Width 120) | Should -Match 'False\s+2\s+5 '
        ($result | Format-List | Out-String -Width 120) | Should -Match 'Failures\s+:\s+1\b'
    }
}

Describe 'A snapshot' {
    It 'names its source as properties: topology, replica set, server version and hosts' {
        $snapshot.Topology | Should -Be 'ReplicaSet'
        $snapshot.ReplicaSetName | Should -Be 'rs0'
        $snapshot.ServerVersion | Should -Match '^\d+\.\d+\.\d+'
        $hostPort = ([uri] ($uri -replace '^mongodb', 'http')).Authority
        $snapshot.Hosts | Should -Contain $hostPort
        $snapshot.Source | Should -BeLike "ReplicaSet rs0 (MongoDB $($snapshot.ServerVersion)) on *$hostPort*"
    }

    It 'says how long the backup took' {
        $snapshot.Duration | Should -BeOfType [timespan]
        $snapshot.Duration | Should -Be ($snapshot.EndTime - $snapshot.StartTime)
        $snapshot.Duration | Should -BeGreaterThan ([timespan]::Zero)
        (Get-MongoSnapshot -Repository $repository -Latest).Duration | Should -Be $snapshot.Duration
    }
}

Describe 'Export-Csv' {
    It 'writes list properties as names, not System.String[]' {
        $csv = Join-Path $repository 'snapshots.csv'
        Get-MongoSnapshot -Repository $repository | Export-Csv $csv
        $text = Get-Content $csv -Raw
        $text | Should -Not -Match 'System\.String\[\]|System\.Collections|MongoBackup\.OutputList'
        $row = Import-Csv $csv
        $row.Databases | Should -Be $db
        $row.Tags | Should -Be 'owner=dba; purpose=csv'
        $row.Files | Should -BeLike '*orders.bson.zst, *manifest.json'
        $row.Hosts | Should -Not -BeNullOrEmpty
    }

    It 'writes a restore result''s namespaces by name' {
        $csv = Join-Path $repository 'restore.csv'
        $snapshot | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$db=$($db)_busy" -ErrorAction SilentlyContinue | Export-Csv $csv
        (Import-Csv $csv).Namespaces | Should -Be "$($db)_busy.customers, $($db)_busy.orders"
    }

    It 'the lists still behave as arrays in the pipeline' {
        $snapshot.Databases.Count | Should -Be 1
        $snapshot.Databases[0] | Should -Be $db
        $snapshot.Databases -contains $db | Should -BeTrue
        @($snapshot.Files | Where-Object { $_ -like "*$db*.bson.zst" }).Count | Should -Be 2
    }
}
