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
}

AfterAll {
    Remove-TestRun -Uri $uri -Suffix $suffix -Server $server
}

    }
}

Describe 'A namespace that fails because the server refused some of its documents (breaker8 finding 7)' {
    It 'writes a non-terminating error naming the namespace, as every namespace that fails does' {
        $database = "b8_refused_$suffix"
        $dump = New-Dump8 @{ "$database.a" = @('{"_id": 1, "v": 1}', '{"_id": 1, "v": 2}', '{"_id": 2}') } $null

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $dump -ErrorAction SilentlyContinue -ErrorVariable problems -WarningAction SilentlyContinue

        $result.Namespaces[0].Succeeded | Should -BeFalse
        $result.Namespaces[0].DocumentsRefused | Should -Be 1
        @($problems).Count | Should -Be 1 -Because 'the help says every namespace that fails writes a non-terminating error whose target is the namespace'
        $result.Namespaces[0].Problem | Should -Not -BeNullOrEmpty
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

Describe 'Restore-MongoDatabase -IncludeUsersAndRoles of a whole dump or snapshot, no filter (breaker8 finding 9)' {
    It 'restores the admin database''s users and roles of a mongodump folder, as mongorestore --dir does (usersdump + a database)' {
        # mongo-tools' dump/restore suite: the usersdump directory restores user reportsUser and role manageOpRole.
        $folder = New-TestFolder
        Copy-Item -Recurse (Join-Path $fixtures 'usersdump/admin') (Join-Path $folder 'admin')
        $database = "b8_users_$suffix"
        New-Item -ItemType Directory (Join-Path $folder $database) | Out-Null
        Copy-Item (Join-Path $fixtures 'foodump/test/*') (Join-Path $folder $database)
        try {
            $result = Restore-MongoDatabase -ConnectionString $uri -Path $folder -IncludeUsersAndRoles -WarningAction SilentlyContinue
            $result.Succeeded | Should -BeTrue
            $users = (Invoke-Command8 'admin' "{usersInfo: 'reportsUser'}")['users'].AsBsonArray
            $roles = (Invoke-Command8 'admin' "{rolesInfo: 'manageOpRole'}")['roles'].AsBsonArray
            @($users).Count | Should -Be 1 -Because 'a whole-dump restore with -IncludeUsersAndRoles restores the users (they live in admin)'
            @($roles).Count | Should -Be 1
        } finally {
            try { Invoke-Command8 'admin' "{dropUser: 'reportsUser'}" | Out-Null } catch { }
            try { Invoke-Command8 'admin' "{dropRole: 'manageOpRole'}" | Out-Null } catch { }
        }
    }

    It 'restores the usersdump folder alone (admin''s users and roles, no collection) with -IncludeUsersAndRoles -Database admin' {
        try {
            $result = Restore-MongoDatabase -ConnectionString $uri -Path (Join-Path $fixtures 'usersdump') -IncludeUsersAndRoles -Database admin -WarningAction SilentlyContinue
            $result.Succeeded | Should -BeTrue
            @((Invoke-Command8 'admin' "{usersInfo: 'reportsUser'}")['users'].AsBsonArray).Count | Should -Be 1
        } finally {
            try { Invoke-Command8 'admin' "{dropUser: 'reportsUser'}" | Out-Null } catch { }
            try { Invoke-Command8 'admin' "{dropRole: 'manageOpRole'}" | Out-Null } catch { }
        }
    }
}

Describe 'A backup of a database a failed restore left its restore records in (breaker8 finding 10)' {
    It 'restores into a new database without failing on the module''s own mongobackup.restoreInProgress' {
        $database = "b8_records_$suffix"
        $copy = "b8_recordscopy_$suffix"
        # A restore that fails (a target that holds foreign documents) keeps its records in the target database, as documented.
        (Get-Collection $uri $database 'a').InsertOne((New-BsonDocument @{ _id = 1; foreign = $true }), $null, $none)
        $dump = New-Dump8 @{ "$database.a" = @('{"_id": 7}'); "$database.b" = @('{"_id": 8}') } $null
        Restore-MongoDatabase -ConnectionString $uri -Path $dump -ErrorAction SilentlyContinue | Out-Null
        $names = @((Invoke-Command8 $database '{listCollections: 1, nameOnly: true}')['cursor'].AsBsonDocument['firstBatch'].AsBsonArray | ForEach-Object { $_['name'].AsString })
        $names | Should -Contain 'mongobackup.restoreInProgress'   # the setup: the records are there
        $repo = New-TestFolder
        $snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $repo -Database $database -WarningAction SilentlyContinue

        $result = $snapshot | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase @{ $database = $copy } -ErrorAction SilentlyContinue -ErrorVariable problems

        @($problems | ForEach-Object { $_.Exception.Message }) | Should -BeNullOrEmpty
        $result.Succeeded | Should -BeTrue
    }
}
