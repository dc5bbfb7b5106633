# Breaker8's findings, each a test that fails until it is fixed (see the breaker's report for the repro and cause).
# Nothing here is a fix: each It states what a DBA would expect.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:suffix = [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:fixtures = Join-Path (Assert-MongoToolsFixtures) 'mongorestore/testdata'
    $script:none = [System.Threading.CancellationToken]::None

    function script:Invoke-Command8([string] $Database, [string] $Json) {
        Write-Output -NoEnumerate ([MongoDB.Driver.MongoClient]::new($uri).GetDatabase($Database).RunCommand[MongoDB.Bson.BsonDocument](
            [MongoDB.Driver.Command[MongoDB.Bson.BsonDocument]] $Json, $null, $none))
    }
    function script:Get-Json8([string] $Database, [string] $Collection) { Get-AllDocuments (Get-Collection $uri $Database $Collection) }
    function script:Get-IndexNames8([string] $Database, [string] $Collection) {
        $reply = Invoke-Command8 $Database "{listIndexes: '$Collection'}"
        @($reply['cursor'].AsBsonDocument['firstBatch'].AsBsonArray | ForEach-Object { $_['name'].AsString }) | Sort-Object
    }
    function script:Write-BsonFile8([string] $Path, [string[]] $Json) {
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
    function script:New-Dump8([hashtable] $Collections, [string[]] $Oplog) {
        # A mongodump folder: 'db.coll' = documents (JSON), each with plain metadata; oplog.bson when given.
        $folder = New-TestFolder
        foreach ($namespace in $Collections.Keys) {
            $database, $collection = $namespace -split '\.', 2
            New-Item -ItemType Directory -Force (Join-Path $folder $database) | Out-Null
            Write-BsonFile8 (Join-Path $folder "$database/$collection.bson") $Collections[$namespace]
            Set-Content (Join-Path $folder "$database/$collection.metadata.json") ('{"options":{},"indexes":[{"v":2,"key":{"_id":1},"name":"_id_"}],"collectionName":"' + $collection + '"}')
        }
        if ($Oplog) { Write-BsonFile8 (Join-Path $folder 'oplog.bson') $Oplog }
        return $folder
    }
    function script:Switch-Byte8([string] $Path) {
        # One bit flipped in the middle of a stored file (bit rot, a bad copy).
        $bytes = [System.IO.File]::ReadAllBytes($Path)
        $bytes[[int]($bytes.Length / 2)] = $bytes[[int]($bytes.Length / 2)] -bxor 0x40
        [System.IO.File]::WriteAllBytes($Path, $bytes)
    }
}

AfterAll {
    Remove-TestRun -Uri $uri -Suffix $suffix -Server $server
}

Describe 'Restore-MongoPointInTime with a damaged slice after the moment (breaker8 finding 1)' {
    BeforeAll {
        $script:db1 = "b8_slices_$suffix"
        $script:repo1 = New-TestFolder
        $items = Get-Collection $uri $db1 'items'
        $items.InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
        Backup-MongoDatabase -ConnectionString $uri -Repository $repo1 -Database $db1 -WarningAction SilentlyContinue | Out-Null
        $items.InsertOne((New-BsonDocument @{ _id = 2 }), $null, $none)
        $script:first = Backup-MongoOplog -ConnectionString $uri -Repository $repo1 -WarningAction SilentlyContinue
        $items.InsertOne((New-BsonDocument @{ _id = 3 }), $null, $none)
        $script:second = Backup-MongoOplog -ConnectionString $uri -Repository $repo1 -WarningAction SilentlyContinue
        $items.InsertOne((New-BsonDocument @{ _id = 4 }), $null, $none)
        $script:third = Backup-MongoOplog -ConnectionString $uri -Repository $repo1 -WarningAction SilentlyContinue
    }

    It 'lists as replayed only the slices up to the moment (the intact repository)' {
        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repo1 -ClusterTime $second.OplogEnd -RenameDatabase @{ $db1 = "$($db1)_a" }
        $result.Succeeded | Should -BeTrue
        @($result.SliceIds) | Should -Be @($first.Id, $second.Id) -Because "slice $($third.Id) starts after the moment and is not replayed"
    }

    It 'restores a moment before the damaged newest slice, which it does not need' {
        Switch-Byte8 (Get-ChildItem (Join-Path $repo1 $third.Id) -Filter 'oplog.bson*').FullName
        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repo1 -ClusterTime $second.OplogEnd -RenameDatabase @{ $db1 = "$($db1)_b" }
        $result.Succeeded | Should -BeTrue
        Get-Json8 "$($db1)_b" 'items' | Should -Be @('{ "_id" : 1 }', '{ "_id" : 2 }', '{ "_id" : 3 }')
    }
}

Describe 'Restore-MongoDatabase of a mongodump folder holding only oplog.bson (breaker8 finding 2)' {
    It 'replays it as mongorestore --oplogReplay does: create_indexes.test with its three indexes' {
        # mongo-tools' mongorestore_test.go restores testdata/create_indexes with --oplogReplay --drop and expects 3 indexes.
        $folder = New-TestFolder
        Copy-Item (Join-Path $fixtures 'create_indexes/oplog.bson') (Join-Path $folder 'oplog.bson')
        # The oplog names its database: restored as it is, as mongorestore does (no rename applies to an oplog there).
        [MongoDB.Driver.MongoClient]::new($uri).DropDatabase('create_indexes', $none)
        try {
            $result = Restore-MongoDatabase -ConnectionString $uri -Path $folder
            $result.Succeeded | Should -BeTrue
            Get-IndexNames8 'create_indexes' 'test' | Should -Be @('_id_', 'a_1', 'b_1')
        } finally { [MongoDB.Driver.MongoClient]::new($uri).DropDatabase('create_indexes', $none) }
    }
}

Describe 'The replay into a collection the oplog creates that already holds documents on the target (breaker8 finding 3)' {
    It 'Restore-MongoPointInTime does not overwrite a foreign document in a target collection the restore did not create' {
        $source = "b8_created_$suffix"
        $target = "b8_createdt_$suffix"
        $repo = New-TestFolder
        (Get-Collection $uri $source 'a').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
        Backup-MongoDatabase -ConnectionString $uri -Repository $repo -Database $source -WarningAction SilentlyContinue | Out-Null
        (Get-Collection $uri $source 'newc').InsertOne((New-BsonDocument @{ _id = 1; v = 'src' }), $null, $none)   # created after the full
        $slice = Backup-MongoOplog -ConnectionString $uri -Repository $repo -WarningAction SilentlyContinue
        $foreign = Get-Collection $uri $target 'newc'
        $foreign.InsertOne((New-BsonDocument @{ _id = 1; foreign = $true }), $null, $none)
        $foreign.InsertOne((New-BsonDocument @{ _id = 99; foreign = $true }), $null, $none)

        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repo -ClusterTime $slice.OplogEnd -RenameDatabase @{ $source = $target } -ErrorAction SilentlyContinue

        Get-Json8 $target 'newc' | Should -Be @('{ "_id" : 1, "foreign" : true }', '{ "_id" : 99, "foreign" : true }') -Because 'a target that holds documents is not touched (TargetNotEmpty)'
        $result.Succeeded | Should -BeFalse -Because "$target.newc was not restored"
    }

    It 'Restore-MongoPointInTime does not drop a foreign target collection that a replayed rename (dropTarget) replaces' {
        $source = "b8_renamed_$suffix"
        $target = "b8_renamedt_$suffix"
        $repo = New-TestFolder
        (Get-Collection $uri $source 'a').InsertOne((New-BsonDocument @{ _id = 1; v = 'src' }), $null, $none)
        Backup-MongoDatabase -ConnectionString $uri -Repository $repo -Database $source -WarningAction SilentlyContinue | Out-Null
        (Get-Collection $uri $source 'b').InsertOne((New-BsonDocument @{ _id = 5 }), $null, $none)   # b created after the full
        Invoke-Command8 'admin' "{renameCollection: '$source.a', to: '$source.b', dropTarget: true}" | Out-Null
        $slice = Backup-MongoOplog -ConnectionString $uri -Repository $repo -WarningAction SilentlyContinue
        $foreign = Get-Collection $uri $target 'b'
        $foreign.InsertOne((New-BsonDocument @{ _id = 1; foreign = $true }), $null, $none)
        $foreign.InsertOne((New-BsonDocument @{ _id = 99; foreign = $true }), $null, $none)

        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repo -ClusterTime $slice.OplogEnd -RenameDatabase @{ $source = $target } -ErrorAction SilentlyContinue

        Get-Json8 $target 'b' | Should -Be @('{ "_id" : 1, "foreign" : true }', '{ "_id" : 99, "foreign" : true }') -Because 'the restore never held that collection'
        $result.Succeeded | Should -BeFalse
    }

    It 'Restore-MongoDatabase leaves alone a target it refused with TargetNotEmpty, also when the dump''s oplog created that collection' {
        # mongodump (and Backup-MongoDatabase) holds such a collection both as a file and as a create in its oplog when it
        # was created while the dump ran.
        $database = "b8_refusedtarget_$suffix"
        $oplog = @(
            '{"ts":{"$timestamp":{"t":1700000000,"i":1}},"t":1,"op":"c","ns":"' + $database + '.$cmd","o":{"create":"a"}}'
            '{"ts":{"$timestamp":{"t":1700000000,"i":2}},"t":1,"op":"i","ns":"' + $database + '.a","o":{"_id":1,"v":"src"}}'
        )
        $dump = New-Dump8 @{ "$database.a" = @('{"_id": 1, "v": "src"}') } $oplog
        $foreign = Get-Collection $uri $database 'a'
        $foreign.InsertOne((New-BsonDocument @{ _id = 1; foreign = $true }), $null, $none)
        $foreign.InsertOne((New-BsonDocument @{ _id = 2; foreign = $true }), $null, $none)

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $dump -ErrorAction SilentlyContinue -ErrorVariable problems

        @($problems | Where-Object FullyQualifiedErrorId -like 'MongoBackup.TargetNotEmpty*').Count | Should -Be 1
        Get-Json8 $database 'a' | Should -Be @('{ "_id" : 1, "foreign" : true }', '{ "_id" : 2, "foreign" : true }') -Because 'the error says the target was not touched'
    }

    It 'Restore-MongoDatabase leaves no half-restored collection behind when a damaged namespace''s create is in the oplog' {
        $database = "b8_damagedcreated_$suffix"
        $oplog = @(
            '{"ts":{"$timestamp":{"t":1700000000,"i":1}},"t":1,"op":"c","ns":"' + $database + '.$cmd","o":{"create":"a"}}'
            '{"ts":{"$timestamp":{"t":1700000000,"i":2}},"t":1,"op":"i","ns":"' + $database + '.a","o":{"_id":5,"v":"late"}}'
        )
        $dump = New-Dump8 @{ "$database.a" = @('{"_id": 1, "v": "src"}', '{"_id": 2, "v": "src"}'); "$database.b" = @('{"_id": 1}') } $oplog
        $file = Join-Path $dump "$database/a.bson"
        $bytes = [System.IO.File]::ReadAllBytes($file)
        [System.IO.File]::WriteAllBytes($file, $bytes[0..($bytes.Length - 6)])   # the last document cut short

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $dump -ErrorAction SilentlyContinue -ErrorVariable problems

        @($problems | Where-Object FullyQualifiedErrorId -like 'MongoBackup.CorruptFile*').Count | Should -Be 1
        $names = @((Invoke-Command8 $database '{listCollections: 1, nameOnly: true}')['cursor'].AsBsonDocument['firstBatch'].AsBsonArray | ForEach-Object { $_['name'].AsString })
        $names | Should -Not -Contain 'a' -Because 'a damaged namespace the restore created is taken back, and the replay leaves failed namespaces alone'
    }

    It 'Restore-MongoDatabase of a dump whose oplog creates a collection the target holds does not write into it' {
        $database = "b8_dumpcreated_$suffix"
        $oplog = @(
            '{"ts":{"$timestamp":{"t":1700000000,"i":1}},"t":1,"op":"c","ns":"' + $database + '.$cmd","o":{"create":"newc"}}'
            '{"ts":{"$timestamp":{"t":1700000000,"i":2}},"t":1,"op":"i","ns":"' + $database + '.newc","o":{"_id":1,"from":"oplog"}}'
        )
        $dump = New-Dump8 @{ "$database.a" = @('{"_id": 1}') } $oplog
        $foreign = Get-Collection $uri $database 'newc'
        $foreign.InsertOne((New-BsonDocument @{ _id = 1; foreign = $true }), $null, $none)

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $dump -ErrorAction SilentlyContinue

        Get-Json8 $database 'newc' | Should -Be @('{ "_id" : 1, "foreign" : true }')
        $result.Succeeded | Should -BeFalse
    }
}

Describe 'A snapshot folder copied by hand inside the repository under another snapshot name (breaker8 finding 4)' {
    BeforeAll {
        $script:db4 = "b8_copied_$suffix"
        $script:repo4 = New-TestFolder
        (Get-Collection $uri $db4 'a').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
        $script:original = Backup-MongoDatabase -ConnectionString $uri -Repository $repo4 -Database $db4 -WarningAction SilentlyContinue
        $script:copyName = '20300101T000000Z-full-beef'
        Copy-Item -Recurse (Join-Path $repo4 $original.Id) (Join-Path $repo4 $copyName)
    }

    It 'is not listed as a second Complete snapshot of the original''s id and path (restore refuses it as changed or damaged)' {
        $listed = @(Get-MongoSnapshot -Repository $repo4 -IncludeIncomplete -WarningAction SilentlyContinue)
        @($listed | Where-Object Id -eq $original.Id).Count | Should -Be 1
        ($listed | Where-Object { $_.Path -like "*$copyName" }).Status | Should -Be 'Damaged'
    }

    It 'Remove-MongoSnapshot of the second listed entry of that id (the copy, as a DBA reads the list) never deletes the original folder' {
        $duplicate = @(Get-MongoSnapshot -Repository $repo4 -WarningAction SilentlyContinue | Where-Object Id -eq $original.Id) | Select-Object -Skip 1
        $duplicate | Remove-MongoSnapshot -Force -Confirm:$false -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
        Join-Path $repo4 $original.Id | Should -Exist
    }
}

Describe 'Restore-MongoPointInTime of a time-series collection created after the base snapshot (breaker8 finding 5)' {
    It 'restores it with its indexes, as the source has them' {
        $source = "b8_tsnew_$suffix"
        $target = "b8_tsnewt_$suffix"
        $repo = New-TestFolder
        (Get-Collection $uri $source 'a').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
        Backup-MongoDatabase -ConnectionString $uri -Repository $repo -Database $source -WarningAction SilentlyContinue | Out-Null
        Invoke-Command8 $source "{create: 'm', timeseries: {timeField: 't', metaField: 'k'}}" | Out-Null
        $now = [datetime]::UtcNow
        foreach ($i in 1..5) {
            Invoke-Command8 $source ("{insert: 'm', documents: [{t: {`$date: '" + $now.AddSeconds($i).ToString('o') + "'}, k: $($i % 2), v: $i}]}") | Out-Null
        }
        Invoke-Command8 $source "{createIndexes: 'm', indexes: [{key: {k: 1, v: 1}, name: 'kv'}]}" | Out-Null
        $slice = Backup-MongoOplog -ConnectionString $uri -Repository $repo -WarningAction SilentlyContinue

        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repo -ClusterTime $slice.OplogEnd -RenameDatabase @{ $source = $target } -ErrorAction SilentlyContinue -ErrorVariable problems

        @($problems | ForEach-Object { $_.Exception.Message }) | Should -BeNullOrEmpty
        $result.Succeeded | Should -BeTrue
        Get-DocumentCount (Get-Collection $uri $target 'm') | Should -Be 5
        Get-IndexNames8 $target 'm' | Should -Be (Get-IndexNames8 $source 'm')
    }
}

Describe 'Restore-MongoDatabase -Path given a sound file or folder it does not take (breaker8 finding 6)' {
    # mongorestore restores a single collection's .bson file (the database from its folder, the collection from its name);
    # this module takes a dump folder instead. Either way a sound file is not damage: the error must not be CorruptFile.
    It 'does not call sound input corrupt (<Name>)' -ForEach @(
        @{ Name = 'foodump/test/foo.bson'; Path = 'foodump/test/foo.bson' }
        @{ Name = 'a database folder of a dump'; Path = 'foodump/test' }
    ) {
        $target = "b8_single_$suffix"
        $thrown = $null
        try { Restore-MongoDatabase -ConnectionString $uri -Path (Join-Path $fixtures $Path) -RenameDatabase @{ test = $target } | Out-Null } catch { $thrown = $_ }
        if ($thrown) { $thrown.FullyQualifiedErrorId | Should -Not -BeLike 'MongoBackup.CorruptFile*' -Because $thrown.Exception.Message }
    }
}

Describe 'The result of a point-in-time restore of a collection created after the base snapshot (breaker8 finding 8)' {
    It 'lists the collection and counts its documents in FinalDocuments' {
        $source = "b8_result_$suffix"
        $target = "b8_resultt_$suffix"
        $repo = New-TestFolder
        (Get-Collection $uri $source 'a').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
        Backup-MongoDatabase -ConnectionString $uri -Repository $repo -Database $source -WarningAction SilentlyContinue | Out-Null
        foreach ($i in 1..3) { (Get-Collection $uri $source 'c').InsertOne((New-BsonDocument @{ _id = $i }), $null, $none) }
        $slice = Backup-MongoOplog -ConnectionString $uri -Repository $repo -WarningAction SilentlyContinue

        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repo -ClusterTime $slice.OplogEnd -RenameDatabase @{ $source = $target } -Collection c

        Get-DocumentCount (Get-Collection $uri $target 'c') | Should -Be 3
        @($result.Namespaces.TargetNamespace) | Should -Be @("$target.c")
        $result.FinalDocuments | Should -Be 3
    }
}

Describe 'An archive whose one namespace''s documents fail their CRC-64, framing intact (breaker8 finding 11)' {
    It 'fails that namespace alone: the others restore' {
        $database = "b8_crc_$suffix"
        $target = "b8_crct_$suffix"
        foreach ($name in 'a', 'b', 'c') {
            (Get-Collection $uri $database $name).InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..50) {
                New-BsonDocument @{ _id = $i; s = "$name-payload-marker-$i" }
            }))
        }
        $repo = New-TestFolder
        $archive = Join-Path (New-TestFolder) 'dump.archive'
        Backup-MongoDatabase -ConnectionString $uri -Repository $repo -Database $database -WarningAction SilentlyContinue |
            Export-MongoSnapshot -Path $archive -Archive -Confirm:$false | Out-Null
        # One letter of one document of a changed: every length stays, so only a's CRC-64 (at its end) can see it.
        $bytes = [System.IO.File]::ReadAllBytes($archive)
        $at = [System.Text.Encoding]::Latin1.GetString($bytes).IndexOf('a-payload-marker-3' + [char]0)
        $at | Should -BeGreaterThan 0
        $bytes[$at + 2] = [byte][char]'P'
        [System.IO.File]::WriteAllBytes($archive, $bytes)

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $archive -RenameDatabase @{ $database = $target } -ErrorAction SilentlyContinue -ErrorVariable problems

        @($problems).Count | Should -Be 1 -Because ($problems | ForEach-Object { $_.Exception.Message } | Out-String)
        ($result.Namespaces | Where-Object TargetNamespace -eq "$target.b").Succeeded | Should -BeTrue
        Get-DocumentCount (Get-Collection $uri $target 'c') | Should -Be 50
    }
}

Describe 'An archive whose oplog fails its CRC-64, framing intact (breaker8 finding 12)' {
    It 'does not apply the damaged entry (the error says only the entries before the damage were applied)' {
        $database = "b8_oplogcrc_$suffix"
        $target = "b8_oplogcrct_$suffix"
        $padding = 'x' * 60
        (Get-Collection $uri $database 'big').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..30000) { [MongoDB.Bson.BsonDocument]::new('_id', $i).Add('s', $padding) }))
        $repo = New-TestFolder
        # Writes while the backup runs, so its oplog holds entries ('during' documents into w); it stops when told (a file).
        $stop = Join-Path (New-TestFolder) 'stop'
        $writer = Start-ThreadJob -ArgumentList $uri, $database, $stop -ScriptBlock {
            param($uri, $database, $stop)
            $w = [MongoDB.Driver.MongoClient]::new($uri).GetDatabase($database).GetCollection[MongoDB.Bson.BsonDocument]('w', $null)
            $i = 0
            while (-not (Test-Path $stop)) { $i++; $w.InsertOne([MongoDB.Bson.BsonDocument]::Parse("{_id: $i, t: 'during'}"), $null, [System.Threading.CancellationToken]::None) }
        }
        try {
            do { Start-Sleep -Milliseconds 20 } until ((Get-DocumentCount (Get-Collection $uri $database 'w')) -gt 0)
            $snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $repo -Database $database -WarningAction SilentlyContinue
        } finally { New-Item -ItemType File $stop | Out-Null; $writer | Wait-Job -Timeout 30 | Out-Null; $writer | Remove-Job -Force }
        $archive = Join-Path (New-TestFolder) 'dump.archive'
        $export = $snapshot | Export-MongoSnapshot -Path $archive -Archive -Confirm:$false
        if ($export.OplogEntries -lt 1) { Set-ItResult -Inconclusive -Because 'no write landed in the backup''s oplog'; return }
        $bytes = [System.IO.File]::ReadAllBytes($archive)
        $at = [System.Text.Encoding]::Latin1.GetString($bytes).LastIndexOf('during' + [char]0)   # in the oplog, the archive's last namespace
        $bytes[$at] = [byte][char]'D'
        [System.IO.File]::WriteAllBytes($archive, $bytes)

        Restore-MongoDatabase -ConnectionString $uri -Path $archive -RenameDatabase @{ $database = $target } -ErrorAction SilentlyContinue | Out-Null

        $damaged = (Get-Collection $uri $target 'w').CountDocuments([MongoDB.Driver.FilterDefinition[MongoDB.Bson.BsonDocument]] [MongoDB.Bson.BsonDocument]::Parse('{t: "During"}'), $null, $none)
        $damaged | Should -Be 0 -Because 'the damaged oplog entry is not restored'
    }
}
