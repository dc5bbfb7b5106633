# Backup-MongoDatabase given a mongos, end to end: the balancer refused, then stopped and started again with
# -StopBalancer; one snapshot of both shards; Restore-MongoDatabase of it into a replica set holds every document.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:cluster = Start-MongoTestServer -Sharded -Shards 2
    $script:target = Start-MongoTestServer
    $script:repository = New-TestFolder
    Invoke-Admin $cluster.Uri ([ordered]@{ enableSharding = 'shop'; primaryShard = 'shard0' }) | Out-Null
    Invoke-Admin $cluster.Uri ([ordered]@{ shardCollection = 'shop.orders'; key = @{ customer = 1 } }) | Out-Null
    $orders = Get-Collection $cluster.Uri 'shop' 'orders'
    $orders.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..100) { New-BsonDocument ([ordered]@{ _id = $i; customer = $i; total = [double] $i }) }))
    (Get-Collection $cluster.Uri 'shop' 'notes').InsertOne((New-BsonDocument ([ordered]@{ _id = 'n1'; text = 'unsharded, on the primary shard' })))
    Invoke-Admin $cluster.Uri ([ordered]@{ split = 'shop.orders'; middle = @{ customer = 50 } }) | Out-Null
    # _waitForDelete: the donor's range deleter runs now, so the shards hold no orphans and the snapshot counts each document once.
    Invoke-Admin $cluster.Uri ([ordered]@{ moveChunk = 'shop.orders'; find = @{ customer = 50 }; to = 'shard1'; _waitForDelete = $true }) | Out-Null
}

AfterAll {
    Stop-MongoTestServer $cluster
    Stop-MongoTestServer $target
    Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Backup-MongoDatabase of a sharded cluster' {
    It 'refuses while the balancer runs, naming -StopBalancer, and writes nothing' {
        Get-BalancerMode $cluster.Uri | Should -Be 'full'
        { Backup-MongoDatabase -ConnectionString $cluster.Uri -Repository $repository -ErrorAction Stop -WarningAction SilentlyContinue } |
            Should -Throw -ErrorId 'MongoBackup.BalancerRunning,MongoBackup.PowerShell.Commands.BackupMongoDatabaseCommand' -ExpectedMessage '*-StopBalancer*'
        @(Get-MongoSnapshot -Repository $repository -WarningAction SilentlyContinue).Count | Should -Be 0
        $log = & { try { Backup-MongoDatabase -ConnectionString $cluster.Uri -Repository $repository -ErrorAction Stop } catch { "refused: $($_.FullyQualifiedErrorId)" } } 3>&1 | Out-String
        $log | Should -BeLike '*refused: MongoBackup.BalancerRunning*'
        $log | Should -Not -BeLike '*holds no snapshot yet*' -Because 'a refused backup starts no repository, so its log must not say it does'
    }

    It 'with -StopBalancer takes one snapshot of both shards, consistent at one cluster time, and starts the balancer again' {
        $script:snapshot = Backup-MongoDatabase -ConnectionString $cluster.Uri -Repository $repository -StopBalancer -WarningVariable started -WarningAction SilentlyContinue
        @($started | Where-Object { $_.Message -like "*$repository holds no snapshot yet: this backup starts a new repository there*" }).Count | Should -Be 1
        Get-BalancerMode $cluster.Uri | Should -Be 'full'
        $snapshot.Topology | Should -Be 'Sharded'
        $snapshot.PointInTimeConsistent | Should -BeTrue
        $snapshot.Documents | Should -Be 101
        $snapshot.Databases | Should -Be @('shop')
        Test-Path (Join-Path $snapshot.Path 'shard0/shop/orders.bson.zst') | Should -BeTrue
        Test-Path (Join-Path $snapshot.Path 'shard1/oplog.bson.zst') | Should -BeTrue
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

Describe 'The housekeeping cmdlets with a cluster snapshot' {
    BeforeAll {
        $script:snapshot = Get-MongoSnapshot -Repository $repository -Latest
    }

    It 'Get-MongoSnapshot shows it as a sharded cluster: the shard count in the table, each shard in the list' {
        $snapshot.Topology | Should -Be 'Sharded'
        @($snapshot.Shards.Name) | Should -Be @('shard0', 'shard1')
        ($snapshot.Shards | Measure-Object Documents -Sum).Sum | Should -Be 101
        $table = $snapshot | Format-Table | Out-String -Width 250
        $table | Should -Match 'Sharded, 2 shards:\s+shop'
        $list = $snapshot | Format-List | Out-String -Width 250
        $list | Should -Match 'Topology\s+: Sharded'
        $list | Should -Match 'Hosts\s+: \S+ \(mongos\)'
        $list | Should -Match 'shard0 \(replica set shard0 at [^)]+\): [\d,]+ documents'
        $list | Should -Match 'shard1 \(replica set shard1 at [^)]+\): [\d,]+ documents'
    }

    It 'Test-MongoSnapshot passes it, counting user documents only (not the config server metadata)' {
        $result = Test-MongoSnapshot -Repository $repository -Id $snapshot.Id
        $result.Passed | Should -BeTrue -Because ($result.Problems -join '; ')
        $result.Documents | Should -Be 101
        @($result.Files | Where-Object Path -Like "configsvr/*" | Where-Object ClusterMetadata).Count | Should -BeGreaterThan 0
        @($result.Files | Where-Object Path -Like 'shard1/oplog.bson.zst').Count | Should -Be 1
    }

    It 'Test-MongoSnapshot -ConnectionString restores into renamed scratch databases, compares every count and leaves the real names alone' {
        $kept = Get-Collection $target.Uri 'shop' 'orders'
        $kept.InsertOne((New-BsonDocument ([ordered]@{ _id = 'keep' })))
        $result = Test-MongoSnapshot -Repository $repository -Id $snapshot.Id -ConnectionString $target.Uri -Verbose 4>&1
        $verbose = @($result | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $result = $result | Where-Object { $_ -is [MongoBackup.MongoSnapshotTestResult] }
        $result.Passed | Should -BeTrue -Because ($result.Problems -join '; ')
        $result.RestoreChecked | Should -BeTrue
        @($result.RestoreCounts | ForEach-Object ToString) | Should -Be @('shop.notes: 1/1 documents', 'shop.orders: 100/100 documents')
        @($verbose | Where-Object { $_ -match 'into scratch databases shop__verify_[0-9a-f]{8} on ' }).Count | Should -Be 1
        @(Get-AllDocuments $kept).Count | Should -Be 1
        @(Get-DatabaseName $target.Uri | Where-Object { $_ -like '*__verify_*' }).Count | Should -Be 0
    }

    It 'Export-MongoSnapshot writes one dump of the cluster that Restore-MongoDatabase -Path restores whole' {
        $out = Join-Path (New-TestFolder) 'dump'
        $export = $snapshot | Export-MongoSnapshot -Path $out
        $export.Documents | Should -Be 101
        Test-Path (Join-Path $out 'shop/orders.bson') | Should -BeTrue
        Test-Path (Join-Path $out 'shard0') | Should -BeFalse
        Test-Path (Join-Path $out 'configsvr') | Should -BeFalse
        Restore-MongoDatabase -Path $out -ConnectionString $target.Uri -RenameDatabase @{ shop = 'shop_exported' } | Out-Null
        @(Get-AllDocuments (Get-Collection $target.Uri 'shop_exported' 'orders')) | Should -Be @(Get-AllDocuments (Get-Collection $cluster.Uri 'shop' 'orders'))
    }

    It 'Restore-MongoDatabase -NoOplogReplay warns that the shards are not at one cluster time' {
        $result = $snapshot | Restore-MongoDatabase -ConnectionString $target.Uri -RenameDatabase @{ shop = 'shop_noreplay' } -NoOplogReplay -WarningVariable warned -WarningAction SilentlyContinue
        $result.Succeeded | Should -BeTrue
        ($warned -join ' ') | Should -BeLike "*$($snapshot.Id)*not at one cluster time*cross-shard transaction can be partial*"
    }

    It 'Restore-MongoDatabase -Path of one shard folder warns that it is one shard of the cluster snapshot' {
        $result = Restore-MongoDatabase -Path (Join-Path $snapshot.Path 'shard1') -ConnectionString $target.Uri -RenameDatabase @{ shop = 'shop_oneshard' } -WarningVariable warned -WarningAction SilentlyContinue
        $result.Succeeded | Should -BeTrue
        ($warned -join ' ') | Should -BeLike "*one shard (shard1) of cluster snapshot $($snapshot.Id)*Restore-MongoDatabase -Path*"
    }

    It "Restore-MongoDatabase's result gives the documents inserted and those the collections hold after the replay" {
        $result = $snapshot | Restore-MongoDatabase -ConnectionString $target.Uri -RenameDatabase @{ shop = 'shop_counted' }
        $result.Documents | Should -Be 101
        $result.FinalDocuments | Should -Be 101
        ($result.Namespaces | Where-Object SourceNamespace -EQ 'shop.orders').FinalDocuments | Should -Be 100
        ($result | Format-Table | Out-String -Width 250) | Should -Match 'FinalDocuments'
    }

    It 'counts the users and roles it saved as a replica set''s snapshot counts them, and as Test-MongoSnapshot does' {
        # breaker finding: Backup-MongoDatabase -IncludeUsersAndRoles showed Documents 101 where Test-MongoSnapshot said 103
        # (the user and the auth schema on the config servers, which a replica set's snapshot counts in both).
        $config = ($cluster.Members | Where-Object Role -EQ 'config' | Select-Object -First 1).ConnectionString
        Invoke-Admin $config ([ordered]@{ createUser = 'auditor'; pwd = 'an auditor''s password'; roles = @() }) | Out-Null
        try {
            $withUsers = Backup-MongoDatabase -ConnectionString $cluster.Uri -Repository (New-TestFolder) -StopBalancer -IncludeUsersAndRoles -WarningAction SilentlyContinue
            $tested = Test-MongoSnapshot -InputObject $withUsers
            $tested.Passed | Should -BeTrue -Because ($tested.Problems -join '; ')
            $withUsers.Documents | Should -Be $tested.Documents
            $withUsers.Documents | Should -BeGreaterThan 101
            $withUsers.Databases | Should -Contain 'admin'
            (Get-MongoSnapshot -Repository $withUsers.Repository -Id $withUsers.Id).Documents | Should -Be $tested.Documents
        }
        finally { Invoke-Admin $config ([ordered]@{ dropUser = 'auditor' }) | Out-Null }
    }
}

Describe 'A cluster oplog slice in Format-List' {
    It 'shows each shard''s oplog entries, without the "0 collections, 0 documents" a slice never holds' {
        (Get-Collection $cluster.Uri 'shop' 'notes').InsertOne((New-BsonDocument ([ordered]@{ _id = 'n2' })))
        $slice = Backup-MongoOplog -ConnectionString $cluster.Uri -Repository $repository
        $list = $slice | Format-List | Out-String -Width 250
        $list | Should -Match 'shard0 \(replica set shard0 at [^)]+\): [\d,]+ oplog entr(y|ies) to Timestamp\(' -Because $list
        $list | Should -Match 'shard1 \(replica set shard1 at [^)]+\): [\d,]+ oplog entr(y|ies) to Timestamp\(' -Because $list
        $list | Should -Not -Match 'shard\d \([^)]*\): [^\r\n]*(collections|documents)' -Because $list
    }
}

Describe "A cluster's admin collections in Restore-MongoDatabase -WhatIf" {
    # admin's own collections live on a cluster's config servers (written through the mongos); a cluster backup reads
    # them there (configsvr/admin) and the dry run of its restore lists them as it lists the shards' namespaces.
    It 'lists admin.appdata as a row of the plan, renamed as the run would write it, and writes nothing' {
        (Get-Collection $cluster.Uri 'admin' 'appdata').InsertOne((New-BsonDocument ([ordered]@{ _id = 1; key = 'setting' })))
        $adminRepository = New-TestFolder
        $adminSnapshot = Backup-MongoDatabase -ConnectionString $cluster.Uri -Repository $adminRepository -Database admin -StopBalancer -WarningAction SilentlyContinue
        Test-Path (Join-Path $adminSnapshot.Path 'configsvr/admin/appdata.bson.zst') | Should -BeTrue

        $plan = @($adminSnapshot | Restore-MongoDatabase -ConnectionString $target.Uri -RenameDatabase @{ admin = 'admin_app' } -WhatIf -WarningAction SilentlyContinue)

        $row = @($plan | Where-Object Target -EQ 'admin_app.appdata')
        $row.Count | Should -Be 1
        $row[0].Source | Should -Be 'admin.appdata'
        $row[0].WouldRun | Should -BeTrue
        $row[0].ErrorId | Should -BeNullOrEmpty
        Get-DatabaseName $target.Uri | Should -Not -Contain 'admin_app'
    }
}
