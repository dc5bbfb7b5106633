# Backup-MongoDatabase given a mongos, end to end: the balancer refused, then stopped and started again with
# -StopBalancer; one snapshot of both shards; Restore-MongoDatabase of it into a replica set holds every document.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:cluster = Start-MongoTestServer -Sharded -Shards 2
    $script:target = Start-MongoTestServer
    $script:repository = New-TestFolder
    $script:mongos = [MongoDB.Driver.MongoClient]::new($cluster.Uri)
    function Invoke-Admin($command) {
        # The reply whole: a BsonDocument is enumerable, and PowerShell would unroll it into its elements.
        return , $mongos.GetDatabase('admin').RunCommand[MongoDB.Bson.BsonDocument]((New-BsonDocument $command), $null, [System.Threading.CancellationToken]::None)
    }
    Invoke-Admin ([ordered]@{ enableSharding = 'shop'; primaryShard = 'shard0' }) | Out-Null
    Invoke-Admin ([ordered]@{ shardCollection = 'shop.orders'; key = @{ customer = 1 } }) | Out-Null
    $orders = Get-Collection $cluster.Uri 'shop' 'orders'
    $orders.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..100) { New-BsonDocument ([ordered]@{ _id = $i; customer = $i; total = [double] $i }) }))
    (Get-Collection $cluster.Uri 'shop' 'notes').InsertOne((New-BsonDocument ([ordered]@{ _id = 'n1'; text = 'unsharded, on the primary shard' })))
    Invoke-Admin ([ordered]@{ split = 'shop.orders'; middle = @{ customer = 50 } }) | Out-Null
    # _waitForDelete: the donor's range deleter runs now, so the shards hold no orphans and the snapshot counts each document once.
    Invoke-Admin ([ordered]@{ moveChunk = 'shop.orders'; find = @{ customer = 50 }; to = 'shard1'; _waitForDelete = $true }) | Out-Null
    $script:balancerMode = { (Invoke-Admin @{ balancerStatus = 1 })['mode'].AsString }
}

AfterAll {
    $mongos.Dispose()
    Stop-MongoTestServer $cluster
    Stop-MongoTestServer $target
    Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Backup-MongoDatabase of a sharded cluster' {
    It 'refuses while the balancer runs, naming -StopBalancer, and writes nothing' {
        & $balancerMode | Should -Be 'full'
        { Backup-MongoDatabase -ConnectionString $cluster.Uri -Repository $repository -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.BalancerRunning,MongoBackup.PowerShell.Commands.BackupMongoDatabaseCommand' -ExpectedMessage '*-StopBalancer*'
        @(Get-MongoSnapshot -Repository $repository -WarningAction SilentlyContinue).Count | Should -Be 0
    }

    It 'with -StopBalancer takes one snapshot of both shards, consistent at one cluster time, and starts the balancer again' {
        $script:snapshot = Backup-MongoDatabase -ConnectionString $cluster.Uri -Repository $repository -StopBalancer
        & $balancerMode | Should -Be 'full'
        $snapshot.Topology | Should -Be 'Sharded'
        $snapshot.PointInTimeConsistent | Should -BeTrue
        $snapshot.Documents | Should -Be 101
        $snapshot.Databases | Should -Be @('shop')
        Test-Path (Join-Path $snapshot.Path 'shard0/shop/orders.bson.gz') | Should -BeTrue
        Test-Path (Join-Path $snapshot.Path 'shard1/oplog.bson') | Should -BeTrue
        $manifest = Get-Content (Join-Path $snapshot.Path 'manifest.json') -Raw | ConvertFrom-Json
        @($manifest.cluster.shards.name) | Should -Be @('shard0', 'shard1')
        ($manifest.cluster.clusterTime.timestamp | ConvertTo-Json -Compress) | Should -Be ($manifest.consistentAt.timestamp | ConvertTo-Json -Compress)
    }

    It 'restores into a replica set with every document, unsharded, under a new name' {
        $snapshot | Restore-MongoDatabase -ConnectionString $target.Uri -RenameDatabase @{ shop = 'shop_restored' } | Out-Null
        foreach ($name in 'orders', 'notes') {
            $source = @(Get-AllDocuments (Get-Collection $cluster.Uri 'shop' $name))
            $restored = @(Get-AllDocuments (Get-Collection $target.Uri 'shop_restored' $name))
            $restored | Should -Be $source -Because $name
        }
        @(Get-AllDocuments (Get-Collection $target.Uri 'shop_restored' 'orders')).Count | Should -Be 100
    }
}
