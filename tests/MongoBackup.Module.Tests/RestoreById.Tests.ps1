# Restore-MongoDatabase -Repository -Id, as Test-, Copy-, Export- and Remove-MongoSnapshot name a snapshot: the same
# parameters, meaning the same, and the snapshot restored exactly.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_byid_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    (Get-Collection $uri $db 'orders').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..25) { New-BsonDocument @{ _id = $i; total = $i * 2 } }))
    $script:repository = New-TestFolder
    $script:first = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db
    $script:second = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db
}

AfterAll {
    if ($script:uri) {
        $client = [MongoDB.Driver.MongoClient]::new($uri)
        foreach ($name in Get-DatabaseName $uri | Where-Object { $_ -like "$db*" }) { $client.DropDatabase($name, [System.Threading.CancellationToken]::None) }
    }
    Stop-MongoTestServer $server
    Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Restore-MongoDatabase -Repository -Id' {
    It 'restores the snapshot the id names, every document as it was backed up' {
        $result = Restore-MongoDatabase -ConnectionString $uri -Repository $repository -Id $first.Id -RenameDatabase "$db=$($db)_byid"
        $result.Succeeded | Should -BeTrue
        @(Get-AllDocuments (Get-Collection $uri "$($db)_byid" 'orders')) | Should -Be @(Get-AllDocuments (Get-Collection $uri $db 'orders'))
    }

    It 'takes a pattern that matches one snapshot, and refuses one that matches several, naming them' {
        $result = Restore-MongoDatabase -ConnectionString $uri -Repository $repository -Id "*$($second.Id.Substring($second.Id.Length - 4))" -RenameDatabase "$db=$($db)_pattern"
        $result.Succeeded | Should -BeTrue
        { Restore-MongoDatabase -ConnectionString $uri -Repository $repository -Id '*-full-*' -RenameDatabase "$db=$($db)_many" } |
            Should -Throw -ErrorId 'MongoBackup.InvalidArgument,*' -ExpectedMessage "*names 2 snapshots*$($first.Id)*"
    }

    It 'an id that is no snapshot is SnapshotNotFound' {
        { Restore-MongoDatabase -ConnectionString $uri -Repository $repository -Id '20200101T000000Z-full-0000' } |
            Should -Throw -ErrorId 'MongoBackup.SnapshotNotFound,*'
    }

    It 'has -Repository and -Id as the other snapshot cmdlets have them' {
        $restore = (Get-Command Restore-MongoDatabase).Parameters
        $test = (Get-Command Test-MongoSnapshot).Parameters
        $restore['Repository'].Attributes.TypeId.Name | Should -Contain 'RepositoryArgumentAttribute'
        $restore['Id'].Aliases | Should -Be $test['Id'].Aliases
        $restore['Id'].Attributes.TypeId.Name | Should -Contain 'ArgumentCompleterAttribute'
        $restore['Id'].Attributes.TypeId.Name | Should -Contain 'SupportsWildcardsAttribute'
    }
}

Describe 'Restore-MongoDatabase -Id of a gzip snapshot whose data file was cut in half' {
    It 'says the file was cut short at its stored length, and hands no garbage to the BSON reader' {
        # A gzip file cut inside a deflate block once restored as "unknown BSON element type 0xd9" at an offset of its
        # decompressed data: the reader's end-of-data sentinel was decoded as the rest of that block (breaker finding 1).
        $items = Get-Collection $uri $db 'gz'
        $items.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..3000) { New-BsonDocument ([ordered]@{ _id = $i; name = "item $i"; pad = ('z' * ($i % 200)) }) }))
        $gzRepository = New-TestFolder
        $snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $gzRepository -Database $db -Collection "$db.gz" -Compression gzip -WarningAction SilentlyContinue
        $file = Get-ChildItem $gzRepository -Recurse -File -Filter 'gz.bson.gz' | Select-Object -First 1
        $bytes = [System.IO.File]::ReadAllBytes($file.FullName)
        $kept = [int] [Math]::Floor($bytes.Length / 2)
        [System.IO.File]::WriteAllBytes($file.FullName, $bytes[0..($kept - 1)])

        $result = Restore-MongoDatabase -ConnectionString $uri -Repository $gzRepository -Id $snapshot.Id -RenameDatabase @{ $db = "$($db)_gz" } -ErrorAction SilentlyContinue -ErrorVariable problems

        $result.Succeeded | Should -BeFalse
        @($problems).Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.CorruptFile*'
        $problems[0].Exception.Message | Should -BeLike "*Corrupt dump file '$($snapshot.Id)/*gz.bson.gz' at byte offset $kept of the stored file: it was cut short there: the gzip data ends inside a member*"
        $problems[0].Exception.Message | Should -Not -BeLike '*BSON element*'
        (Get-Collection $uri "$($db)_gz" 'gz').CountDocuments([MongoDB.Driver.FilterDefinition[MongoDB.Bson.BsonDocument]] [MongoDB.Bson.BsonDocument]::new(), $null, [System.Threading.CancellationToken]::None) | Should -Be 0 -Because 'the damaged namespace is rolled back'
        Remove-Item $gzRepository -Recurse -Force -ErrorAction SilentlyContinue
    }
}
