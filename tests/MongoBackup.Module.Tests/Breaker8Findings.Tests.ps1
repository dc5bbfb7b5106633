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
