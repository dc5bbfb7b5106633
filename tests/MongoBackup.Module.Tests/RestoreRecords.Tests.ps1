# The records a restore keeps in a target database (mongobackup.restoreInProgress, for -Resume) are the module's own
# bookkeeping: a backup leaves them out as it leaves out MongoDB's system collections, a restore of a source that holds
# them (an older snapshot, a mongodump of such a database) skips them with a verbose note, and a point-in-time replay
# never writes the ones a restore wrote into the source after the base snapshot.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:suffix = [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:none = [System.Threading.CancellationToken]::None
    $script:records = 'mongobackup.restoreInProgress'

    function script:Get-CollectionNames([string] $Database) {
        @((Read-Cursor ([MongoDB.Driver.MongoClient]::new($uri).GetDatabase($Database).ListCollectionNames($null, $none))) | Sort-Object)
    }
    function script:Write-BsonFile([string] $Path, [string[]] $Json) {
        $stream = [System.IO.File]::Create($Path)
        try {
            foreach ($text in $Json) {
                $writer = [MongoDB.Bson.IO.BsonBinaryWriter]::new($stream)
                [MongoDB.Bson.Serialization.BsonSerializer]::Serialize($writer, [MongoDB.Bson.BsonDocument], [MongoDB.Bson.BsonDocument]::Parse($text))
                $writer.Flush()
            }
        } finally { $stream.Dispose() }
    }
    function script:New-Dump([hashtable] $Collections) {
        # A mongodump folder: 'db.coll' = documents (JSON), each with its metadata.
        $folder = New-TestFolder
        foreach ($namespace in $Collections.Keys) {
            $database, $collection = $namespace -split '\.', 2
            New-Item -ItemType Directory -Force (Join-Path $folder $database) | Out-Null
            Write-BsonFile (Join-Path $folder "$database/$collection.bson") $Collections[$namespace]
            Set-Content (Join-Path $folder "$database/$collection.metadata.json") ('{"options":{},"indexes":[{"v":2,"key":{"_id":1},"name":"_id_"}],"collectionName":"' + $collection + '"}')
        }
        return $folder
    }
    function script:Invoke-FailedRestoreInto([string] $Database) {
        # A restore that fails on one target (it holds a foreign document) keeps its records in the database, as documented.
        (Get-Collection $uri $Database 'a').InsertOne((New-BsonDocument @{ _id = 1; foreign = $true }), $null, $none)
        $dump = New-Dump @{ "$Database.a" = @('{"_id": 7}'); "$Database.b" = @('{"_id": 8}') }
        Restore-MongoDatabase -ConnectionString $uri -Path $dump -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null
        Get-CollectionNames $Database | Should -Contain $records   # the setup: the records are there
    }
}

AfterAll {
    Remove-TestRun -Uri $uri -Suffix $suffix -Server $server
}

Describe 'Backup-MongoDatabase of a database a failed restore kept its records in' {
    It 'leaves the records out, and a restore of that backup succeeds with no records in the copy' {
        $database = "kept_$suffix"
        $copy = "keptcopy_$suffix"
        Invoke-FailedRestoreInto $database
        $repository = New-TestFolder

        $snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $database -WarningAction SilentlyContinue
        $result = $snapshot | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase @{ $database = $copy } -ErrorVariable problems

        $snapshot.Collections | Should -Be 2
        @($snapshot.Files) -match 'restoreInProgress' | Should -BeNullOrEmpty
        @($problems) | Should -BeNullOrEmpty
        $result.Succeeded | Should -BeTrue
        @($result.Namespaces.TargetNamespace) | Should -Be @("$copy.a", "$copy.b")
        Get-CollectionNames $copy | Should -Be @('a', 'b')
    }
}

Describe 'Restore-MongoDatabase of a source that holds the records (an older snapshot, a mongodump of such a database)' {
    It 'skips them with a verbose note and restores the rest' {
        $database = "olddump_$suffix"
        $dump = New-Dump @{
            "$database.a" = @('{"_id": 1}', '{"_id": 2}')
            "$database.$records" = @('{"_id": "a", "source": "snapshot 20261201T000000Z-full-0000", "moment": null}')
        }

        $output = Restore-MongoDatabase -ConnectionString $uri -Path $dump -ErrorVariable problems -Verbose 4>&1
        $result = $output | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
        $verbose = @($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)

        @($problems) | Should -BeNullOrEmpty
        $result.Succeeded | Should -BeTrue
        @($result.Namespaces.TargetNamespace) | Should -Be @("$database.a")
        @($verbose -match ([regex]::Escape("$database.$records") + '.* is skipped')).Count | Should -Be 1
        Get-CollectionNames $database | Should -Be @('a')
    }
}

Describe 'Restore-MongoPointInTime past a failed restore into the source, after the base snapshot' {
    It 'does not replay the records that restore wrote: the copy holds none, and the restore succeeds' {
        $database = "pitr_$suffix"
        $copy = "pitrcopy_$suffix"
        $repository = New-TestFolder
        (Get-Collection $uri $database 'c').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
        Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $database -WarningAction SilentlyContinue | Out-Null
        Invoke-FailedRestoreInto $database
        $slice = Backup-MongoOplog -ConnectionString $uri -Repository $repository -WarningAction SilentlyContinue

        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime $slice.OplogEnd -RenameDatabase @{ $database = $copy } -ErrorVariable problems -WarningAction SilentlyContinue

        @($problems) | Should -BeNullOrEmpty
        $result.Succeeded | Should -BeTrue
        Get-CollectionNames $copy | Should -Not -Contain $records
        Get-DocumentCount (Get-Collection $uri $copy 'b') | Should -Be 1   # the failed restore's own data is replayed
    }
}
