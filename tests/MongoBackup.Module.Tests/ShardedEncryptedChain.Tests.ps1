# A sharded cluster's continuous capture into a repository that requires encryption, end to end: the encrypted full
# backup through the mongos, Backup-MongoOplog -EncryptionKey (once and -Continuous), the restore window, a point-in-time
# restore with the key into a replica set and into a fresh cluster through its mongos, the refusals without it, and
# Test-MongoSnapshot and retention on the encrypted slices.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:cluster = Start-MongoTestServer -Sharded -Shards 2
    $script:target = Start-MongoTestServer
    $script:shardedTarget = Start-MongoTestServer -Sharded -Shards 2
    $script:repository = New-TestFolder
    $script:passphrase = ConvertTo-SecureString ('pass-' + [guid]::NewGuid().ToString('N')) -AsPlainText -Force
    $script:wrongPassphrase = ConvertTo-SecureString 'not-the-right-passphrase' -AsPlainText -Force
    Initialize-ShardedOrders $cluster.Uri
    $script:orders = Get-Collection $cluster.Uri 'shop' 'orders'
    Invoke-Admin $cluster.Uri @{ balancerStop = 1 } | Out-Null

    # One order on each shard (a negative _id on shard0, one above 50 on shard1).
    function Add-Orders([int] $low, [int] $high) {
        $orders.InsertMany([MongoDB.Bson.BsonDocument[]] @((New-BsonDocument ([ordered]@{ _id = $low; qty = 1 })), (New-BsonDocument ([ordered]@{ _id = $high; qty = 1 }))))
    }
    function Get-RestoredIds([string] $database, $on = $target) { return Get-OrderIds $on.Uri $database }
}

AfterAll {
    Stop-MongoTestServer $cluster
    Stop-MongoTestServer $target
    Stop-MongoTestServer $shardedTarget
    Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Encrypted oplog slices of a sharded cluster' {
    It 'a repository that requires encryption refuses a cluster slice without the key, once and -Continuous, and writes nothing' {
        $script:full = Backup-MongoDatabase -ConnectionString $cluster.Uri -Repository $repository -EncryptionKey $passphrase
        $full.Encrypted | Should -BeTrue
        Set-MongoRepository -Repository $repository -RequireEncryption -EncryptionKey $passphrase | Out-Null
        Add-Orders -1 1001
        { Backup-MongoOplog -ConnectionString $cluster.Uri -Repository $repository -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.EncryptionKeyRequired,MongoBackup.PowerShell.Commands.BackupMongoOplogCommand'
        { Backup-MongoOplog -ConnectionString $cluster.Uri -Repository $repository -Continuous -SliceInterval 1h -EncryptionKey $wrongPassphrase -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.WrongEncryptionKey,MongoBackup.PowerShell.Commands.BackupMongoOplogCommand'
        # The dry run plans the slice as a replica set's does, the key not judged.
        (Backup-MongoOplog -ConnectionString $cluster.Uri -Repository $repository -WhatIf).Action | Should -Be 'Save oplog'
        @(Get-MongoSnapshot -Repository $repository).Count | Should -Be 1
    }

    It 'Backup-MongoOplog -EncryptionKey saves every shard''s part encrypted under the full backup''s key' {
        $script:slice = Backup-MongoOplog -ConnectionString $cluster.Uri -Repository $repository -EncryptionKey $passphrase
        $slice.Topology | Should -Be 'Sharded'
        $slice.Encrypted | Should -BeTrue
        $slice.KeyFingerprint | Should -Be $full.KeyFingerprint
        # The file names of a replica set's encrypted slice (zstd by default), in each shard's folder.
        @(Get-ChildItem $slice.Path -Recurse -File | Where-Object Name -ne 'manifest.json' | ForEach-Object { "$($_.Directory.Name)/$($_.Name)" } | Sort-Object) |
            Should -Be @('shard0/oplog.bson.zst.encrypted', 'shard1/oplog.bson.zst.encrypted')
    }

    It 'Backup-MongoOplog -Continuous -EncryptionKey writes chained encrypted slices; the restore window reaches the last' {
        Add-Orders -2 1002
        $slices = @(Backup-MongoOplog -ConnectionString $cluster.Uri -Repository $repository -EncryptionKey $passphrase -Continuous -SliceInterval 1s -Duration 3s)
        $slices.Count | Should -BeGreaterOrEqual 1
        $slices | ForEach-Object { $_.Encrypted | Should -BeTrue }
        $script:lastSlice = $slices[-1]
        $window = Get-MongoRestoreWindow -Repository $repository
        @($window).Count | Should -Be 1
        $window.ToTimestamp | Should -Be $lastSlice.OplogEnd
    }

    It 'Restore-MongoPointInTime without the key, or with another, is refused naming the snapshot, and writes nothing' {
        { Restore-MongoPointInTime -ConnectionString $target.Uri -Repository $repository -ClusterTime $slice.OplogEnd -RenameDatabase @{ shop = 'shop_nokey' } -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.EncryptionKeyRequired,MongoBackup.PowerShell.Commands.RestoreMongoPointInTimeCommand'
        { Restore-MongoPointInTime -ConnectionString $target.Uri -Repository $repository -ClusterTime $slice.OplogEnd -RenameDatabase @{ shop = 'shop_wrong' } -EncryptionKey $wrongPassphrase -ErrorAction Stop } |
            Should -Throw "*Snapshot $($full.Id)*"
        @(Get-DatabaseName $target.Uri) | Should -Not -Contain 'shop_nokey'
        @(Get-DatabaseName $target.Uri) | Should -Not -Contain 'shop_wrong'
    }

    It 'Restore-MongoPointInTime -EncryptionKey restores the cluster at the first slice''s cut into a replica set' {
        $result = Restore-MongoPointInTime -ConnectionString $target.Uri -Repository $repository -ClusterTime $slice.OplogEnd -RenameDatabase @{ shop = 'shop_first' } -EncryptionKey $passphrase
        $result.Succeeded | Should -BeTrue
        $ids = Get-RestoredIds 'shop_first'
        $ids | Should -Contain -1
        $ids | Should -Contain 1001
        $ids | Should -Not -Contain -2
        $ids.Count | Should -Be 102
    }

    It 'Restore-MongoPointInTime -EncryptionKey restores the window''s end into a fresh cluster through its mongos' {
        $result = Restore-MongoPointInTime -ConnectionString $shardedTarget.Uri -Repository $repository -ClusterTime $lastSlice.OplogEnd -EncryptionKey $passphrase
        $result.Succeeded | Should -BeTrue
        $result.SliceEntriesApplied | Should -BeGreaterThan 0
        (Get-RestoredIds 'shop' $shardedTarget).Count | Should -Be 104
    }

    It 'Test-MongoSnapshot -EncryptionKey decrypts and parses each shard''s part of an encrypted cluster slice' {
        $tested = Test-MongoSnapshot -Repository $repository -Id $slice.Id -EncryptionKey $passphrase
        $tested.Passed | Should -BeTrue
        @($tested.Files).Count | Should -Be 2
    }

    It 'Export-MongoSnapshot of a cluster slice is refused naming it, since no mongodump holds one oplog per shard, and writes nothing' {
        $path = Join-Path $repository 'exported-slice'
        { Export-MongoSnapshot -Repository $repository -Id $slice.Id -Path $path -EncryptionKey $passphrase -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.ShardedClusterNotSupported,MongoBackup.PowerShell.Commands.ExportMongoSnapshotCommand'
        { Export-MongoSnapshot -Repository $repository -Id $slice.Id -Path $path -ErrorAction Stop } | Should -Throw "*$($slice.Id) is an oplog slice of a sharded cluster*"
        Test-Path $path | Should -BeFalse
    }

    It 'Invoke-MongoSnapshotRetention -KeepLast 1 after a new encrypted full backup removes the old chain and keeps the new one' {
        Add-Orders -3 1003
        $newFull = Backup-MongoDatabase -ConnectionString $cluster.Uri -Repository $repository -EncryptionKey $passphrase
        Add-Orders -4 1004
        $after = Backup-MongoOplog -ConnectionString $cluster.Uri -Repository $repository -EncryptionKey $passphrase
        Invoke-MongoSnapshotRetention -Repository $repository -KeepLast 1 -Confirm:$false | Out-Null
        @(Get-MongoSnapshot -Repository $repository | ForEach-Object Id | Sort-Object) | Should -Be @(@($newFull.Id, $after.Id) | Sort-Object)
        $window = Get-MongoRestoreWindow -Repository $repository
        $window.ToTimestamp | Should -Be $after.OplogEnd
        $result = Restore-MongoPointInTime -ConnectionString $target.Uri -Repository $repository -ClusterTime $after.OplogEnd -RenameDatabase @{ shop = 'shop_kept' } -EncryptionKey $passphrase
        $result.Succeeded | Should -BeTrue
        (Get-RestoredIds 'shop_kept').Count | Should -Be 108
    }
}
