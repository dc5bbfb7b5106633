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
