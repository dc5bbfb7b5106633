# The collections a restore's oplog replay creates (created after the full snapshot, or while a dump was taken) are
# held to the rule of every restored target: one that already holds documents on the target is not touched
# (TargetNotEmpty, named in the result) unless -Drop replaces it; a replayed rename with dropTarget never drops it.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:suffix = [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:none = [System.Threading.CancellationToken]::None

    function script:Invoke-DatabaseCommand([string] $Database, [string] $Json) {
        Write-Output -NoEnumerate ([MongoDB.Driver.MongoClient]::new($uri).GetDatabase($Database).RunCommand[MongoDB.Bson.BsonDocument](
            [MongoDB.Driver.Command[MongoDB.Bson.BsonDocument]] $Json, $null, $none))
    }
    function script:Get-Json([string] $Database, [string] $Collection) { Get-AllDocuments (Get-Collection $uri $Database $Collection) }
    function script:Add-ForeignDocuments([string] $Database, [string] $Collection) {
        # What the target holds of its own under the name the replay creates.
        $foreign = Get-Collection $uri $Database $Collection
        $foreign.InsertOne((New-BsonDocument @{ _id = 1; foreign = $true }), $null, $none)
        $foreign.InsertOne((New-BsonDocument @{ _id = 99; foreign = $true }), $null, $none)
    }
    function script:New-Dump([string] $Database, [string[]] $Documents, [string[]] $Oplog) {
        # A mongodump --oplog folder: $Database.a holding $Documents, and oplog.bson.
        $folder = New-TestFolder
        New-Item -ItemType Directory -Force (Join-Path $folder $Database) | Out-Null
        Write-BsonFile (Join-Path $folder "$Database/a.bson") $Documents
        Set-Content (Join-Path $folder "$Database/a.metadata.json") '{"options":{},"indexes":[{"v":2,"key":{"_id":1},"name":"_id_"}],"collectionName":"a"}'
        Write-BsonFile (Join-Path $folder 'oplog.bson') $Oplog
        return $folder
    }
    $script:foreignJson = @('{ "_id" : 1, "foreign" : true }', '{ "_id" : 99, "foreign" : true }')
    # A transaction's session and number, as a replica set member logs them on each of its applyOps entries.
    $script:txn = '"lsid":{"id":{"$binary":{"base64":"AAAAAAAAAAAAAAAAAAAAAA==","subType":"04"}},"uid":{"$binary":{"base64":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=","subType":"00"}}},"txnNumber":{"$numberLong":"1"}'
}

AfterAll {
    Remove-TestRun -Uri $uri -Suffix $suffix -Server $server
}

Describe 'Restore-MongoPointInTime of a collection created after the base snapshot, whose target holds documents' {
    BeforeAll {
        $script:source = "rt_created_$suffix"
        $script:repo = New-TestFolder
        (Get-Collection $uri $source 'a').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
        Backup-MongoDatabase -ConnectionString $uri -Repository $repo -Database $source -WarningAction SilentlyContinue | Out-Null
        (Get-Collection $uri $source 'newc').InsertOne((New-BsonDocument @{ _id = 1; v = 'src' }), $null, $none)   # created after the full
        $script:slice = Backup-MongoOplog -ConnectionString $uri -Repository $repo -WarningAction SilentlyContinue
    }

    It 'leaves it as it was and fails it with TargetNotEmpty, naming it; the other collections restore' {
        $target = "rt_createdt_$suffix"
        Add-ForeignDocuments $target 'newc'

        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repo -ClusterTime $slice.OplogEnd -RenameDatabase @{ $source = $target } -ErrorVariable failures -ErrorAction SilentlyContinue

        Get-Json $target 'newc' | Should -Be $foreignJson
        $result.Succeeded | Should -BeFalse
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.TargetNotEmpty,*'
        $failures[0].TargetObject | Should -Be "$target.newc"
        $failures[0].Exception.Message | Should -BeLike "The target $target.newc already holds 2 documents, and the replayed oplog creates $source.newc there*Use -Drop to replace it*"
        ($result.Namespaces | Where-Object TargetNamespace -eq "$target.newc").Error | Should -Not -BeNullOrEmpty
        Get-Json $target 'a' | Should -Be @('{ "_id" : 1 }')
    }

    It '-Drop replaces it with the collection as of the moment, listed in the result' {
        $target = "rt_createdd_$suffix"
        Add-ForeignDocuments $target 'newc'

        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repo -ClusterTime $slice.OplogEnd -RenameDatabase @{ $source = $target } -Drop -Confirm:$false

        $result.Succeeded | Should -BeTrue
        Get-Json $target 'newc' | Should -Be @('{ "_id" : 1, "v" : "src" }')
        ($result.Namespaces | Where-Object TargetNamespace -eq "$target.newc").FinalDocuments | Should -Be 1
    }
}

Describe 'A replayed renameCollection with dropTarget onto a name whose target holds documents' {
    It 'Restore-MongoPointInTime does not drop the target''s collection, and fails it with TargetNotEmpty' {
        $source = "rt_renamed_$suffix"
        $target = "rt_renamedt_$suffix"
        $repo = New-TestFolder
        (Get-Collection $uri $source 'a').InsertOne((New-BsonDocument @{ _id = 1; v = 'src' }), $null, $none)
        Backup-MongoDatabase -ConnectionString $uri -Repository $repo -Database $source -WarningAction SilentlyContinue | Out-Null
        (Get-Collection $uri $source 'b').InsertOne((New-BsonDocument @{ _id = 5 }), $null, $none)   # b created after the full
        Invoke-DatabaseCommand 'admin' "{renameCollection: '$source.a', to: '$source.b', dropTarget: true}" | Out-Null
        $slice = Backup-MongoOplog -ConnectionString $uri -Repository $repo -WarningAction SilentlyContinue
        Add-ForeignDocuments $target 'b'

        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repo -ClusterTime $slice.OplogEnd -RenameDatabase @{ $source = $target } -ErrorVariable failures -ErrorAction SilentlyContinue

        Get-Json $target 'b' | Should -Be $foreignJson -Because 'the restore never held that collection'
        $result.Succeeded | Should -BeFalse
        @($failures | ForEach-Object FullyQualifiedErrorId) | Should -BeLike 'MongoBackup.TargetNotEmpty,*'
        $failures[0].TargetObject | Should -Be "$target.b"
    }

    It 'Restore-MongoDatabase of a dump whose oplog renames a onto b (dropTarget) leaves the target''s b alone' {
        $database = "rt_dumprenamed_$suffix"
        $dump = New-Dump $database @('{"_id": 1, "v": "src"}') @(
            '{"ts":{"$timestamp":{"t":1700000000,"i":1}},"t":1,"op":"c","ns":"' + $database + '.$cmd","o":{"renameCollection":"' + $database + '.a","to":"' + $database + '.b","dropTarget":true}}'
        )
        Add-ForeignDocuments $database 'b'

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $dump -ErrorVariable failures -ErrorAction SilentlyContinue

        Get-Json $database 'b' | Should -Be $foreignJson
        $result.Succeeded | Should -BeFalse
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.TargetNotEmpty,*'
        $failures[0].TargetObject | Should -Be "$database.b"
    }
}

Describe 'Restore-MongoDatabase of a dump whose oplog creates a collection the target holds' {
    BeforeAll {
        $script:oplogFor = {
            param([string] $Database)
            @(
                '{"ts":{"$timestamp":{"t":1700000000,"i":1}},"t":1,"op":"c","ns":"' + $Database + '.$cmd","o":{"create":"newc"}}'
                '{"ts":{"$timestamp":{"t":1700000000,"i":2}},"t":1,"op":"i","ns":"' + $Database + '.newc","o":{"_id":1,"from":"oplog"}}'
            )
        }
    }

    It 'does not write into it: TargetNotEmpty names it' {
        $database = "rt_dumpcreated_$suffix"
        $dump = New-Dump $database @('{"_id": 1}') (& $oplogFor $database)
        Add-ForeignDocuments $database 'newc'

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $dump -ErrorVariable failures -ErrorAction SilentlyContinue

        Get-Json $database 'newc' | Should -Be $foreignJson
        $result.Succeeded | Should -BeFalse
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.TargetNotEmpty,*'
        $failures[0].TargetObject | Should -Be "$database.newc"
        Get-Json $database 'a' | Should -Be @('{ "_id" : 1 }')
    }

    It '-Drop replaces it with what the oplog creates (not a mix with the target''s documents)' {
        $database = "rt_dumpcreatedd_$suffix"
        $dump = New-Dump $database @('{"_id": 1}') (& $oplogFor $database)
        Add-ForeignDocuments $database 'newc'

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $dump -Drop -Confirm:$false

        $result.Succeeded | Should -BeTrue
        Get-Json $database 'newc' | Should -Be @('{ "_id" : 1, "from" : "oplog" }')
        @($result.Namespaces.TargetNamespace) | Should -Contain "$database.newc"
    }
}

Describe 'A collection created inside a transaction the replay never applies (aborted, or still open at the end), whose target holds documents' {
    BeforeAll {
        $script:abortedOplog = {
            param([string] $Database, [bool] $Abort)
            # A large transaction (partialTxn) that creates newc and inserts into it, then is aborted: MongoDB applies none of it.
            '{"ts":{"$timestamp":{"t":1700000000,"i":1}},"t":1,"op":"c","ns":"admin.$cmd",' + $txn + ',"prevOpTime":{"ts":{"$timestamp":{"t":0,"i":0}},"t":-1},"o":{"applyOps":[{"op":"c","ns":"' + $Database + '.$cmd","o":{"create":"newc"}},{"op":"i","ns":"' + $Database + '.newc","o":{"_id":1,"from":"txn"}}],"partialTxn":true}}'
            if ($Abort) { '{"ts":{"$timestamp":{"t":1700000000,"i":2}},"t":1,"op":"c","ns":"admin.$cmd",' + $txn + ',"prevOpTime":{"ts":{"$timestamp":{"t":1700000000,"i":1}},"t":1},"o":{"abortTransaction":1}}' }
        }
    }

    It 'Restore-MongoDatabase is not refused with TargetNotEmpty for a collection the aborted transaction never creates' {
        $database = "rt_aborted_$suffix"
        $dump = New-Dump $database @('{"_id": 1}') (& $abortedOplog $database $true)
        Add-ForeignDocuments $database 'newc'

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $dump -ErrorVariable failures -ErrorAction SilentlyContinue

        @($failures | ForEach-Object FullyQualifiedErrorId) | Should -Not -BeLike 'MongoBackup.TargetNotEmpty,*'
        $result.Succeeded | Should -BeTrue
        Get-Json $database 'newc' | Should -Be $foreignJson
    }

    It 'Restore-MongoDatabase -Drop does not drop the target''s collection the aborted transaction never creates' {
        $database = "rt_abortedd_$suffix"
        $dump = New-Dump $database @('{"_id": 1}') (& $abortedOplog $database $true)
        Add-ForeignDocuments $database 'newc'

        Restore-MongoDatabase -ConnectionString $uri -Path $dump -Drop -Confirm:$false -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null

        Get-Json $database 'newc' | Should -Be $foreignJson -Because 'the restore neither restores nor creates newc: -Drop replaces only what it restores'
    }

    It 'Restore-MongoDatabase -Drop does not drop the target''s collection a transaction left open at the dump''s end creates' {
        $database = "rt_opend_$suffix"
        $dump = New-Dump $database @('{"_id": 1}') (& $abortedOplog $database $false)
        Add-ForeignDocuments $database 'newc'

        Restore-MongoDatabase -ConnectionString $uri -Path $dump -Drop -Confirm:$false -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null

        Get-Json $database 'newc' | Should -Be $foreignJson
    }
}

Describe 'A view created after the base snapshot (an insert into system.views), whose name the target holds as a collection with documents' {
    It 'Restore-MongoPointInTime refuses it with TargetNotEmpty naming it, and leaves the target''s collection as it was' {
        $source = "rt_view_$suffix"
        $target = "rt_viewt_$suffix"
        $repo = New-TestFolder
        (Get-Collection $uri $source 'a').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
        Backup-MongoDatabase -ConnectionString $uri -Repository $repo -Database $source -WarningAction SilentlyContinue | Out-Null
        [MongoDB.Driver.MongoClient]::new($uri).GetDatabase($source).RunCommand[MongoDB.Bson.BsonDocument](
            [MongoDB.Driver.Command[MongoDB.Bson.BsonDocument]] "{create: 'v', viewOn: 'a', pipeline: []}", $null, $none) | Out-Null
        $slice = Backup-MongoOplog -ConnectionString $uri -Repository $repo -WarningAction SilentlyContinue
        Add-ForeignDocuments $target 'v'

        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repo -ClusterTime $slice.OplogEnd -RenameDatabase @{ $source = $target } -ErrorVariable failures -ErrorAction SilentlyContinue -WarningAction SilentlyContinue

        Get-Json $target 'v' | Should -Be $foreignJson
        $result.Succeeded | Should -BeFalse
        @($failures | ForEach-Object FullyQualifiedErrorId) | Should -BeLike 'MongoBackup.TargetNotEmpty,*'
        $failures[0].TargetObject | Should -Be "$target.v"
    }
    It 'Restore-MongoPointInTime -Drop replaces the target''s collection with the view (the replay is not stopped at the view''s entry)' {
        $source = "rt_viewd_$suffix"
        $target = "rt_viewdt_$suffix"
        $repo = New-TestFolder
        (Get-Collection $uri $source 'a').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
        Backup-MongoDatabase -ConnectionString $uri -Repository $repo -Database $source -WarningAction SilentlyContinue | Out-Null
        [MongoDB.Driver.MongoClient]::new($uri).GetDatabase($source).RunCommand[MongoDB.Bson.BsonDocument](
            [MongoDB.Driver.Command[MongoDB.Bson.BsonDocument]] "{create: 'v', viewOn: 'a', pipeline: []}", $null, $none) | Out-Null
        (Get-Collection $uri $source 'a').InsertOne((New-BsonDocument @{ _id = 2 }), $null, $none)   # after the view, in the same slice
        $slice = Backup-MongoOplog -ConnectionString $uri -Repository $repo -WarningAction SilentlyContinue
        Add-ForeignDocuments $target 'v'

        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repo -ClusterTime $slice.OplogEnd -RenameDatabase @{ $source = $target } -Drop -Confirm:$false -ErrorAction SilentlyContinue -WarningAction SilentlyContinue

        $result.Succeeded | Should -BeTrue
        Get-Json $target 'a' | Should -Be @('{ "_id" : 1 }', '{ "_id" : 2 }')
        Get-Json $target 'v' | Should -Be @('{ "_id" : 1 }', '{ "_id" : 2 }') -Because 'v is a view on a as of the moment'
    }
}

Describe '-NamespaceMap sending a collection the oplog creates onto the target of a restored (or another created) collection' {
    BeforeAll {
        $script:mapOplog = {
            param([string] $Database)
            '{"ts":{"$timestamp":{"t":1700000000,"i":1}},"t":1,"op":"c","ns":"' + $Database + '.$cmd","o":{"create":"n1"}}'
            '{"ts":{"$timestamp":{"t":1700000000,"i":2}},"t":1,"op":"i","ns":"' + $Database + '.n1","o":{"_id":1,"from":"n1"}}'
        }
    }

    # Two sources onto one target are refused before anything is written, as for two restored collections (and as
    # mongorestore refuses conflicting namespace destinations): the oplog is read for what it creates before the first write.
    It 'Restore-MongoDatabase -Drop refuses two sources onto one target before anything is written (InvalidArgument naming both)' {
        $database = "rt_map_$suffix"
        $target = "rt_mapt_$suffix"
        $dump = New-Dump $database @('{"_id": 1}') (& $mapOplog $database)

        { Restore-MongoDatabase -ConnectionString $uri -Path $dump -NamespaceMap @{ "$database.n1" = "$target.a"; "$database.a" = "$target.a" } -Drop -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.InvalidArgument*' -ExpectedMessage "*both $database.a and $database.n1 into $target.a*Nothing was written*"
        Get-DatabaseName $uri | Should -Not -Contain $target
    }

    It 'Restore-MongoDatabase without -Drop refuses it the same way, not as TargetNotEmpty' {
        $database = "rt_mapn_$suffix"
        $target = "rt_mapnt_$suffix"
        $dump = New-Dump $database @('{"_id": 1}') (& $mapOplog $database)

        $caught = $null
        try { Restore-MongoDatabase -ConnectionString $uri -Path $dump -NamespaceMap @{ "$database.n1" = "$target.a"; "$database.a" = "$target.a" } -ErrorAction Stop | Out-Null }
        catch { $caught = $_ }
        $failures = @($caught)

        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.InvalidArgument,*' -Because "$target.a was empty: nothing is TargetNotEmpty here"
        $failures[0].Exception.Message | Should -BeLike "*both $database.a and $database.n1 into $target.a*"
        Get-DatabaseName $uri | Should -Not -Contain $target
    }

    It 'Restore-MongoDatabase refuses two collections the oplog creates mapped onto one target before anything is written' {
        $database = "rt_map2_$suffix"
        $target = "rt_map2t_$suffix"
        $dump = New-Dump $database @('{"_id": 1}') @(
            (& $mapOplog $database)
            '{"ts":{"$timestamp":{"t":1700000000,"i":3}},"t":1,"op":"c","ns":"' + $database + '.$cmd","o":{"create":"n2"}}'
            '{"ts":{"$timestamp":{"t":1700000000,"i":4}},"t":1,"op":"i","ns":"' + $database + '.n2","o":{"_id":2,"from":"n2"}}'
        )

        { Restore-MongoDatabase -ConnectionString $uri -Path $dump -NamespaceMap @{ "$database.n1" = "$target.m"; "$database.n2" = "$target.m"; "$database.a" = "$target.a" } -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.InvalidArgument*' -ExpectedMessage "*both $database.n1 and $database.n2 into $target.m*"
        Get-DatabaseName $uri | Should -Not -Contain $target
    }
}

Describe 'Restore-MongoDatabase of a dump holding a collection both as a file and as a create in its oplog, whose target holds documents' {
    It 'leaves the target it refused with TargetNotEmpty alone (the oplog''s inserts are not applied to it)' {
        # mongodump (and Backup-MongoDatabase) holds such a collection both as a file and as a create in its oplog when it
        # was created while the dump ran.
        $database = "rt_refusedtarget_$suffix"
        $dump = New-Dump $database @('{"_id": 1, "v": "src"}') @(
            '{"ts":{"$timestamp":{"t":1700000000,"i":1}},"t":1,"op":"c","ns":"' + $database + '.$cmd","o":{"create":"a"}}'
            '{"ts":{"$timestamp":{"t":1700000000,"i":2}},"t":1,"op":"i","ns":"' + $database + '.a","o":{"_id":1,"v":"src"}}'
        )
        Add-ForeignDocuments $database 'a'

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $dump -ErrorAction SilentlyContinue -ErrorVariable problems

        @($problems | Where-Object FullyQualifiedErrorId -like 'MongoBackup.TargetNotEmpty*').Count | Should -Be 1
        $result.Succeeded | Should -BeFalse
        Get-Json $database 'a' | Should -Be $foreignJson -Because 'the error says the target was not touched'
    }
}

Describe 'Restore-MongoDatabase of a dump whose oplog creates and drops again a collection the target holds' {
    It 'refuses it with TargetNotEmpty (the replay would write into it, then drop it), saying why, and leaves it as it was' {
        # By design: the replay applies the window's entries in order, so a collection created and dropped in it is
        # written to and then dropped on the target; the target's own collection of that name is not taken for that.
        $database = "rt_transient_$suffix"
        $dump = New-Dump $database @('{"_id": 1}') @(
            '{"ts":{"$timestamp":{"t":1700000000,"i":1}},"t":1,"op":"c","ns":"' + $database + '.$cmd","o":{"create":"newc"}}'
            '{"ts":{"$timestamp":{"t":1700000000,"i":2}},"t":1,"op":"i","ns":"' + $database + '.newc","o":{"_id":1}}'
            '{"ts":{"$timestamp":{"t":1700000000,"i":3}},"t":1,"op":"c","ns":"' + $database + '.$cmd","o":{"drop":"newc"}}'
        )
        Add-ForeignDocuments $database 'newc'

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $dump -ErrorVariable failures -ErrorAction SilentlyContinue

        $result.Succeeded | Should -BeFalse
        @($failures | Where-Object FullyQualifiedErrorId -like 'MongoBackup.TargetNotEmpty,*').Count | Should -Be 1
        $failures[0].Exception.Message | Should -BeLike "*$database.newc*even where the oplog drops it again later*"
        Get-Json $database 'newc' | Should -Be $foreignJson
        Get-Json $database 'a' | Should -Be @('{ "_id" : 1 }')
    }
}

Describe 'A collection the oplog creates, whose name the target holds as an empty collection (the DBA''s own: kept, or replaced only with -Drop)' {
    BeforeAll {
        function script:Get-Options([string] $Database, [string] $Collection) {
            $client = [MongoDB.Driver.MongoClient]::new($uri)
            $all = [MongoDB.Driver.IAsyncCursorExtensions]::ToList($client.GetDatabase($Database).ListCollections($null, $none), $none)
            Write-Output -NoEnumerate ($all | Where-Object { $_['name'].AsString -eq $Collection })
        }
    }

    It 'Restore-MongoDatabase writes into an empty target collection of the same kind and options and keeps it (its own indexes), as a restore from files does' {
        $database = "rt_kept_$suffix"
        $db = [MongoDB.Driver.MongoClient]::new($uri).GetDatabase($database)
        $db.CreateCollection('newc', $null, $none)   # empty, plain, with an index of the DBA's
        [void] $db.RunCommand[MongoDB.Bson.BsonDocument]([MongoDB.Driver.Command[MongoDB.Bson.BsonDocument]] '{createIndexes: "newc", indexes: [{key: {k: 1}, name: "k_1"}]}', $null, $none)
        $dump = New-Dump $database @('{"_id": 1}') @(
            '{"ts":{"$timestamp":{"t":1700000000,"i":1}},"t":1,"op":"c","ns":"' + $database + '.$cmd","o":{"create":"newc"}}'
            '{"ts":{"$timestamp":{"t":1700000000,"i":2}},"t":1,"op":"i","ns":"' + $database + '.newc","o":{"_id":1}}'
        )

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $dump -ErrorAction SilentlyContinue -WarningAction SilentlyContinue

        $result.Succeeded | Should -BeTrue -Because 'an empty target collection of the same options is no reason to refuse'
        Get-Json $database 'newc' | Should -Be @('{ "_id" : 1 }')
        Get-IndexKeys (Get-Collection $uri $database 'newc') | Should -Contain 'k_1={ "k" : 1 }' -Because 'the target''s own collection was not dropped'
    }

    It 'Restore-MongoDatabase refuses an empty target of other options (a capped collection the oplog creates, a plain target) naming them, and writes nothing to it' {
        $database = "rt_cappedrefused_$suffix"
        [MongoDB.Driver.MongoClient]::new($uri).GetDatabase($database).CreateCollection('newc', $null, $none)   # empty, plain
        $dump = New-Dump $database @('{"_id": 1}') @(
            '{"ts":{"$timestamp":{"t":1700000000,"i":1}},"t":1,"op":"c","ns":"' + $database + '.$cmd","o":{"create":"newc","capped":true,"size":4096}}'
            '{"ts":{"$timestamp":{"t":1700000000,"i":2}},"t":1,"op":"i","ns":"' + $database + '.newc","o":{"_id":1}}'
        )

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $dump -ErrorVariable problems -ErrorAction SilentlyContinue -WarningAction SilentlyContinue

        $result.Succeeded | Should -BeFalse
        $refusal = @($problems | Where-Object { "$($_.TargetObject)" -eq "$database.newc" })
        $refusal.Count | Should -Be 1
        $refusal[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.TargetIncompatible*'
        $refusal[0].Exception.Message | Should -BeLike '*capped: true in the backup, false on the target*Use -Drop*'
        Get-Json $database 'newc' | Should -BeNullOrEmpty
    }

    It 'Restore-MongoDatabase -Drop replaces it: a capped collection the oplog creates is restored capped' {
        $database = "rt_capped_$suffix"
        [MongoDB.Driver.MongoClient]::new($uri).GetDatabase($database).CreateCollection('newc', $null, $none)   # empty, plain
        $dump = New-Dump $database @('{"_id": 1}') @(
            '{"ts":{"$timestamp":{"t":1700000000,"i":1}},"t":1,"op":"c","ns":"' + $database + '.$cmd","o":{"create":"newc","capped":true,"size":4096}}'
            '{"ts":{"$timestamp":{"t":1700000000,"i":2}},"t":1,"op":"i","ns":"' + $database + '.newc","o":{"_id":1}}'
        )

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $dump -Drop -Confirm:$false -ErrorAction SilentlyContinue -WarningAction SilentlyContinue

        $result.Succeeded | Should -BeTrue
        (Get-Options $database 'newc')['options'].AsBsonDocument.GetValue('capped', $false).ToBoolean() | Should -BeTrue -Because 'the source collection is capped'
        Get-Json $database 'newc' | Should -Be @('{ "_id" : 1 }')
    }

    It 'Restore-MongoDatabase refuses a time-series collection the oplog creates over an empty plain collection (TargetIncompatible), and -Drop replaces it' {
        $database = "rt_tsempty_$suffix"
        [MongoDB.Driver.MongoClient]::new($uri).GetDatabase($database).CreateCollection('ts', $null, $none)   # empty, plain
        $dump = New-Dump $database @('{"_id": 1}') @(
            '{"ts":{"$timestamp":{"t":1700000000,"i":1}},"t":1,"op":"c","ns":"' + $database + '.$cmd","o":{"create":"ts","timeseries":{"timeField":"t","granularity":"seconds","bucketMaxSpanSeconds":3600}}}'
        )

        $refused = Restore-MongoDatabase -ConnectionString $uri -Path $dump -ErrorAction SilentlyContinue -ErrorVariable problems -WarningAction SilentlyContinue

        $refused.Succeeded | Should -BeFalse
        $problem = @($problems | Where-Object FullyQualifiedErrorId -like 'MongoBackup.TargetIncompatible*')
        $problem.Count | Should -Be 1
        $problem[0].Exception.Message | Should -BeLike "*$database.ts exists as an empty collection*as a time-series collection*-Drop*"
        (Get-Options $database 'ts')['type'].AsString | Should -Be 'collection'

        $replaced = Restore-MongoDatabase -ConnectionString $uri -Path $dump -Drop -Confirm:$false -ErrorAction SilentlyContinue -WarningAction SilentlyContinue

        $replaced.Succeeded | Should -BeTrue
        (Get-Options $database 'ts')['type'].AsString | Should -Be 'timeseries'
    }

    It 'Restore-MongoDatabase refuses a view the oplog creates over an empty collection of its name, and -Drop replaces it with the view' {
        $database = "rt_viewempty_$suffix"
        [MongoDB.Driver.MongoClient]::new($uri).GetDatabase($database).CreateCollection('v', $null, $none)   # empty, plain
        $dump = New-Dump $database @('{"_id": 1}') @(
            '{"ts":{"$timestamp":{"t":1700000000,"i":1}},"t":1,"op":"i","ns":"' + $database + '.system.views","o":{"_id":"' + $database + '.v","viewOn":"a","pipeline":[]}}'
        )

        $refused = Restore-MongoDatabase -ConnectionString $uri -Path $dump -ErrorAction SilentlyContinue -ErrorVariable problems -WarningAction SilentlyContinue

        @($problems | Where-Object FullyQualifiedErrorId -like 'MongoBackup.TargetIncompatible*').Count | Should -Be 1
        (Get-Options $database 'v')['type'].AsString | Should -Be 'collection'

        $replaced = Restore-MongoDatabase -ConnectionString $uri -Path $dump -Drop -Confirm:$false -ErrorAction SilentlyContinue -WarningAction SilentlyContinue

        $replaced.Succeeded | Should -BeTrue
        (Get-Options $database 'v')['type'].AsString | Should -Be 'view'
        Get-Json $database 'v' | Should -Be @('{ "_id" : 1 }')
    }
}
