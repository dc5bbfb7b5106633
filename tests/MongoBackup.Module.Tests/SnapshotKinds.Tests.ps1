# Get-MongoSnapshot -Latest once oplog slices exist: the README's own pipelines must restore and test the newest full
# snapshot, not the newest slice; -Kind picks slices on purpose; a slice piped to Restore-MongoDatabase is named as one.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_kind_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $none = [System.Threading.CancellationToken]::None
    $items = Get-Collection $uri $db 'items'
    $items.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..50) { New-BsonDocument @{ _id = $i } }))
    $script:repository = New-TestFolder
    $script:full = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db
    $items.InsertOne((New-BsonDocument @{ _id = 51 }), $null, $none)
    $script:slice = Backup-MongoOplog -ConnectionString $uri -Repository $repository
}

AfterAll {
    if ($script:uri) {
        $client = [MongoDB.Driver.MongoClient]::new($uri)
        foreach ($name in $db, "$($db)_latest") { $client.DropDatabase($name, [System.Threading.CancellationToken]::None) }
    }
    Stop-MongoTestServer $server
    Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-MongoSnapshot -Latest and -Kind' {
    It 'the slice is the newest snapshot in the repository (the situation the DBA was in)' {
        $slice.Kind | Should -Be 'Oplog'
        (Get-MongoSnapshot -Repository $repository)[0].Id | Should -Be $slice.Id
    }

    It '-Latest is the newest full snapshot' {
        $latest = Get-MongoSnapshot -Repository $repository -Latest
        @($latest).Count | Should -Be 1
        $latest.Id | Should -Be $full.Id
        $latest.Kind | Should -Be 'Full'
    }

    It 'Get-MongoSnapshot -Latest | Restore-MongoDatabase restores the full snapshot' {
        $result = Get-MongoSnapshot -Repository $repository -Latest |
            Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$db=$($db)_latest"
        $result.Succeeded | Should -BeTrue
        Get-DocumentCount (Get-Collection $uri "$($db)_latest" 'items') | Should -Be 50
    }

    It 'Test-MongoSnapshot -Id (Get-MongoSnapshot -Latest).Id tests the full snapshot' {
        $tested = Test-MongoSnapshot -Repository $repository -Id (Get-MongoSnapshot -Repository $repository -Latest).Id
        $tested.SnapshotId | Should -Be $full.Id
        $tested.Passed | Should -BeTrue
        $tested.Documents | Should -Be 50
    }

    It '-Kind Oplog -Latest is the newest slice; -Kind Oplog lists only slices' {
        (Get-MongoSnapshot -Repository $repository -Kind Oplog -Latest).Id | Should -Be $slice.Id
        (Get-MongoSnapshot -Repository $repository -Kind Oplog).Kind | Should -Be @('Oplog')
        (Get-MongoSnapshot -Repository $repository -Kind Full).Id | Should -Be @($full.Id)
    }

    It '-Kind Full, Oplog -Latest is the newest of either' {
        (Get-MongoSnapshot -Repository $repository -Kind Full, Oplog -Latest).Id | Should -Be $slice.Id
    }

    It '-Kind refuses a kind that does not exist, listing the ones that do' {
        { Get-MongoSnapshot -Repository $repository -Kind Diff -ErrorAction Stop } | Should -Throw -ExpectedMessage '*Full,Oplog*'
    }

    It 'a slice piped to Restore-MongoDatabase is refused as an oplog slice, and nothing is restored' {
        $caught = $null
        try { Get-MongoSnapshot -Repository $repository -Kind Oplog -Latest | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$db=$($db)_slice" -ErrorAction Stop }
        catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.InvalidArgument,*'
        $caught.Exception.Message | Should -BeLike "*'$($slice.Id)' is an oplog slice (Kind Oplog)*Restore-MongoPointInTime*"
        Get-DatabaseName $uri | Should -Not -Contain "$($db)_slice"
    }

    It 'a slice folder given to Restore-MongoDatabase -Path is refused the same way' {
        { Restore-MongoDatabase -ConnectionString $uri -Path $slice.Path -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*'$($slice.Id)' is an oplog slice (Kind Oplog)*"
    }
}
