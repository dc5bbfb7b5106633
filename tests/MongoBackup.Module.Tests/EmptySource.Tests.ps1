# Tryout8 P13: a new replica set's first scheduled run, before any user database exists, failed with NothingSelected
# though no filter was set. As mongodump dumps an empty server, the full backup succeeds holding no collection, with a
# warning, and its oplog position starts the chain: what is created afterwards is captured and restored to a moment.
# A filter that selects nothing is still NothingSelected.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer # this file's own server: no user database until a test creates one
    $script:uri = $server.Uri
}

AfterAll { Stop-MongoTestServer $server }

Describe 'A replica set with no user database yet' {
    BeforeAll {
        $script:repository = New-TestFolder
        $script:policy = Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -FullEvery 1d -WarningVariable policyWarnings -WarningAction SilentlyContinue
    }
    AfterAll { Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue }

    It 'the first policy run takes a full snapshot holding no collection, and warns that the server has no user databases' {
        $policy.Action | Should -Be 'Full'
        $policy.Snapshot.Collections | Should -Be 0
        $policy.Snapshot.OplogEnd | Should -Not -BeNullOrEmpty
        @($policyWarnings.Message | Where-Object { $_ -like '*holds no user databases yet*only the oplog position*' }).Count | Should -Be 1
    }

    It 'Backup-MongoDatabase -WhatIf says the same, and a filter that selects nothing is still NothingSelected' {
        Backup-MongoDatabase -ConnectionString $uri -Repository $repository -WhatIf -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null
        @($warnings.Message | Where-Object { $_ -like '*holds no user databases yet*' }).Count | Should -Be 1
        { Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database 'sales*' -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.NothingSelected*'
    }

    It 'what is created after it is captured by the oplog and restored to a moment from that empty base' {
        (Get-Collection $uri 'newapp' 'orders').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..4) { New-BsonDocument @{ _id = $i } }))
        $slice = Backup-MongoOplog -ConnectionString $uri -Repository $repository
        $slice.Kind | Should -Be 'Oplog'
        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime $slice.OplogEnd -Database newapp `
            -RenameDatabase 'newapp=newapp_pitr' -WarningAction SilentlyContinue
        $result.Succeeded | Should -BeTrue
        Get-DocumentCount (Get-Collection $uri 'newapp_pitr' 'orders') | Should -Be 4
    }
}
