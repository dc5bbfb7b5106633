# A collection renamed into another database inside the restore window, as MongoDB 4.2+ logs it (rename_collection.cpp,
# renameBetweenDBs: a create of tmpXXXXX.renameCollection in the target database, its indexes, an insert per document,
# a rename within the target database onto the final name, a drop of the source): Restore-MongoPointInTime to the
# window's end holds the renamed collection whole however the DBA restores it: the whole database, -Collection on its
# final name (its documents arrive through the temporary collection), -RenameDatabase, and through a mongos.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:repository = New-TestFolder
    $script:suffix = [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:src = "xdb_src_$suffix"
    $script:dst = "xdb_dst_$suffix"
    $script:none = [System.Threading.CancellationToken]::None

    (Get-Collection $uri $src 'events').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..5) { New-BsonDocument ([ordered]@{ _id = $i; kind = "k$($i % 2)" }) }))
    $index = [MongoDB.Driver.CreateIndexModel[MongoDB.Bson.BsonDocument]]::new([MongoDB.Driver.IndexKeysDefinition[MongoDB.Bson.BsonDocument]] (New-BsonDocument @{ kind = 1 }))
    (Get-Collection $uri $src 'events').Indexes.CreateOne($index, $null, $none) | Out-Null
    (Get-Collection $uri $dst 'keep').InsertOne((New-BsonDocument @{ _id = 1 }))
    $script:full = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $src, $dst -WarningAction SilentlyContinue

    # In the window: the rename across databases, then a write to the renamed collection.
    Invoke-Admin $uri ([ordered]@{ renameCollection = "$src.events"; to = "$dst.archive" }) | Out-Null
    (Get-Collection $uri $dst 'archive').InsertOne((New-BsonDocument ([ordered]@{ _id = 6; kind = 'k0' })))
    $script:slice = Backup-MongoOplog -ConnectionString $uri -Repository $repository
    $script:end = (Get-MongoRestoreWindow -Repository $repository).ToTimestamp
    $script:expected = @(Get-AllDocuments (Get-Collection $uri $dst 'archive'))

    function Assert-RenamedWhole([string] $Uri, [string] $Database) {
        # The renamed collection as the source holds it at the window's end (its index too), and no temporary copy left.
        @(Get-AllDocuments (Get-Collection $Uri $Database 'archive')) | Should -Be $expected
        Get-IndexKeys (Get-Collection $Uri $Database 'archive') | Should -Contain 'kind_1={ "kind" : 1 }'
        $names = Read-Cursor ([MongoDB.Driver.MongoClient]::new($Uri).GetDatabase($Database).ListCollectionNames($null, $none))
        @($names | Where-Object { $_ -like 'tmp*.renameCollection' }) | Should -BeNullOrEmpty
    }
}

AfterAll {
    Remove-TestRun -Uri $uri -Suffix $suffix -Server $server -Repository $repository
}

Describe 'Restore-MongoPointInTime over a rename across databases' {
    It 'the oplog holds the copy MongoDB 4.2+ makes, and no rename naming both databases' {
        $oplog = [MongoDB.Driver.MongoClient]::new($uri).GetDatabase('local').GetCollection[MongoDB.Bson.BsonDocument]('oplog.rs', $null)
        $options = [MongoDB.Driver.FindOptions[MongoDB.Bson.BsonDocument, MongoDB.Bson.BsonDocument]]::new()
        $renames = (Read-Cursor $oplog.FindSync([MongoDB.Driver.FilterDefinition[MongoDB.Bson.BsonDocument]] (New-BsonDocument @{ 'o.renameCollection' = @{ '$exists' = $true } }), $options, $none))
        $renames.Count | Should -Be 1
        $last = $renames[0]['o']
        $last['renameCollection'].AsString | Should -Match ('^' + [regex]::Escape($dst) + '\.tmp[0-9A-Za-z]{5}\.renameCollection$')
        $last['to'].AsString | Should -Be "$dst.archive"
    }

    It 'restores the whole target database with the renamed collection whole' {
        $target = Start-MongoTestServer
        try {
            $result = Restore-MongoPointInTime -ConnectionString $target.Uri -Repository $repository -ClusterTime $end -Database $dst -WarningAction SilentlyContinue
            $result.Succeeded | Should -BeTrue
            Assert-RenamedWhole $target.Uri $dst
            Get-DocumentCount (Get-Collection $target.Uri $dst 'keep') | Should -Be 1
            Get-DatabaseName $target.Uri | Should -Not -Contain $src -Because 'only the target database was asked for'
        }
        finally { Stop-MongoTestServer $target }
    }

    It 'restores both databases: the source collection is gone, the target holds it whole' {
        $target = Start-MongoTestServer
        try {
            $result = Restore-MongoPointInTime -ConnectionString $target.Uri -Repository $repository -ClusterTime $end -WarningAction SilentlyContinue
            $result.Succeeded | Should -BeTrue
            Assert-RenamedWhole $target.Uri $dst
            Read-Cursor ([MongoDB.Driver.MongoClient]::new($target.Uri).GetDatabase($src).ListCollectionNames($null, $none)) | Should -Not -Contain 'events'
        }
        finally { Stop-MongoTestServer $target }
    }

    It '-Collection on the final name takes its documents from the temporary copy and writes nothing else' {
        $renamed = "$($dst)_c"
        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime $end -Database $dst -Collection archive -RenameDatabase "$dst=$renamed" -WarningAction SilentlyContinue
        $result.Succeeded | Should -BeTrue
        Assert-RenamedWhole $uri $renamed
        Read-Cursor ([MongoDB.Driver.MongoClient]::new($uri).GetDatabase($renamed).ListCollectionNames($null, $none)) | Should -Be @('archive')
    }

    It '-RenameDatabase puts the renamed collection under the new database names' {
        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime $end -RenameDatabase @{ $src = "$($src)_r"; $dst = "$($dst)_r" } -WarningAction SilentlyContinue
        $result.Succeeded | Should -BeTrue
        Assert-RenamedWhole $uri "$($dst)_r"
        Get-DocumentCount (Get-Collection $uri "$($dst)_r" 'keep') | Should -Be 1
        Get-DatabaseName $uri | Should -Not -Contain "$($src)_r" -Because 'the source database held nothing at the moment'
    }

    It 'restores through a mongos, the two databases on different primary shards' {
        $cluster = Start-MongoTestServer -Sharded -Shards 2
        try {
            Invoke-Admin $cluster.Uri ([ordered]@{ enableSharding = $src; primaryShard = 'shard0' }) | Out-Null
            Invoke-Admin $cluster.Uri ([ordered]@{ enableSharding = $dst; primaryShard = 'shard1' }) | Out-Null
            $result = Restore-MongoPointInTime -ConnectionString $cluster.Uri -Repository $repository -ClusterTime $end -Confirm:$false -WarningAction SilentlyContinue
            $result.Succeeded | Should -BeTrue
            Assert-RenamedWhole $cluster.Uri $dst
            Read-Cursor ([MongoDB.Driver.MongoClient]::new($cluster.Uri).GetDatabase($src).ListCollectionNames($null, $none)) | Should -Not -Contain 'events'
        }
        finally { Stop-MongoTestServer $cluster }
    }
}

Describe 'Restore-MongoPointInTime of a replica set through a mongos, a rename mapped into another database the restore creates' {
    It 'restores whole: the databases the restore creates share one primary shard, so the replay renames between them' {
        # Breaker7 finding 1: the cluster alone puts each new database on its least-loaded shard, and the rename was refused.
        $shop = "place_shop_$suffix"; $history = "place_hist_$suffix"
        (Get-Collection $uri $shop 'orders').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..5) { New-BsonDocument @{ _id = $i } }))
        (Get-Collection $uri $shop 'archive').InsertOne((New-BsonDocument @{ _id = 1 }))
        # Kept in shop, so shop holds something after the replay: a database the restore created and left empty is dropped.
        (Get-Collection $uri $shop 'customers').InsertOne((New-BsonDocument @{ _id = 1 }))
        $repo = New-TestFolder
        Backup-MongoDatabase -ConnectionString $uri -Repository $repo -Database $shop -WarningAction SilentlyContinue | Out-Null
        Invoke-Admin $uri ([ordered]@{ renameCollection = "$shop.orders"; to = "$shop.orders2023" }) | Out-Null
        $placed = Backup-MongoOplog -ConnectionString $uri -Repository $repo
        $cluster = Start-MongoTestServer -Sharded -Shards 2
        try {
            $result = Restore-MongoPointInTime -ConnectionString $cluster.Uri -Repository $repo -ClusterTime $placed.OplogEnd -Database $shop `
                -NamespaceMap @{ "$shop.orders2023" = "$history.orders2023"; "$shop.archive" = "$history.archive" } -Confirm:$false -WarningAction SilentlyContinue
            $result.OplogError | Should -BeNullOrEmpty
            $result.Succeeded | Should -BeTrue
            Get-AllDocuments (Get-Collection $cluster.Uri $history 'orders2023') | Should -Be @(foreach ($i in 1..5) { "{ `"_id`" : $i }" })
            Get-DocumentCount (Get-Collection $cluster.Uri $history 'archive') | Should -Be 1
            Read-Cursor ([MongoDB.Driver.MongoClient]::new($cluster.Uri).GetDatabase($shop).ListCollectionNames($null, $none)) | Should -Be @('customers')
            $config = [MongoDB.Driver.MongoClient]::new($cluster.Uri).GetDatabase('config')
            $primaries = @(foreach ($database in $shop, $history) {
                    $reply = $config.RunCommand[MongoDB.Bson.BsonDocument]((New-BsonDocument ([ordered]@{ find = 'databases'; filter = @{ _id = $database } })), $null, $none)
                    $reply['cursor']['firstBatch'][0]['primary'].AsString
                })
            $primaries.Count | Should -Be 2
            @($primaries | Sort-Object -Unique).Count | Should -Be 1
        }
        finally { Stop-MongoTestServer $cluster; Remove-Item $repo -Recurse -Force -ErrorAction SilentlyContinue }
    }
}
