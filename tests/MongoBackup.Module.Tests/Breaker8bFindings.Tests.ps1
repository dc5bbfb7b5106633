# Breaker8b's findings, each a test that fails until it is fixed (see the breaker's report for the repro and cause).
# Nothing here is a fix: each It states what a DBA would expect.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:suffix = [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:none = [System.Threading.CancellationToken]::None

    function script:Get-Json8b([string] $Database, [string] $Collection) { Get-AllDocuments (Get-Collection $uri $Database $Collection) }
    function script:Add-Foreign8b([string] $Database, [string] $Collection) {
        # What the target holds of its own under a name the replayed oplog mentions.
        $foreign = Get-Collection $uri $Database $Collection
        $foreign.InsertOne((New-BsonDocument @{ _id = 1; foreign = $true }), $null, $none)
        $foreign.InsertOne((New-BsonDocument @{ _id = 99; foreign = $true }), $null, $none)
    }
    function script:Write-BsonFile8b([string] $Path, [string[]] $Json) {
        # Each JSON document written as BSON, one after the other, as mongodump writes a .bson file.
        $stream = [System.IO.File]::Create($Path)
        try {
            foreach ($text in $Json) {
                $writer = [MongoDB.Bson.IO.BsonBinaryWriter]::new($stream)
                [MongoDB.Bson.Serialization.BsonSerializer]::Serialize($writer, [MongoDB.Bson.BsonDocument], [MongoDB.Bson.BsonDocument]::Parse($text))
                $writer.Flush()
            }
        } finally { $stream.Dispose() }
    }
    function script:New-Dump8b([string] $Database, [string[]] $Oplog) {
        # A mongodump --oplog folder: $Database.a holding one document, and oplog.bson.
        $folder = New-TestFolder
        New-Item -ItemType Directory -Force (Join-Path $folder $Database) | Out-Null
        Write-BsonFile8b (Join-Path $folder "$Database/a.bson") @('{"_id": 1}')
        Set-Content (Join-Path $folder "$Database/a.metadata.json") '{"options":{},"indexes":[{"v":2,"key":{"_id":1},"name":"_id_"}],"collectionName":"a"}'
        Write-BsonFile8b (Join-Path $folder 'oplog.bson') $Oplog
        return $folder
    }
    $script:foreignJson8b = @('{ "_id" : 1, "foreign" : true }', '{ "_id" : 99, "foreign" : true }')
    $script:txn8b = '"lsid":{"id":{"$binary":{"base64":"AAAAAAAAAAAAAAAAAAAAAA==","subType":"04"}},"uid":{"$binary":{"base64":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=","subType":"00"}}},"txnNumber":{"$numberLong":"1"}'
}

AfterAll {
    Remove-TestRun -Uri $uri -Suffix $suffix -Server $server
}

Describe 'Finding 1: a collection created inside a transaction the replay never applies (aborted, or still open at the end)' {
    BeforeAll {
        $script:abortedOplog = {
            param([string] $Database, [bool] $Abort)
            # A large transaction (partialTxn) that creates newc and inserts into it, then is aborted: MongoDB applies none of it.
            '{"ts":{"$timestamp":{"t":1700000000,"i":1}},"t":1,"op":"c","ns":"admin.$cmd",' + $txn8b + ',"prevOpTime":{"ts":{"$timestamp":{"t":0,"i":0}},"t":-1},"o":{"applyOps":[{"op":"c","ns":"' + $Database + '.$cmd","o":{"create":"newc"}},{"op":"i","ns":"' + $Database + '.newc","o":{"_id":1,"from":"txn"}}],"partialTxn":true}}'
            if ($Abort) { '{"ts":{"$timestamp":{"t":1700000000,"i":2}},"t":1,"op":"c","ns":"admin.$cmd",' + $txn8b + ',"prevOpTime":{"ts":{"$timestamp":{"t":1700000000,"i":1}},"t":1},"o":{"abortTransaction":1}}' }
        }
    }

    It 'Restore-MongoDatabase is not refused with TargetNotEmpty for a collection the aborted transaction never creates' {
        $database = "b8b_aborted_$suffix"
        $dump = New-Dump8b $database (& $abortedOplog $database $true)
        Add-Foreign8b $database 'newc'

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $dump -ErrorVariable failures -ErrorAction SilentlyContinue

        @($failures | ForEach-Object FullyQualifiedErrorId) | Should -Not -BeLike 'MongoBackup.TargetNotEmpty,*'
        $result.Succeeded | Should -BeTrue
        Get-Json8b $database 'newc' | Should -Be $foreignJson8b
    }

    It 'Restore-MongoDatabase -Drop does not drop the target''s collection the aborted transaction never creates' {
        $database = "b8b_abortedd_$suffix"
        $dump = New-Dump8b $database (& $abortedOplog $database $true)
        Add-Foreign8b $database 'newc'

        Restore-MongoDatabase -ConnectionString $uri -Path $dump -Drop -Confirm:$false -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null

        Get-Json8b $database 'newc' | Should -Be $foreignJson8b -Because 'the restore neither restores nor creates newc: -Drop replaces only what it restores'
    }

    It 'Restore-MongoDatabase -Drop does not drop the target''s collection a transaction left open at the dump''s end creates' {
        $database = "b8b_opend_$suffix"
        $dump = New-Dump8b $database (& $abortedOplog $database $false)
        Add-Foreign8b $database 'newc'

        Restore-MongoDatabase -ConnectionString $uri -Path $dump -Drop -Confirm:$false -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null

        Get-Json8b $database 'newc' | Should -Be $foreignJson8b
    }
}

Describe 'Finding 2: a view created after the base snapshot, whose name the target holds as a collection with documents' {
    It 'Restore-MongoPointInTime refuses it with TargetNotEmpty naming it, and leaves the target''s collection as it was' {
        $source = "b8b_view_$suffix"
        $target = "b8b_viewt_$suffix"
        $repo = New-TestFolder
        (Get-Collection $uri $source 'a').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
        Backup-MongoDatabase -ConnectionString $uri -Repository $repo -Database $source -WarningAction SilentlyContinue | Out-Null
        [MongoDB.Driver.MongoClient]::new($uri).GetDatabase($source).RunCommand[MongoDB.Bson.BsonDocument](
            [MongoDB.Driver.Command[MongoDB.Bson.BsonDocument]] "{create: 'v', viewOn: 'a', pipeline: []}", $null, $none) | Out-Null
        $slice = Backup-MongoOplog -ConnectionString $uri -Repository $repo -WarningAction SilentlyContinue
        Add-Foreign8b $target 'v'

        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repo -ClusterTime $slice.OplogEnd -RenameDatabase @{ $source = $target } -ErrorVariable failures -ErrorAction SilentlyContinue -WarningAction SilentlyContinue

        Get-Json8b $target 'v' | Should -Be $foreignJson8b
        $result.Succeeded | Should -BeFalse
        @($failures | ForEach-Object FullyQualifiedErrorId) | Should -BeLike 'MongoBackup.TargetNotEmpty,*'
        $failures[0].TargetObject | Should -Be "$target.v"
    }
    It 'Restore-MongoPointInTime -Drop replaces the target''s collection with the view (the replay is not stopped at the view''s entry)' {
        $source = "b8b_viewd_$suffix"
        $target = "b8b_viewdt_$suffix"
        $repo = New-TestFolder
        (Get-Collection $uri $source 'a').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
        Backup-MongoDatabase -ConnectionString $uri -Repository $repo -Database $source -WarningAction SilentlyContinue | Out-Null
        [MongoDB.Driver.MongoClient]::new($uri).GetDatabase($source).RunCommand[MongoDB.Bson.BsonDocument](
            [MongoDB.Driver.Command[MongoDB.Bson.BsonDocument]] "{create: 'v', viewOn: 'a', pipeline: []}", $null, $none) | Out-Null
        (Get-Collection $uri $source 'a').InsertOne((New-BsonDocument @{ _id = 2 }), $null, $none)   # after the view, in the same slice
        $slice = Backup-MongoOplog -ConnectionString $uri -Repository $repo -WarningAction SilentlyContinue
        Add-Foreign8b $target 'v'

        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repo -ClusterTime $slice.OplogEnd -RenameDatabase @{ $source = $target } -Drop -Confirm:$false -ErrorAction SilentlyContinue -WarningAction SilentlyContinue

        $result.Succeeded | Should -BeTrue
        Get-Json8b $target 'a' | Should -Be @('{ "_id" : 1 }', '{ "_id" : 2 }')
        Get-Json8b $target 'v' | Should -Be @('{ "_id" : 1 }', '{ "_id" : 2 }') -Because 'v is a view on a as of the moment'
    }
}

Describe 'Finding 3: a collection the oplog creates, whose name the target holds as an empty collection, is restored without its options' {
    BeforeAll {
        function script:Get-Options8b([string] $Database, [string] $Collection) {
            $client = [MongoDB.Driver.MongoClient]::new($uri)
            $all = [MongoDB.Driver.IAsyncCursorExtensions]::ToList($client.GetDatabase($Database).ListCollections($null, $none), $none)
            Write-Output -NoEnumerate ($all | Where-Object { $_['name'].AsString -eq $Collection })
        }
    }

    It 'Restore-MongoDatabase: a capped collection the oplog creates is restored capped (not the target''s plain empty one, reported as a success)' {
        $database = "b8b_capped_$suffix"
        [MongoDB.Driver.MongoClient]::new($uri).GetDatabase($database).CreateCollection('newc', $null, $none)   # empty, plain
        $dump = New-Dump8b $database @(
            '{"ts":{"$timestamp":{"t":1700000000,"i":1}},"t":1,"op":"c","ns":"' + $database + '.$cmd","o":{"create":"newc","capped":true,"size":4096}}'
            '{"ts":{"$timestamp":{"t":1700000000,"i":2}},"t":1,"op":"i","ns":"' + $database + '.newc","o":{"_id":1}}'
        )

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $dump -ErrorAction SilentlyContinue -WarningAction SilentlyContinue

        $options = (Get-Options8b $database 'newc')['options'].AsBsonDocument
        if ($result.Succeeded) { $options.GetValue('capped', $false).ToBoolean() | Should -BeTrue -Because 'the source collection is capped, and the restore says it succeeded' }
        else { $result.Succeeded | Should -BeTrue -Because 'an empty target collection is no reason to refuse' }
    }

    It 'Restore-MongoDatabase: a time-series collection the oplog creates is restored as time-series' {
        $database = "b8b_tsempty_$suffix"
        [MongoDB.Driver.MongoClient]::new($uri).GetDatabase($database).CreateCollection('ts', $null, $none)   # empty, plain
        $dump = New-Dump8b $database @(
            '{"ts":{"$timestamp":{"t":1700000000,"i":1}},"t":1,"op":"c","ns":"' + $database + '.$cmd","o":{"create":"ts","timeseries":{"timeField":"t","granularity":"seconds","bucketMaxSpanSeconds":3600}}}'
        )

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $dump -ErrorAction SilentlyContinue -WarningAction SilentlyContinue

        $result.Succeeded | Should -BeTrue
        (Get-Options8b $database 'ts')['type'].AsString | Should -Be 'timeseries'
    }
}

Describe 'Finding 4: a collection created and dropped within the replayed window, whose name the target holds' {
    It 'Restore-MongoDatabase restores (the collection is not there at the end of the oplog) and leaves the target''s collection alone' {
        $database = "b8b_transient_$suffix"
        $dump = New-Dump8b $database @(
            '{"ts":{"$timestamp":{"t":1700000000,"i":1}},"t":1,"op":"c","ns":"' + $database + '.$cmd","o":{"create":"newc"}}'
            '{"ts":{"$timestamp":{"t":1700000000,"i":2}},"t":1,"op":"i","ns":"' + $database + '.newc","o":{"_id":1}}'
            '{"ts":{"$timestamp":{"t":1700000000,"i":3}},"t":1,"op":"c","ns":"' + $database + '.$cmd","o":{"drop":"newc"}}'
        )
        Add-Foreign8b $database 'newc'

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $dump -ErrorVariable failures -ErrorAction SilentlyContinue

        @($failures | ForEach-Object FullyQualifiedErrorId) | Should -Not -BeLike 'MongoBackup.TargetNotEmpty,*'
        $result.Succeeded | Should -BeTrue
        Get-Json8b $database 'newc' | Should -Be $foreignJson8b
    }
}

Describe 'Finding 5: -NamespaceMap sending a collection the oplog creates onto the target of a restored collection' {
    BeforeAll {
        $script:mapOplog = {
            param([string] $Database)
            '{"ts":{"$timestamp":{"t":1700000000,"i":1}},"t":1,"op":"c","ns":"' + $Database + '.$cmd","o":{"create":"n1"}}'
            '{"ts":{"$timestamp":{"t":1700000000,"i":2}},"t":1,"op":"i","ns":"' + $Database + '.n1","o":{"_id":1,"from":"n1"}}'
        }
    }

    It 'Restore-MongoDatabase -Drop refuses two sources onto one target (as for two restored collections), and never drops what it restored' {
        $database = "b8b_map_$suffix"
        $target = "b8b_mapt_$suffix"
        $dump = New-Dump8b $database (& $mapOplog $database)

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $dump -NamespaceMap @{ "$database.n1" = "$target.a"; "$database.a" = "$target.a" } -Drop -Confirm:$false -ErrorAction SilentlyContinue -WarningAction SilentlyContinue

        $result.Succeeded | Should -Not -BeTrue -Because "$database.a and $database.n1 cannot both be $target.a"
        Get-Json8b $target 'a' | Should -Not -Be @('{ "_id" : 1, "from" : "n1" }') -Because 'the restored a must not be dropped for the replay''s n1'
    }

    It 'Restore-MongoDatabase without -Drop does not call the restore''s own documents the target''s (TargetNotEmpty "already holds 1 document")' {
        $database = "b8b_mapn_$suffix"
        $target = "b8b_mapnt_$suffix"
        $dump = New-Dump8b $database (& $mapOplog $database)

        Restore-MongoDatabase -ConnectionString $uri -Path $dump -NamespaceMap @{ "$database.n1" = "$target.a"; "$database.a" = "$target.a" } -ErrorVariable failures -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null

        @($failures | ForEach-Object FullyQualifiedErrorId) | Should -Not -BeLike 'MongoBackup.TargetNotEmpty,*' -Because "$target.a was empty: what it holds is this restore's $database.a"
    }
    It 'Restore-MongoDatabase refuses two collections the oplog creates mapped onto one target (not merged into it as a success)' {
        $database = "b8b_map2_$suffix"
        $target = "b8b_map2t_$suffix"
        $dump = New-Dump8b $database @(
            (& $mapOplog $database)
            '{"ts":{"$timestamp":{"t":1700000000,"i":3}},"t":1,"op":"c","ns":"' + $database + '.$cmd","o":{"create":"n2"}}'
            '{"ts":{"$timestamp":{"t":1700000000,"i":4}},"t":1,"op":"i","ns":"' + $database + '.n2","o":{"_id":2,"from":"n2"}}'
        )

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $dump -NamespaceMap @{ "$database.n1" = "$target.m"; "$database.n2" = "$target.m"; "$database.a" = "$target.a" } -ErrorAction SilentlyContinue -WarningAction SilentlyContinue

        $result.Succeeded | Should -Not -BeTrue
        Get-Json8b $target 'm' | Should -Not -Be @('{ "_id" : 1, "from" : "n1" }', '{ "_id" : 2, "from" : "n2" }') -Because 'two source collections are not one'
    }
}
