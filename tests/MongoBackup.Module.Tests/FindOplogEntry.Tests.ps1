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
        $lines[2] | Should -Match ('^' + [regex]::Escape($drop.WallTime.ToString('yyyy-MM-dd HH:mm:ss.fff')) + '\s+Drop\s+' + [regex]::Escape($db) + '\.cu\S*\s+\{ "drop"')
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
