# The outage runbook of the new user's finding 6: "someone dropped shop.customers around 14:00". The moment of the drop is
# found in the repository's oplog (the server's own oplog is not asked), and the restore to just before it holds exactly
# the documents the collection held before it was dropped.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $PSStyle.OutputRendering = 'PlainText'
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:suffix = [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:none = [System.Threading.CancellationToken]::None
    $script:db = "findop_$suffix"
    $script:repository = New-TestFolder

    $customers = Get-Collection $uri $db 'customers'
    $customers.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..80) { New-BsonDocument @{ _id = $i; name = "customer $i" } }))
    Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -WarningAction SilentlyContinue | Out-Null
    # Writes after the full backup, one slice of them; then more writes, the drop, and writes after it in the next slice.
    foreach ($i in 81..90) { $customers.InsertOne((New-BsonDocument @{ _id = $i; name = "customer $i" }), $null, $none) }
    Backup-MongoOplog -ConnectionString $uri -Repository $repository -WarningAction SilentlyContinue | Out-Null
    $customers.DeleteOne((New-BsonDocument @{ _id = 3 }), $null, $none) | Out-Null
    $customers.InsertOne((New-BsonDocument @{ _id = 91; name = 'the last one' }), $null, $none)
    $script:beforeDrop = @(Get-AllDocuments $customers)
    (Get-Collection $uri $db 'customers').Database.DropCollection('customers', $none)
    (Get-Collection $uri $db 'customers').InsertOne((New-BsonDocument @{ _id = 'recreated' }), $null, $none)
    Backup-MongoOplog -ConnectionString $uri -Repository $repository -WarningAction SilentlyContinue | Out-Null
}

AfterAll {
    Remove-TestRun -Uri $uri -Suffix $suffix -Server $server -Repository $repository
}

Describe 'Find-MongoOplogEntry: the drop found in the backups, and the restore to just before it' {
    It 'finds the one drop, and piped into Restore-MongoPointInTime restores the documents the collection held before it' {
        $drops = @(Find-MongoOplogEntry -Repository $repository -Namespace "$db.customers" -Operation Drop)
        $drops.Count | Should -Be 1
        $drops[0].Operation | Should -Be 'Drop'
        $drops[0].Namespace | Should -Be "$db.customers"
        $drops[0].Timestamp | Should -Match '^Timestamp\(\d+, \d+\)$'

        $result = $drops | Select-Object -Last 1 |
            Restore-MongoPointInTime -ConnectionString $uri -Database $db -RenameDatabase @{ $db = "$($db)_before" } -WarningAction SilentlyContinue

        $result.Succeeded | Should -BeTrue
        $result.ClusterTime | Should -Be $drops[0].ClusterTime
        Get-AllDocuments (Get-Collection $uri "$($db)_before" 'customers') | Should -Be $beforeDrop
        $beforeDrop.Count | Should -Be 90
    }

    It 'gives each operation of the collection in timestamp order, the drop after the last write before it' {
        $all = @(Find-MongoOplogEntry -Repository $repository -Namespace "$db.customers")
        ($all | Where-Object Operation -eq 'Insert').Count | Should -Be 12 -Because 'customers 81 to 91 and the recreated one, after the full backup'
        $ops = @($all | ForEach-Object Operation)
        $dropAt = [array]::IndexOf($ops, 'Drop')
        $all[$dropAt - 1].Summary | Should -Be '_id: 91'
        @($all[($dropAt + 1)..($all.Count - 1)] | Where-Object Operation -eq 'Insert' | ForEach-Object Summary) | Should -Be @('_id: "recreated"')
        @($all | Select-Object -Property Timestamp -Unique).Count | Should -Be $all.Count
    }

    It 'takes -After and -Before as dates or oplog timestamps, and -First' {
        $drop = Find-MongoOplogEntry -Repository $repository -Namespace "$db.customers" -Operation Drop
        @(Find-MongoOplogEntry -Repository $repository -Namespace "$db.customers" -Operation Insert -After $drop.Timestamp | ForEach-Object Summary) | Should -Be @('_id: "recreated"')
        @(Find-MongoOplogEntry -Repository $repository -Namespace "$db.customers" -Operation Delete -Before $drop.WallTime.ToString('yyyy-MM-dd HH:mm:ss.fff zzz') |
            ForEach-Object Summary) | Should -Be @('_id: 3')
        @(Find-MongoOplogEntry -Repository $repository -Namespace "$db.customers" -First 2).Count | Should -Be 2
    }

    It 'names the operations it takes when -Operation is mistyped' {
        { Find-MongoOplogEntry -Repository $repository -Operation Dorp -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*-Operation 'Dorp' names no oplog operation. The operations are: Insert, Update, Delete, Noop, Command, Create, Drop, DropDatabase*"
    }

    It 'shows at 80 columns the wall time to the millisecond, the operation, the namespace and the command' {
        $drop = Find-MongoOplogEntry -Repository $repository -Namespace "$db.customers" -Operation Drop
        $lines = @(($drop | Format-Table | Out-String -Width 80) -split "`r?`n" | ForEach-Object TrimEnd | Where-Object { $_ })
        foreach ($line in $lines) { $line.Length | Should -BeLessOrEqual 80 -Because $line }
        $lines[0] | Should -Match '^WallTime\s+Operation\s+Namespace\s+Summary$'
        $lines[2] | Should -Match ('^' + [regex]::Escape($drop.WallTime.ToString('yyyy-MM-dd HH:mm:ss.fff')) + '\s+Drop\s+' + [regex]::Escape($db) + '\.\S*\s+\{ "drop"')
        # newuser finding: the summary was cut at 80 ('{ "drop" : "custo…'); namespace and summary now wrap whole.
        $table = ($drop | Format-Table | Out-String -Width 80)
        $table | Should -Not -Match '…'
        $table | Should -Match '"customers" }'
        (($lines[2..($lines.Count - 1)] | ForEach-Object { ($_ -split '\s{2,}')[-1] }) -join ' ') | Should -Match '\{ "drop" :\s+"customers" }' 
        $list = $drop | Format-List | Out-String -Width 80
        $list | Should -Match ('ClusterTime\s+: ' + [regex]::Escape($drop.ClusterTime))
        $list | Should -Match ('WallTime\s+: ' + [regex]::Escape($drop.WallTime.ToString('yyyy-MM-dd HH:mm:ss.fff zzz')))
    }

    It 'shows the restored PointInTime to the millisecond, in the table and the list' {
        $drop = Find-MongoOplogEntry -Repository $repository -Namespace "$db.customers" -Operation Drop
        $moment = $drop.WallTime.AddMilliseconds(-1)
        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -PointInTime $moment -Database $db -RenameDatabase @{ $db = "$($db)_ms" } -WarningAction SilentlyContinue
        $shown = $moment.ToString('yyyy-MM-dd HH:mm:ss.fff zzz')
        ($result | Out-String -Width 120) | Should -Match ([regex]::Escape($shown))
        ($result | Format-List | Out-String -Width 120) | Should -Match ('PointInTime\s+: ' + [regex]::Escape($shown))
    }
}

Describe 'Find-MongoOplogEntry: an InsertMany outside any transaction, as MongoDB <Release> logs it' -ForEach @(
    # 7.0 logs a retryable insertMany one 'i' entry per document; 8.0 groups it into one applyOps entry, multiOpType 1
    # (featureFlagReplicateVectoredInsertsTransactionally). Neither is a transaction.
    @{ Release = '7.0'; Entries = 5; Timestamps = 5; RestoredBeforeThird = 2 }
    @{ Release = '8.0'; Entries = 1; Timestamps = 1; RestoredBeforeThird = 0 }
) {
    BeforeAll {
        # newuser finding: 100 documents inserted with InsertMany (no session, no transaction) showed as a slice of
        # "2 oplog entries" on the test server answering as 7.0, and every insert InTransaction: True.
        $script:versioned = Start-MongoTestServer -Arguments '--mongodbVersion', $Release
        $script:vUri = $versioned.Uri
        $script:vDb = "findmany_$suffix"
        $script:vRepository = New-TestFolder
        (Get-Collection $vUri $vDb 'seed').InsertOne((New-BsonDocument @{ _id = 0 }), $null, $none)
        $null = Backup-MongoDatabase -ConnectionString $vUri -Repository $vRepository -Database $vDb -WarningAction SilentlyContinue
        (Get-Collection $vUri $vDb 'batch').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..5) { New-BsonDocument ([ordered]@{ _id = $i }) }))
        $script:slice = Backup-MongoOplog -ConnectionString $vUri -Repository $vRepository -WarningAction SilentlyContinue
    }

    AfterAll {
        Remove-TestRun -Uri $vUri -Suffix $suffix -Server $versioned -Repository $vRepository
    }

    It 'lists five plain inserts, none InTransaction, in <Entries> oplog entries' {
        (Invoke-Admin $vUri ([ordered]@{ buildInfo = 1 }))['version'].AsString | Should -BeLike "$Release.*"
        $inserts = @(Find-MongoOplogEntry -Repository $vRepository -Namespace "$vDb.batch" -Operation Insert)
        @($inserts | ForEach-Object Summary) | Should -Be @('_id: 1', '_id: 2', '_id: 3', '_id: 4', '_id: 5')
        @($inserts | Where-Object InTransaction).Count | Should -Be 0 -Because 'no transaction was used'
        @($inserts | ForEach-Object { $_.Timestamp.ToString() } | Sort-Object -Unique).Count | Should -Be $Timestamps
        $oplog = Get-Collection $vUri 'local' 'oplog.rs'
        $batch = [MongoDB.Bson.BsonDocument]::Parse("{ `$or: [ { ns: '$vDb.batch' }, { 'o.applyOps.ns': '$vDb.batch' } ] }")
        $oplog.CountDocuments([MongoDB.Driver.FilterDefinition[MongoDB.Bson.BsonDocument]] $batch, $null, $none) | Should -Be $Entries
    }

    It 'restored to just before the third insert, holds the inserts of the entries before it (<RestoredBeforeThird>)' {
        # A point in time falls between oplog entries: 8.0's one entry of five inserts is kept or left out whole.
        $third = Find-MongoOplogEntry -Repository $vRepository -Namespace "$vDb.batch" -Operation Insert | Where-Object Summary -eq '_id: 3'
        $result = $third | Restore-MongoPointInTime -ConnectionString $vUri -Database $vDb -RenameDatabase @{ $vDb = "$($vDb)_r" } -WarningAction SilentlyContinue
        $result.Succeeded | Should -BeTrue
        @(Get-AllDocuments (Get-Collection $vUri "$($vDb)_r" 'batch')).Count | Should -Be $RestoredBeforeThird
    }
}
