# Breaker tests: two replica sets of the same name (production and staging are both initiated as rs0, MongoDB's and
# every tutorial's default) backed up into one repository. Slices check the set's identity (replicaSetId, ChainContinuity)
# but a full snapshot of the other set is taken into the chain without a word, and restore windows tell sources apart by
# the set's name alone (SnapshotCatalog.SameSource), so a point-in-time restore can be based on the other set's full
# snapshot and replay this set's slices over it: the restore mixes two deployments' data and reports success.
# MongoDB: a replica set's identity is its replicaSetId (replSetGetConfig's settings.replicaSetId, chosen at
# replSetInitiate: src/mongo/db/repl/repl_set_config.cpp), not its name; an oplog only continues the data of its own set.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:production = Start-MongoTestServer
    $script:staging = Start-MongoTestServer
    $script:repository = New-TestFolder
    $script:none = [System.Threading.CancellationToken]::None
    $script:suffix = [guid]::NewGuid().ToString('N').Substring(0, 6)
    $script:db = "shop_$suffix"

    function Add-Order([string] $Uri, [int] $Id, [string] $Site) {
        (Get-Collection $Uri $db 'orders').InsertOne((New-BsonDocument @{ _id = $Id; site = $Site }), $null, $none)
    }

    # Production: a full snapshot and a slice. Staging, a set of the same name: one full snapshot into the same
    # repository, a second after that slice. Production again: a write a second later and its next slice.
    Add-Order $production.Uri 1 'production'
    $script:productionFull = Backup-MongoDatabase -ConnectionString $production.Uri -Repository $repository -Database $db -WarningAction SilentlyContinue
    Add-Order $production.Uri 2 'production'
    $first = Backup-MongoOplog -ConnectionString $production.Uri -Repository $repository
    Wait-ServerClockPast $staging.Uri $first.ConsistentAt.UtcDateTime.AddSeconds(1)
    Add-Order $staging.Uri 100 'staging'
    $script:stagingFull = Backup-MongoDatabase -ConnectionString $staging.Uri -Repository $repository -Database $db -WarningAction SilentlyContinue
    Wait-ServerClockPast $production.Uri $stagingFull.ConsistentAt.UtcDateTime.AddSeconds(1)
    Add-Order $production.Uri 3 'production'
    $script:second = Backup-MongoOplog -ConnectionString $production.Uri -Repository $repository
}

AfterAll {
    Stop-MongoTestServer $staging
    Remove-TestRun -Uri $production.Uri -Suffix $suffix -Server $production -Repository $repository
}

Describe 'Restore-MongoPointInTime in a repository that also holds a full snapshot of another replica set of the same name' {
    It 'restores production as it was at the end of its last slice, never staging''s data under production''s writes' {
        $stagingFull.ReplicaSetName | Should -Be $productionFull.ReplicaSetName
        $caught = $null; $result = $null
        try {
            $result = Restore-MongoPointInTime -ConnectionString $production.Uri -Repository $repository -ClusterTime $second.OplogEnd `
                -RenameDatabase "$db=$($db)_pitr" -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue
        }
        catch { $caught = $_ }

        if ($caught) {
            # Refused: it names the other set's snapshot, and nothing was written.
            $caught.Exception.Message | Should -BeLike "*$($stagingFull.Id)*"
            Get-DatabaseName $production.Uri | Should -Not -Contain "$($db)_pitr"
        }
        else {
            $sites = Get-AllDocuments (Get-Collection $production.Uri "$($db)_pitr" 'orders')
            $sites | Should -Be @('{ "_id" : 1, "site" : "production" }', '{ "_id" : 2, "site" : "production" }', '{ "_id" : 3, "site" : "production" }')
            $result.BaseSnapshotId | Should -Be $productionFull.Id -Because 'a restore of production is based on production''s full snapshot'
        }
    }

    It 'Get-MongoRestoreWindow names production''s full snapshot as the base of production''s window' {
        $windows = @(Get-MongoRestoreWindow -Repository $repository)
        $covering = $windows | Where-Object { $_.SliceIds -contains $second.Id }
        $covering | Should -Not -BeNullOrEmpty
        $covering.BaseSnapshotId | Should -Not -Contain $stagingFull.Id
    }
}
