# Each cmdlet given a mongos, as a DBA trying the module on a sharded cluster meets it: Backup-MongoDatabase -WhatIf
# describes the cluster backup (shards, balancer, namespaces) and touches nothing; a cmdlet that does not take a cluster
# yet says so in its own words, with what to do instead (never "this command ... (Backup-MongoDatabase does)").
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:cluster = Start-MongoTestServer -Sharded -Shards 2
    $script:replicaSet = Start-MongoTestServer
    $script:repository = New-TestFolder
    Initialize-ShardedOrders $cluster.Uri
    $script:db = 'pester_cl_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    (Get-Collection $replicaSet.Uri $db 'orders').InsertOne((New-BsonDocument @{ _id = 1 }))
    $script:replicaSetRepository = New-TestFolder
    $script:replicaSetSnapshot = Backup-MongoDatabase -ConnectionString $replicaSet.Uri -Repository $replicaSetRepository -Database $db

    function Get-Refusal([scriptblock] $Command) {
        $failure = { & $Command } | Should -Throw -PassThru -ErrorId 'MongoBackup.ShardedClusterNotSupported,*'
        $failure.Exception.Message | Should -Not -BeLike '*Backup-MongoDatabase does)*'
        $failure.Exception.Message | Should -Not -BeLike "*each shard's replica set*"
        return $failure.Exception.Message
    }
}

AfterAll {
    Stop-MongoTestServer $cluster
    Stop-MongoTestServer $replicaSet
    Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Backup-MongoDatabase -WhatIf on a sharded cluster' {
    It 'with -StopBalancer lists the shards, says the balancer would be stopped, and stops nothing and writes nothing' {
        Get-BalancerMode $cluster.Uri | Should -Be 'full'
        $folder = Join-Path $repository 'not-yet'
        $plan = Backup-MongoDatabase -ConnectionString $cluster.Uri -Repository $folder -Database shop -StopBalancer -WhatIf -Verbose 4>&1
        $verbose = @($plan | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n"
        $steps = @($plan | Where-Object { $_ -is [MongoBackup.MongoPlannedAction] })
        $verbose | Should -BeLike '*2 shard(s): shard0 (replica set shard0 at *), shard1 (replica set shard1 at *)*'
        $steps[0].Action | Should -Be 'Stop balancer'
        $steps[0].WouldRun | Should -BeTrue
        $steps[0].Detail | Should -BeLike "*running (mode 'full')*stopped for the backup*started again*"
        @($steps | Where-Object Action -eq 'Back up' | ForEach-Object { "$($_.Source):$($_.Target)" }) | Should -Be @('shard0:shop.orders', 'shard1:shop.orders')
        Get-BalancerMode $cluster.Uri | Should -Be 'full'
        Test-Path $folder | Should -BeFalse
    }

    It 'plans a database that only one shard holds, and refuses one the cluster does not have, as the run does' {
        Invoke-Admin $cluster.Uri ([ordered]@{ enableSharding = 'crm'; primaryShard = 'shard1' }) | Out-Null
        (Get-Collection $cluster.Uri 'crm' 'contacts').InsertOne((New-BsonDocument @{ _id = 1 }))
        $plan = @(Backup-MongoDatabase -ConnectionString $cluster.Uri -Repository $repository -Database crm -StopBalancer -WhatIf)
        @($plan | Where-Object Action -eq 'Back up' | ForEach-Object { "$($_.Source):$($_.Target)" }) | Should -Be @('shard1:crm.contacts')
        { Backup-MongoDatabase -ConnectionString $cluster.Uri -Repository $repository -Database nosuchdb -StopBalancer -WhatIf } |
            Should -Throw -ErrorId 'MongoBackup.DatabaseNotFound,*'
    }

    It 'without -StopBalancer marks the balancer step as the refusal the run would give' {
        $plan = @(Backup-MongoDatabase -ConnectionString $cluster.Uri -Repository $repository -Database shop -WhatIf -WarningAction SilentlyContinue)
        $plan[0].Action | Should -Be 'Stop balancer'
        $plan[0].WouldRun | Should -BeFalse
        $plan[0].ErrorId | Should -Be 'MongoBackup.BalancerRunning'
        $plan[0].Problem | Should -BeLike '*-StopBalancer*'
    }

    It 'refuses a -ShardHostMap entry that reaches another shard, naming both replica sets' {
        $shard0 = ($cluster.Members | Where-Object Name -eq 'shard0').ConnectionString -replace '^mongodb://([^/]+)/.*$', '$1'
        $shard1 = ($cluster.Members | Where-Object Name -eq 'shard1').ConnectionString -replace '^mongodb://([^/]+)/.*$', '$1'
        { Backup-MongoDatabase -ConnectionString $cluster.Uri -Repository $repository -StopBalancer -ShardHostMap @{ $shard0 = $shard1 } -WhatIf } |
            Should -Throw -ErrorId 'MongoBackup.InvalidArgument,*' -ExpectedMessage "*Shard shard0 is replica set 'shard0'*replica set 'shard1'*'$shard0'*"
    }
}

Describe 'Backup-MongoDatabase refused by the cluster' {
    It 'leaves no empty repository folder where there was none (BalancerRunning)' {
        $folder = Join-Path $repository 'refused'
        { Backup-MongoDatabase -ConnectionString $cluster.Uri -Repository $folder -Database shop -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.BalancerRunning,*'
        Test-Path $folder | Should -BeFalse
    }
}

Describe 'A replica set''s snapshots into a sharded cluster' {
    It 'Restore-MongoDatabase plans it under -WhatIf writing nothing, then restores it through the mongos, unsharded' {
        $plan = @($replicaSetSnapshot | Restore-MongoDatabase -ConnectionString $cluster.Uri -WhatIf)
        @($plan | ForEach-Object Target) | Should -Contain "$db.orders"
        @(Get-DatabaseName $cluster.Uri) | Should -Not -Contain $db
        $result = $replicaSetSnapshot | Restore-MongoDatabase -ConnectionString $cluster.Uri
        $result.Succeeded | Should -BeTrue
        @(Get-AllDocuments (Get-Collection $cluster.Uri $db 'orders')) | Should -Be @(Get-AllDocuments (Get-Collection $replicaSet.Uri $db 'orders'))
    }

    It 'Restore-MongoPointInTime restores a replica set''s repository through the mongos' {
        $moment = $replicaSetSnapshot.ConsistentAtTimestamp
        $renamed = $db + '_pit'
        $result = Restore-MongoPointInTime -ConnectionString $cluster.Uri -Repository $replicaSetRepository -ClusterTime $moment -RenameDatabase @{ $db = $renamed } -Confirm:$false
        $result.Succeeded | Should -BeTrue
        Get-DocumentCount (Get-Collection $cluster.Uri $renamed 'orders') | Should -Be 1
    }
}

Describe 'A cmdlet that does not take a sharded cluster yet says so in its own words' {
    It 'Test-MongoSnapshot -ConnectionString a mongos points to a replica set, or testing the files alone' {
        Get-Refusal { $replicaSetSnapshot | Test-MongoSnapshot -ConnectionString $cluster.Uri -ErrorAction Stop } |
            Should -BeLike 'Test-MongoSnapshot -ConnectionString restores into scratch databases*without -ConnectionString*'
    }
}
