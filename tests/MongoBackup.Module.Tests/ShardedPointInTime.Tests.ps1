# Backup-MongoOplog given a mongos, once and -Continuous, and Restore-MongoPointInTime of the cluster into a replica set
# and into a fresh sharded cluster through its mongos, end to end: a moment between two cross-shard transactions holds
# the first and not the second.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:cluster = Start-MongoTestServer -Sharded -Shards 2
    $script:target = Start-MongoTestServer
    $script:shardedTarget = Start-MongoTestServer -Sharded -Shards 2
    $script:repository = New-TestFolder
    $script:none = [System.Threading.CancellationToken]::None
    $script:mongos = [MongoDB.Driver.MongoClient]::new($cluster.Uri)
    Initialize-ShardedOrders $cluster.Uri
    $script:orders = Get-Collection $cluster.Uri 'shop' 'orders'
    Invoke-Admin $cluster.Uri @{ balancerStop = 1 } | Out-Null

    # One transaction writing on both shards (a negative _id on shard0, one above 50 on shard1).
    function Invoke-CrossShardTransaction([int] $low, [int] $high) {
        $session = $mongos.StartSession($null, $none)
        $session.StartTransaction($null)
        $orders.InsertOne($session, (New-BsonDocument ([ordered]@{ _id = $low; qty = 7 })), $null, $none)
        $orders.InsertOne($session, (New-BsonDocument ([ordered]@{ _id = $high; qty = 7 })), $null, $none)
        $session.CommitTransaction($none)
        $session.Dispose()
    }
    function Get-RestoredIds([string] $database, $on = $target) { return Get-OrderIds $on.Uri $database }
}

AfterAll {
    $mongos.Dispose()
    Stop-MongoTestServer $cluster
    Stop-MongoTestServer $target
    Stop-MongoTestServer $shardedTarget
    Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Oplog slices and point-in-time restore of a sharded cluster' {
    It 'Backup-MongoOplog saves one slice of every shard, continuing the full cluster snapshot' {
        $script:full = Backup-MongoDatabase -ConnectionString $cluster.Uri -Repository $repository
        Invoke-CrossShardTransaction -1 1001
        $script:slice = Backup-MongoOplog -ConnectionString $cluster.Uri -Repository $repository
        $slice.Kind | Should -Be 'Oplog'
        $slice.Topology | Should -Be 'Sharded'
        $manifest = Get-Content (Join-Path $slice.Path 'manifest.json') -Raw | ConvertFrom-Json
        @($manifest.cluster.shards.name) | Should -Be @('shard0', 'shard1')
        @($manifest.cluster.shards | Where-Object oplogEntries -gt 0).Count | Should -Be 2
        Test-Path (Join-Path $slice.Path 'shard1/oplog.bson.zst') | Should -BeTrue
        $window = Get-MongoRestoreWindow -Repository $repository
        @($window).Count | Should -Be 1
        $window.ToTimestamp | Should -Be $slice.OplogEnd
    }

    It 'Backup-MongoOplog -Continuous on the cluster writes chained slices and stops when its duration ends' {
        Invoke-CrossShardTransaction -2 1002
        $slices = @(Backup-MongoOplog -ConnectionString $cluster.Uri -Repository $repository -Continuous -SliceInterval 1s -Duration 3s)
        $slices.Count | Should -BeGreaterOrEqual 1
        $slices | ForEach-Object { $_.Kind | Should -Be 'Oplog' }
        $script:lastSlice = $slices[-1]
        $window = Get-MongoRestoreWindow -Repository $repository
        @($window).Count | Should -Be 1
        $window.ToTimestamp | Should -Be $lastSlice.OplogEnd
    }

    It 'Backup-MongoOplog -WhatIf on the cluster says whether a slice would be written, and writes none' {
        $before = @(Get-MongoSnapshot -Repository $repository).Count
        (Backup-MongoOplog -ConnectionString $cluster.Uri -Repository $repository -WhatIf).Action | Should -Be 'Nothing'
        Invoke-CrossShardTransaction -3 1003
        $plan = Backup-MongoOplog -ConnectionString $cluster.Uri -Repository $repository -WhatIf
        $plan.Action | Should -Be 'Save oplog'
        $plan.Detail | Should -BeLike "*after $($lastSlice.OplogEnd)*"
        @(Get-MongoSnapshot -Repository $repository).Count | Should -Be $before
    }

    It 'Restore-MongoPointInTime to a moment between the two transactions holds the first and not the second' {
        $result = Restore-MongoPointInTime -ConnectionString $target.Uri -Repository $repository -ClusterTime $slice.OplogEnd -RenameDatabase @{ shop = 'shop_between' }
        $result.Succeeded | Should -BeTrue
        $ids = Get-RestoredIds 'shop_between'
        $ids | Should -Contain -1
        $ids | Should -Contain 1001
        $ids | Should -Not -Contain -2
        $ids | Should -Not -Contain 1002
        $ids.Count | Should -Be 102
    }

    It 'Restore-MongoPointInTime into a fresh sharded cluster (its mongos) to that moment holds the first, sharded on the source''s key' {
        $plan = @(Restore-MongoPointInTime -ConnectionString $shardedTarget.Uri -Repository $repository -ClusterTime $slice.OplogEnd -WhatIf -ErrorAction Stop)
        $plan.Count | Should -BeGreaterThan 0
        @(Get-DatabaseName $shardedTarget.Uri) | Should -Not -Contain 'shop'
        $result = Restore-MongoPointInTime -ConnectionString $shardedTarget.Uri -Repository $repository -ClusterTime $slice.OplogEnd
        $result.Succeeded | Should -BeTrue
        $result.SliceEntriesApplied | Should -BeGreaterThan 0
        $ids = Get-RestoredIds 'shop' $shardedTarget
        $ids | Should -Contain -1
        $ids | Should -Contain 1001
        $ids | Should -Not -Contain -2
        $ids | Should -Not -Contain 1002
        $ids.Count | Should -Be 102
        # config.collections' entry as shell JSON (it holds Timestamp and UUID values ConvertFrom-Json does not read).
        $sharded = @(Get-AllDocuments (Get-Collection $shardedTarget.Uri 'config' 'collections') | Where-Object { $_ -like '*"_id" : "shop.orders"*' })
        $sharded.Count | Should -Be 1
        $sharded[0] | Should -BeLike '*"key" : { "_id" : 1 }*'
    }

    It 'Restore-MongoPointInTime to the end of the window holds both' {
        $result = Restore-MongoPointInTime -ConnectionString $target.Uri -Repository $repository -ClusterTime $lastSlice.OplogEnd -RenameDatabase @{ shop = 'shop_end' }
        $result.Succeeded | Should -BeTrue
        (Get-RestoredIds 'shop_end').Count | Should -Be 104
    }

    It 'Restore-MongoPointInTime -PointInTime takes the wall time of the window''s end' {
        $window = Get-MongoRestoreWindow -Repository $repository
        $result = Restore-MongoPointInTime -ConnectionString $target.Uri -Repository $repository -PointInTime $window.To -RenameDatabase @{ shop = 'shop_wall' }
        $result.Succeeded | Should -BeTrue
        $ids = Get-RestoredIds 'shop_wall'
        $ids.Count | Should -Be 104
        $ids | Should -Not -Contain -3
    }

    It 'Test-MongoSnapshot checks each shard''s part of a cluster slice against what the slice records of that shard' {
        (Test-MongoSnapshot -Repository $repository -Id $slice.Id).Passed | Should -BeTrue
        (Test-MongoSnapshot -Repository $repository -Id $full.Id).Passed | Should -BeTrue
        Edit-SnapshotManifest $lastSlice.Path { param($m) $m.cluster.shards[1].oplogEntries += 1 }
        $tested = Test-MongoSnapshot -Repository $repository -Id $lastSlice.Id -ErrorAction SilentlyContinue
        $tested.Passed | Should -BeFalse
        $tested.Problems | Should -BeLike "*shard1/oplog.bson*"
    }
}
