# Invoke-MongoBackupPolicy given a mongos, as a scheduler runs it: a full cluster backup when due (the balancer stopped
# for it with -StopBalancer and started again; refused while it runs without), a cluster slice between fulls whatever
# the balancer does, nothing when no shard wrote, and a point-in-time restore through what the policy wrote.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:cluster = Start-MongoTestServer -Sharded -Shards 2
    $script:target = Start-MongoTestServer
    $script:repository = Join-Path (New-TestFolder) 'cluster-policy'
    Initialize-ShardedOrders $cluster.Uri
    $script:orders = Get-Collection $cluster.Uri 'shop' 'orders'
    function Add-Orders([int] $low, [int] $high) {
        $orders.InsertMany([MongoDB.Bson.BsonDocument[]] @((New-BsonDocument ([ordered]@{ _id = $low; qty = 1 })), (New-BsonDocument ([ordered]@{ _id = $high; qty = 1 }))))
    }
}

AfterAll {
    Stop-MongoTestServer $cluster
    Stop-MongoTestServer $target
    Remove-Item (Split-Path $repository) -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Invoke-MongoBackupPolicy on a sharded cluster' {
    It 'refuses a due full while the balancer runs without -StopBalancer, and writes no snapshot' {
        Get-BalancerMode $cluster.Uri | Should -Be 'full'
        { Invoke-MongoBackupPolicy -ConnectionString $cluster.Uri -Repository $repository -FullEvery 1d -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.BalancerRunning,*'
        @(Get-ChildItem $repository -Directory -ErrorAction SilentlyContinue | Where-Object Name -NotLike '.*').Count | Should -Be 0
    }

    It '-WhatIf says a full cluster backup is due, refused without -StopBalancer as the run is, and writes nothing' {
        $plan = Invoke-MongoBackupPolicy -ConnectionString $cluster.Uri -Repository $repository -FullEvery 1d -StopBalancer -WhatIf
        $plan.Action | Should -Be 'Full'
        $plan.WouldRun | Should -BeTrue
        $plan.Detail | Should -BeLike '*no complete full snapshot*the sharded cluster*'
        $refused = Invoke-MongoBackupPolicy -ConnectionString $cluster.Uri -Repository $repository -FullEvery 1d -WhatIf -WarningAction SilentlyContinue
        $refused.Action | Should -Be 'Full'
        $refused.WouldRun | Should -BeFalse
        $refused.ErrorId | Should -Be 'MongoBackup.BalancerRunning'
        Get-BalancerMode $cluster.Uri | Should -Be 'full'
        @(Get-MongoSnapshot -Repository $repository -ErrorAction SilentlyContinue).Count | Should -Be 0
    }

    It 'with -StopBalancer takes the full cluster backup and starts the balancer again' {
        $script:full = Invoke-MongoBackupPolicy -ConnectionString $cluster.Uri -Repository $repository -FullEvery 1d -StopBalancer
        $full.Action | Should -Be 'Full'
        $full.Snapshot.Topology | Should -Be 'Sharded'
        Get-BalancerMode $cluster.Uri | Should -Be 'full'
    }

    It 'then takes a slice of every shard while the balancer runs, and nothing when no shard wrote' {
        Add-Orders -1 1001
        $script:slice = Invoke-MongoBackupPolicy -ConnectionString $cluster.Uri -Repository $repository -FullEvery 1d -StopBalancer
        $slice.Action | Should -Be 'Slice'
        $slice.Snapshot.Kind | Should -Be 'Oplog'
        $slice.Snapshot.Topology | Should -Be 'Sharded'
        $manifest = Get-Content (Join-Path $slice.Snapshot.Path 'manifest.json') -Raw | ConvertFrom-Json
        @($manifest.cluster.shards | Where-Object oplogEntries -gt 0).Count | Should -Be 2
        Get-BalancerMode $cluster.Uri | Should -Be 'full'
        (Invoke-MongoBackupPolicy -ConnectionString $cluster.Uri -Repository $repository -FullEvery 1d -StopBalancer).Action | Should -Be 'Nothing'
    }

    It 'what it wrote restores to the slice''s cut' {
        $result = Restore-MongoPointInTime -ConnectionString $target.Uri -Repository $repository -ClusterTime $slice.Snapshot.OplogEnd -RenameDatabase @{ shop = 'shop_policy' }
        $result.Succeeded | Should -BeTrue
        $ids = Get-OrderIds $target.Uri 'shop_policy'
        $ids.Count | Should -Be 102
        $ids | Should -Contain -1
        $ids | Should -Contain 1001
    }
}
