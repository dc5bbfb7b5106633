# Restore-MongoDatabase of a cluster snapshot into a sharded cluster (its mongos), end to end: the documents, the shard
# keys (range and hashed), the primary shard, the zones and indexes as the source had them; -WhatIf and the run refuse a
# target sharded on another key (ShardKeyConflict) per namespace; a mongodump folder restores through the mongos unsharded,
# its config database refused there.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:source = Start-MongoTestServer -Sharded -Shards 2
    $script:target = Start-MongoTestServer -Sharded -Shards 2
    $script:repository = New-TestFolder
    $script:clients = @{ source = [MongoDB.Driver.MongoClient]::new($source.Uri); target = [MongoDB.Driver.MongoClient]::new($target.Uri) }
    function Get-ConfigLines($on, $collection, [string[]] $fields) {
        # One line per document of a config collection: the values of its fields, for comparing two clusters' metadata.
        $options = [MongoDB.Driver.FindOptions[MongoDB.Bson.BsonDocument, MongoDB.Bson.BsonDocument]]::new()
        $cursor = $clients[$on].GetDatabase('config').GetCollection[MongoDB.Bson.BsonDocument]($collection, $null).FindSync(
            (New-EmptyFilter), $options, [System.Threading.CancellationToken]::None)
        $lines = while ($cursor.MoveNext([System.Threading.CancellationToken]::None)) {
            foreach ($document in $cursor.Current) { ($fields | ForEach-Object { $document.GetValue($_, [MongoDB.Bson.BsonNull]::Value).ToString() }) -join ' ' }
        }
        return @($lines | Sort-Object)
    }
    function Get-IndexNames($on, $collection) {
        $reply = $clients[$on].GetDatabase('shop').RunCommand[MongoDB.Bson.BsonDocument]((New-BsonDocument @{ listIndexes = $collection }), $null, [System.Threading.CancellationToken]::None)
        return @($reply.GetValue('cursor').AsBsonDocument.GetValue('firstBatch').AsBsonArray | ForEach-Object { $_.AsBsonDocument.GetValue('name').ToString() } | Sort-Object)
    }
    Invoke-Admin $source.Uri ([ordered]@{ enableSharding = 'shop'; primaryShard = 'shard1' }) | Out-Null
    Invoke-Admin $source.Uri ([ordered]@{ shardCollection = 'shop.orders'; key = @{ customer = 1 } }) | Out-Null
    Invoke-Admin $source.Uri ([ordered]@{ shardCollection = 'shop.events'; key = @{ _id = 'hashed' } }) | Out-Null
    $orders = Get-Collection $source.Uri 'shop' 'orders'
    $orders.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..100) { New-BsonDocument ([ordered]@{ _id = $i; customer = $i; total = [double] $i }) }))
    (Get-Collection $source.Uri 'shop' 'events').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..60) { New-BsonDocument ([ordered]@{ _id = $i; kind = 'click' }) }))
    (Get-Collection $source.Uri 'shop' 'notes').InsertOne((New-BsonDocument ([ordered]@{ _id = 'n1'; text = 'unsharded, on the primary shard' })))
    Invoke-Admin $source.Uri ([ordered]@{ split = 'shop.orders'; middle = @{ customer = 50 } }) | Out-Null
    Invoke-Admin $source.Uri ([ordered]@{ moveChunk = 'shop.orders'; find = @{ customer = 1 }; to = 'shard0' }) | Out-Null
    Invoke-Admin $source.Uri ([ordered]@{ addShardToZone = 'shard0'; zone = 'early' }) | Out-Null
    Invoke-Admin $source.Uri ([ordered]@{ updateZoneKeyRange = 'shop.orders'; min = @{ customer = 1 }; max = @{ customer = 50 }; zone = 'early' }) | Out-Null
    $clients.source.GetDatabase('shop').RunCommand[MongoDB.Bson.BsonDocument]((New-BsonDocument ([ordered]@{ createIndexes = 'orders'; indexes = @(@{ key = @{ total = -1 }; name = 'total_desc' }) })), $null, [System.Threading.CancellationToken]::None) | Out-Null
    $script:snapshot = Backup-MongoDatabase -ConnectionString $source.Uri -Repository $repository -StopBalancer
}

AfterAll {
    foreach ($client in $clients.Values) { $client.Dispose() }
    Stop-MongoTestServer $source
    Stop-MongoTestServer $target
    Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Restore-MongoDatabase of a cluster snapshot into a sharded cluster' {
    It 'recreates the databases, shard keys, zones, indexes and documents through the mongos' {
        $verbose = $snapshot | Restore-MongoDatabase -ConnectionString $target.Uri -Verbose 4>&1
        $result = $verbose | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
        $result.Succeeded | Should -BeTrue
        ($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Contain 'shop: created on its primary shard shard1, as in the snapshot.'
        foreach ($name in 'orders', 'events', 'notes') {
            @(Get-AllDocuments (Get-Collection $target.Uri 'shop' $name)) | Should -Be @(Get-AllDocuments (Get-Collection $source.Uri 'shop' $name)) -Because $name
        }
        Get-ConfigLines target 'collections' '_id', 'key', 'unique' | Should -Be (Get-ConfigLines source 'collections' '_id', 'key', 'unique')
        Get-ConfigLines target 'collections' '_id', 'key' | Should -Contain 'shop.events { "_id" : "hashed" }'
        Get-ConfigLines target 'tags' 'ns', 'tag', 'min', 'max' | Should -Be (Get-ConfigLines source 'tags' 'ns', 'tag', 'min', 'max')
        @(Get-ConfigLines target 'tags' 'ns').Count | Should -Be 1
        Get-ConfigLines target 'shards' '_id', 'tags' | Should -Be (Get-ConfigLines source 'shards' '_id', 'tags')
        Get-ConfigLines target 'shards' '_id', 'tags' | Should -Be @('shard0 [early]', 'shard1 BsonNull')
        foreach ($name in 'orders', 'events') { Get-IndexNames target $name | Should -Be (Get-IndexNames source $name) -Because $name }
        Get-IndexNames target 'orders' | Should -Contain 'total_desc'
    }

    It 'marks a target sharded on another key as ShardKeyConflict under -WhatIf and in the run, restoring the others' {
        Invoke-Admin $target.Uri ([ordered]@{ shardCollection = 'other.orders'; key = @{ total = 1 } }) | Out-Null
        $plan = $snapshot | Restore-MongoDatabase -ConnectionString $target.Uri -RenameDatabase @{ shop = 'other' } -WhatIf
        ($plan | Where-Object Target -eq 'other.orders').ErrorId | Should -Be 'MongoBackup.ShardKeyConflict'
        @($plan | Where-Object { $_.ErrorId }).Count | Should -Be 1

        $result = $snapshot | Restore-MongoDatabase -ConnectionString $target.Uri -RenameDatabase @{ shop = 'other' } -ErrorVariable failures -ErrorAction SilentlyContinue
        $result.Succeeded | Should -BeFalse
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.ShardKeyConflict,*'
        $failures[0].Exception.Message | Should -BeLike '*sharded on { "total" : 1 }*'
        Get-DocumentCount (Get-Collection $target.Uri 'other' 'orders') | Should -Be 0
        Get-DocumentCount (Get-Collection $target.Uri 'other' 'events') | Should -Be 60
    }

    It 'restores a mongodump folder through the mongos unsharded, and refuses its config database there, naming it' {
        $dump = Join-Path $repository 'plain-dump'
        foreach ($database in 'db', 'config') {
            New-Item -ItemType Directory -Path (Join-Path $dump $database) -Force | Out-Null
            # {_id: 1} as BSON: length 14, int32 '_id' 1, terminator.
            [System.IO.File]::WriteAllBytes((Join-Path $dump "$database/c.bson"), [byte[]] @(14, 0, 0, 0, 0x10, 0x5F, 0x69, 0x64, 0, 1, 0, 0, 0, 0))
        }
        $result = Restore-MongoDatabase -Path $dump -ConnectionString $target.Uri -Database db, config -ErrorVariable failures -ErrorAction SilentlyContinue
        @($result.Namespaces | Where-Object Succeeded | ForEach-Object TargetNamespace) | Should -Be @('db.c')
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.ShardedClusterNotSupported,*'
        $failures[0].Exception.Message | Should -BeLike 'config.c was not restored: a restore through a mongos writes nothing to the config database*'
        Get-DocumentCount (Get-Collection $target.Uri 'db' 'c') | Should -Be 1
        Get-ConfigLines target 'collections' '_id' | Should -Not -Contain 'db.c'
    }
}
