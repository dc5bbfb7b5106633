# The small inputs of issue 14 that failed (some silently), as a DBA types them: a mongodump folder whose oplog
# deletes a duplicate before its unique index can be built; a large transaction (a partialTxn chain) and a moment
# inside it; two 9 MB documents between two slices; a view created between slices, restored under another name.
# (The a,b,c / b backups are in Scope.Tests.ps1; a catalog changed while a backup lists it needs the engine's test
# seam, in CatalogChangeDuringBackupTests.)
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:client = [MongoDB.Driver.MongoClient]::new($uri)
    $script:none = [System.Threading.CancellationToken]::None
    $script:prefix = 'replay_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:fixtures = Get-MongoToolsFixturePath

    function Get-OplogEntries {
        # The oplog entries matching a filter (JSON), oldest first, as a DBA reads them with find on local.oplog.rs.
        param([string] $Filter)
        $oplog = $client.GetDatabase('local').GetCollection[MongoDB.Bson.BsonDocument]('oplog.rs', $null)
        $options = [MongoDB.Driver.FindOptions[MongoDB.Bson.BsonDocument, MongoDB.Bson.BsonDocument]]::new()
        $options.Sort = [MongoDB.Driver.SortDefinition[MongoDB.Bson.BsonDocument]] [MongoDB.Bson.BsonDocument]::new('$natural', 1)
        $filterDocument = [MongoDB.Driver.FilterDefinition[MongoDB.Bson.BsonDocument]] [MongoDB.Bson.BsonDocument]::Parse($Filter)
        # As an array of documents: PowerShell would unroll each document into its elements.
        Write-Output -NoEnumerate (Read-Cursor $oplog.FindSync($filterDocument, $options, $none)).ToArray()
    }

    function Format-ClusterTime {
        # -ClusterTime as seconds,increment; -Back moves it that many increments earlier.
        param($Entry, [int] $Back = 0)
        $ts = $Entry['ts'].AsBsonTimestamp
        "$($ts.Timestamp),$($ts.Increment - $Back)"
    }
}

AfterAll {
    if ($script:client) {
        foreach ($name in (Get-DatabaseName $uri) | Where-Object { $_ -like "$prefix*" }) { $client.DropDatabase($name, $none) }
    }
    Stop-MongoTestServer $server
}

Describe 'A mongodump folder whose oplog removes a duplicate of a unique index' {
    It 'restores the unique index and the one document left (duplicate_index_key_with_oplog)' {
        $folder = Join-Path $fixtures 'mongorestore/testdata/duplicate_index_key_with_oplog'
        $result = Restore-MongoDatabase -ConnectionString $uri -Path $folder -RenameDatabase "test=$($prefix)_dup" -Confirm:$false
        $result.Succeeded | Should -BeTrue
        $foo = Get-Collection $uri "$($prefix)_dup" 'foo'
        Get-DocumentCount $foo | Should -Be 1
        Get-IndexKeys $foo | Should -Contain '_id_={ "_id" : 1 }'
        Get-IndexKeys $foo | Should -Contain 'a_1={ "a" : 1.0 } unique'
    }
}

Describe 'A mongodump folder whose metadata holds a legacy index key (indextestdump)' {
    # mongo-tools' indextestdump: a_1_b_true on {a: 1.0, b: true, c: NumberDecimal(0), d: ""}, which MongoDB 3.4+ refuses.
    It 'fails the collection without -ConvertLegacyIndexes, naming the switch' {
        $folder = Join-Path $fixtures 'mongorestore/testdata/indextestdump'
        $result = Restore-MongoDatabase -ConnectionString $uri -Path $folder -RenameDatabase "indextest=$($prefix)_legacy" -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue
        $result.Succeeded | Should -BeFalse
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.NamespaceRestoreFailed*'
        "$($failed[0])" | Should -BeLike '*Restore it again with -ConvertLegacyIndexes*'
        # Dropped with its documents: no collection stands restored without its index.
        Read-Cursor ($client.GetDatabase("$($prefix)_legacy").ListCollectionNames($null, $none)) | Should -Not -Contain 'test_collection'
    }

    It 'builds it ascending with -ConvertLegacyIndexes, as mongorestore --convertLegacyIndexes does' {
        $folder = Join-Path $fixtures 'mongorestore/testdata/indextestdump'
        $result = Restore-MongoDatabase -ConnectionString $uri -Path $folder -RenameDatabase "indextest=$($prefix)_conv" -ConvertLegacyIndexes -Confirm:$false
        $result.Succeeded | Should -BeTrue
        $collection = Get-Collection $uri "$($prefix)_conv" 'test_collection'
        Get-DocumentCount $collection | Should -Be 100
        Get-IndexKeys $collection | Should -Be @('_id_={ "_id" : 1 }', 'a_1_b_true={ "a" : 1.0, "b" : 1, "c" : 1, "d" : 1 }')
    }
}

Describe 'A mongodump folder holding only oplog.bson' {
    It 'replays it as mongorestore --oplogReplay does: create_indexes.test with its three indexes' {
        # mongo-tools' mongorestore_test.go (TestCreateIndexes...) restores testdata/create_indexes with --oplogReplay and expects 3 indexes.
        $folder = New-TestFolder
        Copy-Item (Join-Path $fixtures 'mongorestore/testdata/create_indexes/oplog.bson') (Join-Path $folder 'oplog.bson')
        $target = "$($prefix)_ci"

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $folder -RenameDatabase "create_indexes=$target" -Confirm:$false

        $result.Succeeded | Should -BeTrue
        @($result.Namespaces.TargetNamespace) | Should -Be @("$target.test")
        $keys = Get-IndexKeys (Get-Collection $uri $target 'test')
        @($keys | ForEach-Object { ($_ -split '=')[0] }) | Should -Be @('_id_', 'a_1', 'b_1')
    }

    It 'is refused with NothingSelected when the oplog creates nothing the filter chooses, or with -NoOplogReplay' {
        $folder = New-TestFolder
        Copy-Item (Join-Path $fixtures 'mongorestore/testdata/create_indexes/oplog.bson') (Join-Path $folder 'oplog.bson')
        { Restore-MongoDatabase -ConnectionString $uri -Path $folder -Collection 'create_indexes.other' -Confirm:$false } |
            Should -Throw -ErrorId 'MongoBackup.NothingSelected*'
        { Restore-MongoDatabase -ConnectionString $uri -Path $folder -NoOplogReplay -Confirm:$false } |
            Should -Throw -ErrorId 'MongoBackup.NothingSelected*'
    }
}

Describe 'Point-in-time restores over the forms MongoDB writes' {
    BeforeAll {
        $script:repository = New-TestFolder
        $script:db = "$($prefix)_shop"
        $script:orders = Get-Collection $uri $db 'orders'
        $orders.InsertOne((New-BsonDocument ([ordered]@{ _id = 'seed' })))
        $script:full = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db

        # One transaction of 1,200 inserts of 16 KB: over 16 MB, so MongoDB writes it as a chain of partialTxn entries.
        $padding = 'x' * 16KB
        $session = $client.StartSession($null, $none)
        $session.StartTransaction($null)
        $documents = [MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..1200) { New-BsonDocument ([ordered]@{ _id = "t$i"; pad = $padding }) })
        $orders.InsertMany($session, $documents, $null, $none)
        $session.CommitTransaction($none)
        $session.Dispose()
        $script:chain = Get-OplogEntries "{ 'o.applyOps.ns': '$db.orders' }"
        $script:firstSlice = Backup-MongoOplog -ConnectionString $uri -Repository $repository

        # Two documents of 9 MB between this slice and the next.
        $orders.InsertOne((New-BsonDocument ([ordered]@{ _id = 'big1'; pad = 'a' * 9MB })))
        $orders.InsertOne((New-BsonDocument ([ordered]@{ _id = 'big2'; pad = 'b' * 9MB })))
        # A view on orders, created between the slices: MongoDB logs it as an insert into system.views.
        $pipeline = [MongoDB.Bson.BsonDocument[]] @([MongoDB.Bson.BsonDocument]::Parse("{ `$match: { _id: 'seed' } }"))
        $client.GetDatabase($db).CreateView[MongoDB.Bson.BsonDocument, MongoDB.Bson.BsonDocument]('seeds', 'orders',
            [MongoDB.Driver.PipelineDefinition[MongoDB.Bson.BsonDocument, MongoDB.Bson.BsonDocument]] $pipeline, $null, $none)
        $script:secondSlice = Backup-MongoOplog -ConnectionString $uri -Repository $repository
    }

    AfterAll { Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue }

    It 'the server wrote the transaction as a partialTxn chain closed by its count' {
        $chain.Count | Should -BeGreaterThan 1
        $chain[0]['o']['partialTxn'].AsBoolean | Should -BeTrue
        $chain[-1]['o']['count'].ToInt32() | Should -Be 1200
    }

    It 'restores none of the transaction at a moment between its first entry and its commit' {
        $n = 0
        foreach ($moment in (Format-ClusterTime $chain[0]), (Format-ClusterTime $chain[-1] -Back 1)) {
            $target = "$($prefix)_cut$((++$n))"
            $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime $moment -RenameDatabase "$db=$target" -Confirm:$false
            $result.Succeeded | Should -BeTrue
            Get-AllDocuments (Get-Collection $uri $target 'orders') | Should -Be @('{ "_id" : "seed" }')
        }
    }

    It 'restores all of the transaction at its commit' {
        $target = "$($prefix)_commit"
        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime (Format-ClusterTime $chain[-1]) -RenameDatabase "$db=$target" -Confirm:$false
        $result.Succeeded | Should -BeTrue
        Get-DocumentCount (Get-Collection $uri $target 'orders') | Should -Be 1201
    }

    It 'restores the two 9 MB documents and the view, under the new database name' {
        $target = "$($prefix)_end"
        $result = Get-MongoRestoreWindow -Repository $repository |
            Restore-MongoPointInTime -ConnectionString $uri -ClusterTime $secondSlice.OplogEnd -RenameDatabase "$db=$target" -Confirm:$false
        $result.Succeeded | Should -BeTrue
        Get-AllDocuments (Get-Collection $uri $target 'orders') | Should -Be (Get-AllDocuments $orders)
        $views = Read-Cursor ($client.GetDatabase($target).ListCollections($null, $none))
        $view = @($views | Where-Object { $_['name'].AsString -eq 'seeds' })
        $view.Count | Should -Be 1
        $view[0]['type'].AsString | Should -Be 'view'
        $view[0]['options']['viewOn'].AsString | Should -Be 'orders'
        Get-AllDocuments (Get-Collection $uri $target 'seeds') | Should -Be @('{ "_id" : "seed" }')
    }
}
