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
    Remove-Item $shared -Recurse -Force -ErrorAction SilentlyContinue
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

# Both sets backed up into one repository as each one's schedule would: a full backup and slices of each, interleaved.
# Each set's slices continue its own full snapshot (the second set's were refused with NoBaseSnapshot, or chained on the
# first set's end); a moment both sets' windows reach is restored only once the user names the source.
Describe 'Two replica sets of the same name, each with full backups and oplog slices, in one repository' {
    BeforeAll {
        $script:shared = New-TestFolder
        $script:app = "app_$suffix"
        function Add-Item([string] $Uri, [int] $Id, [string] $Site) {
            (Get-Collection $Uri $app 'items').InsertOne((New-BsonDocument @{ _id = $Id; site = $Site }), $null, $none)
        }
        Add-Item $production.Uri 1 'production'
        $script:pFull = Backup-MongoDatabase -ConnectionString $production.Uri -Repository $shared -Database $app -WarningAction SilentlyContinue
        Add-Item $production.Uri 2 'production'
        $script:pFirst = Backup-MongoOplog -ConnectionString $production.Uri -Repository $shared
        Wait-ServerClockPast $staging.Uri $pFirst.ConsistentAt.UtcDateTime.AddSeconds(1)
        Add-Item $staging.Uri 100 'staging'
        $script:sFull = Backup-MongoDatabase -ConnectionString $staging.Uri -Repository $shared -Database $app -WarningAction SilentlyContinue
        Add-Item $staging.Uri 101 'staging'
        $script:sFirst = Backup-MongoOplog -ConnectionString $staging.Uri -Repository $shared
        Wait-ServerClockPast $production.Uri $sFirst.ConsistentAt.UtcDateTime.AddSeconds(1)
        Add-Item $production.Uri 3 'production'
        $script:pSecond = Backup-MongoOplog -ConnectionString $production.Uri -Repository $shared
        Add-Item $staging.Uri 102 'staging'
        $script:sSecond = Backup-MongoOplog -ConnectionString $staging.Uri -Repository $shared

        function Restore-Sites([string] $Target, [string] $SourceId) {
            Restore-MongoPointInTime -ConnectionString $production.Uri -Repository $shared -ClusterTime $sFirst.OplogEnd -SourceId $SourceId `
                -RenameDatabase "$app=$Target" -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue | Out-Null
            Get-AllDocuments (Get-Collection $production.Uri $Target 'items')
        }
    }

    It 'Backup-MongoOplog continues each set''s own chain: the staging slices start at staging''s full snapshot' {
        $sFull.SourceId | Should -Not -Be $pFull.SourceId
        $sFirst.SourceId | Should -Be $sFull.SourceId
        $sFirst.PreviousSliceEnd | Should -Be $sFull.ConsistentAtTimestamp
        $sSecond.PreviousSliceEnd | Should -Be $sFirst.OplogEnd
        $pSecond.PreviousSliceEnd | Should -Be $pFirst.OplogEnd
        "$($sFirst.Gap)$($sSecond.Gap)$($pSecond.Gap)" | Should -BeNullOrEmpty
    }

    It 'Get-MongoRestoreWindow lists a window for each set, each on its own full snapshot and slices' {
        $windows = @(Get-MongoRestoreWindow -Repository $shared)
        $windows.Count | Should -Be 2
        $p = $windows | Where-Object SourceId -eq $pFull.SourceId
        $p.BaseSnapshotId | Should -Be $pFull.Id
        $p.SliceIds | Should -Be @($pFirst.Id, $pSecond.Id)
        $s = $windows | Where-Object SourceId -eq $sFull.SourceId
        $s.BaseSnapshotId | Should -Be $sFull.Id
        $s.SliceIds | Should -Be @($sFirst.Id, $sSecond.Id)
    }

    It 'Restore-MongoPointInTime to a moment both windows reach refuses without -SourceId, naming both sources, and writes nothing' {
        $caught = $null
        try {
            Restore-MongoPointInTime -ConnectionString $production.Uri -Repository $shared -ClusterTime $sFirst.OplogEnd `
                -RenameDatabase "$app=$($app)_either" -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue
        }
        catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.InvalidArgument,*'
        $caught.Exception.Message | Should -BeLike "*SourceId $($pFull.SourceId): base snapshot $($pFull.Id)*"
        $caught.Exception.Message | Should -BeLike "*SourceId $($sFull.SourceId): base snapshot $($sFull.Id)*"
        $caught.Exception.Message | Should -BeLike '*Name it with -SourceId*'
        Get-DatabaseName $production.Uri | Should -Not -Contain "$($app)_either"
    }

    It 'Restore-MongoPointInTime -SourceId restores the named set as of that moment, never the other''s writes' {
        Restore-Sites "$($app)_staging" $sFull.SourceId |
            Should -Be @('{ "_id" : 100, "site" : "staging" }', '{ "_id" : 101, "site" : "staging" }')
        Restore-Sites "$($app)_production" $pFull.SourceId |
            Should -Be @('{ "_id" : 1, "site" : "production" }', '{ "_id" : 2, "site" : "production" }')
    }

    It 'Restore-MongoPointInTime -SourceId completes with both sets'' ids and refuses an id no snapshot recorded' {
        $line = "Restore-MongoPointInTime -Repository '$shared' -SourceId "
        $offered = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $offered | Sort-Object | Should -Be (@($pFull.SourceId, $sFull.SourceId) | Sort-Object)
        $caught = $null
        try {
            Restore-MongoPointInTime -ConnectionString $production.Uri -Repository $shared -ClusterTime $sFirst.OplogEnd -SourceId '000000000000000000000000' `
                -RenameDatabase "$app=$($app)_none" -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue
        }
        catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.InvalidArgument,*'
        $caught.Exception.Message | Should -BeLike "*-SourceId 000000000000000000000000: no snapshot in * was taken from a source of that id*$($pFull.SourceId)*"
    }

    It 'the list views show SourceId, which the -SourceId refusal tells the user to read there' {
        $list = Get-MongoRestoreWindow -Repository $shared | Format-List | Out-String -Width 250
        $list | Should -Match $pFull.SourceId
        $list | Should -Match $sFull.SourceId
        Get-MongoRestoreWindow -Repository $shared | Format-List | Out-String -Width 250 | Should -Match "SourceId\s+: $($sFull.SourceId)"
        Get-MongoSnapshot -Repository $shared -Id $sFull.Id | Format-List | Out-String -Width 250 | Should -Match "SourceId\s+: $($sFull.SourceId)"
    }

    It 'Get-MongoSnapshot and Get-MongoRestoreWindow -SourceId list only that source''s snapshots and windows' {
        (Get-MongoSnapshot -Repository $shared -SourceId $sFull.SourceId).Id | Sort-Object | Should -Be (@($sFull.Id, $sFirst.Id, $sSecond.Id) | Sort-Object)
        (Get-MongoRestoreWindow -Repository $shared -SourceId $pFull.SourceId).BaseSnapshotId | Should -Be $pFull.Id
        $line = "Get-MongoSnapshot -Repository '$shared' -SourceId "
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Sort-Object |
            Should -Be (@($pFull.SourceId, $sFull.SourceId) | Sort-Object)
    }

    It 'Get-MongoSnapshot -Latest warns that another source of the same name has full snapshots, and -SourceId picks one' {
        $latest = Get-MongoSnapshot -Repository $shared -Latest -WarningVariable warned -WarningAction SilentlyContinue
        $latest.Id | Should -Be $sFull.Id
        "$warned" | Should -BeLike "*-Latest returned $($sFull.Id) of replica set '$($sFull.ReplicaSetName)'*another source of that name: SourceId $($pFull.SourceId) (newest $($pFull.Id))*-SourceId*"
        $own = Get-MongoSnapshot -Repository $shared -Latest -SourceId $pFull.SourceId -WarningVariable quiet -WarningAction SilentlyContinue
        $own.Id | Should -Be $pFull.Id
        $quiet | Should -BeNullOrEmpty
    }

    It 'Restore-MongoPointInTime -SourceId says in its result which source it restored' {
        $result = Restore-MongoPointInTime -ConnectionString $production.Uri -Repository $shared -ClusterTime $sFirst.OplogEnd -SourceId $sFull.SourceId `
            -RenameDatabase "$app=$($app)_which" -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue
        $result.SourceId | Should -Be $sFull.SourceId
        $result | Format-List | Out-String -Width 250 | Should -Match "SourceId\s+: $($sFull.SourceId)"
    }
}

# Production's snapshots recorded no replicaSetId (a backup user without replSetGetConfig, or production's backup host
# still on an older MongoBackup); staging's did. Timestamps of two sets say nothing about continuity: only the chain
# links slices record (each slice's previous end) join an id-less snapshot to a source (SnapshotSources.Group).
Describe 'Two replica sets of the same name where one set''s snapshots recorded no replicaSetId' {
    BeforeAll {
        $script:mixRepository = New-TestFolder
        $script:mixDb = "mix_$suffix"
        function Add-Item([string] $Uri, [int] $Id, [string] $Site) { (Get-Collection $Uri $mixDb 'items').InsertOne((New-BsonDocument @{ _id = $Id; site = $Site }), $null, $none) }
        function Remove-SourceId([string] $Id) { Edit-SnapshotManifest -SnapshotPath (Join-Path $mixRepository $Id) -Edit { param($m) $m.source.Remove('replicaSetId') } }
        Add-Item $production.Uri 1 'production'
        $script:mixProductionFull = Backup-MongoDatabase -ConnectionString $production.Uri -Repository $mixRepository -Database $mixDb -WarningAction SilentlyContinue
        Remove-SourceId $mixProductionFull.Id
        Add-Item $production.Uri 2 'production'
        $first = Backup-MongoOplog -ConnectionString $production.Uri -Repository $mixRepository; Remove-SourceId $first.Id
        Wait-ServerClockPast $staging.Uri $first.ConsistentAt.UtcDateTime.AddSeconds(1)
        Add-Item $staging.Uri 100 'staging'
        $script:mixStagingFull = Backup-MongoDatabase -ConnectionString $staging.Uri -Repository $mixRepository -Database $mixDb -WarningAction SilentlyContinue
        Wait-ServerClockPast $production.Uri $mixStagingFull.ConsistentAt.UtcDateTime.AddSeconds(1)
        Add-Item $production.Uri 3 'production'
        $script:mixSecond = Backup-MongoOplog -ConnectionString $production.Uri -Repository $mixRepository; Remove-SourceId $mixSecond.Id
    }
    AfterAll { Remove-Item $mixRepository -Recurse -Force -ErrorAction SilentlyContinue }

    It 'Restore-MongoPointInTime restores production''s data through its own linked chain, never staging''s full snapshot under production''s slices' {
        $result = Restore-MongoPointInTime -ConnectionString $production.Uri -Repository $mixRepository -ClusterTime $mixSecond.OplogEnd `
            -RenameDatabase "$mixDb=$($mixDb)_r" -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue
        $result.Succeeded | Should -BeTrue
        $result.BaseSnapshotId | Should -Be $mixProductionFull.Id -Because "production's slices continue production's full snapshot, not staging's"
        Get-AllDocuments (Get-Collection $production.Uri "$($mixDb)_r" 'items') |
            Should -Be @('{ "_id" : 1, "site" : "production" }', '{ "_id" : 2, "site" : "production" }', '{ "_id" : 3, "site" : "production" }')
    }

    It 'Get-MongoRestoreWindow labels production''s window with a SourceId made of its set''s name and oldest snapshot, and staging''s with staging''s' {
        $windows = @(Get-MongoRestoreWindow -Repository $mixRepository)
        $productionWindow = $windows | Where-Object { $_.BaseSnapshotId -eq $mixProductionFull.Id }
        $productionWindow.SourceId | Should -Be "$($mixProductionFull.ReplicaSetName):$($mixProductionFull.Id)" -Because 'production recorded no id, and staging''s id is not its'
        $productionWindow.ToTimestamp | Should -Be $mixSecond.OplogEnd
        ($windows | Where-Object { $_.BaseSnapshotId -eq $mixStagingFull.Id }).SourceId | Should -Be $mixStagingFull.SourceId
    }

    It 'Get-MongoSnapshot shows that SourceId on each of production''s snapshots, even read by -Id, and -SourceId lists them' {
        $made = "$($mixProductionFull.ReplicaSetName):$($mixProductionFull.Id)"
        (Get-MongoSnapshot -Repository $mixRepository -Id $mixSecond.Id).SourceId | Should -Be $made
        Get-MongoSnapshot -Repository $mixRepository -Id $mixSecond.Id | Format-List | Out-String -Width 250 | Should -Match "SourceId\s+: $([regex]::Escape($made))"
        $listed = @(Get-MongoSnapshot -Repository $mixRepository -SourceId $made)
        $listed.Id | Should -Contain $mixProductionFull.Id
        $listed.Id | Should -Contain $mixSecond.Id
        $listed.Id | Should -Not -Contain $mixStagingFull.Id
        (Get-MongoRestoreWindow -Repository $mixRepository -SourceId $made).BaseSnapshotId | Should -Be $mixProductionFull.Id
    }

    It '-SourceId completes with production''s made SourceId beside staging''s recorded one' {
        $line = "Restore-MongoPointInTime -Repository '$mixRepository' -SourceId "
        $offered = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches
        $offered.CompletionText | Sort-Object | Should -Be (@("$($mixProductionFull.ReplicaSetName):$($mixProductionFull.Id)", $mixStagingFull.SourceId) | Sort-Object)
        ($offered | Where-Object CompletionText -like '*:*').ToolTip | Should -BeLike "*SourceId $($mixProductionFull.ReplicaSetName):$($mixProductionFull.Id) (recorded no replicaSetId)*"
    }

    It 'Restore-MongoPointInTime -SourceId with the made id restores production''s chain' {
        $made = "$($mixProductionFull.ReplicaSetName):$($mixProductionFull.Id)"
        $result = Restore-MongoPointInTime -ConnectionString $production.Uri -Repository $mixRepository -ClusterTime $mixSecond.OplogEnd -SourceId $made `
            -RenameDatabase "$mixDb=$($mixDb)_made" -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue
        $result.SourceId | Should -Be $made
        $result.BaseSnapshotId | Should -Be $mixProductionFull.Id
        (Get-AllDocuments (Get-Collection $production.Uri "$($mixDb)_made" 'items')).Count | Should -Be 3
    }

    It 'Invoke-MongoSnapshotRetention -WhatIf warns that production''s id-less snapshots are a source of their own, naming its SourceId and how to remove them' {
        $made = "$($mixProductionFull.ReplicaSetName):$($mixProductionFull.Id)"
        $plan = @(Invoke-MongoSnapshotRetention -Repository $mixRepository -KeepLast 1 -WhatIf -WarningVariable warned -WarningAction SilentlyContinue)
        ($plan | Where-Object Target -eq $mixProductionFull.Id).Action | Should -Be 'Keep'
        "$warned" | Should -BeLike "*recorded no replicaSetId*a source of their own, SourceId $made*Get-MongoSnapshot -SourceId $made | Remove-MongoSnapshot*"
    }

    It 'Backup-MongoOplog from staging continues staging''s own full snapshot, not production''s id-less chain' {
        Add-Item $staging.Uri 101 'staging'
        $slice = Backup-MongoOplog -ConnectionString $staging.Uri -Repository $mixRepository -ErrorAction Stop -WarningAction SilentlyContinue
        $slice.PreviousSliceEnd | Should -Be $mixStagingFull.ConsistentAtTimestamp
    }

    # Last in this Describe: it removes production's full snapshot.
    It 'a made SourceId whose oldest snapshot was removed is refused naming the source''s SourceId now, not matched to nothing' {
        $made = "$($mixProductionFull.ReplicaSetName):$($mixProductionFull.Id)"
        Remove-MongoSnapshot -Repository $mixRepository -Id $mixProductionFull.Id -Force -Confirm:$false -WarningAction SilentlyContinue
        $now = (Get-MongoSnapshot -Repository $mixRepository -Id $mixSecond.Id).SourceId
        $now | Should -Not -Be $made

        foreach ($command in @(
                { Get-MongoRestoreWindow -Repository $mixRepository -SourceId $made -ErrorAction Stop },
                { Get-MongoSnapshot -Repository $mixRepository -SourceId $made -ErrorAction Stop },
                { Restore-MongoPointInTime -ConnectionString $production.Uri -Repository $mixRepository -ClusterTime $mixSecond.OplogEnd -SourceId $made `
                    -RenameDatabase "$mixDb=$($mixDb)_moved" -Confirm:$false -ErrorAction Stop })) {
            $failure = $command | Should -Throw -PassThru -ErrorId 'MongoBackup.InvalidArgument,*'
            $failure.Exception.Message | Should -BeLike "*-SourceId $made names a source that recorded no id by its oldest snapshot*snapshot $($mixProductionFull.Id) is no longer there*is now SourceId $now*"
        }
        @(Get-MongoSnapshot -Repository $mixRepository -SourceId $now).Id | Should -Contain $mixSecond.Id
    }
}

Describe 'Invoke-MongoBackupPolicy of a set beside a full snapshot of another set of that name that recorded no replicaSetId' {
    It 'takes the set''s first full backup, since the other set''s slice claims the id-less full snapshot' {
        $repo = New-TestFolder
        try {
            $legacy = "legacy_$suffix"
            (Get-Collection $staging.Uri $legacy 'c').InsertOne((New-BsonDocument @{ _id = 100 }), $null, $none)
            (Get-Collection $production.Uri $legacy 'c').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
            $old = Backup-MongoDatabase -ConnectionString $production.Uri -Repository $repo -Database $legacy -WarningAction SilentlyContinue
            Edit-SnapshotManifest -SnapshotPath (Join-Path $repo $old.Id) -Edit { param($m) $m.source.Remove('replicaSetId') }
            (Get-Collection $production.Uri $legacy 'c').InsertOne((New-BsonDocument @{ _id = 2 }), $null, $none)
            Backup-MongoOplog -ConnectionString $production.Uri -Repository $repo | Out-Null

            $run = Invoke-MongoBackupPolicy -ConnectionString $staging.Uri -Repository $repo -FullEvery (New-TimeSpan -Days 1) -Database $legacy -KeepLast 3 `
                -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue
            $run.Action | Should -Be 'Full'
            (Get-Collection $staging.Uri $legacy 'c').InsertOne((New-BsonDocument @{ _id = 101 }), $null, $none)
            $run = Invoke-MongoBackupPolicy -ConnectionString $staging.Uri -Repository $repo -FullEvery (New-TimeSpan -Days 1) -Database $legacy -KeepLast 3 `
                -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue
            $run.Action | Should -Be 'Slice' -Because 'the next run continues staging''s own full snapshot'
        }
        finally { Remove-Item $repo -Recurse -Force -ErrorAction SilentlyContinue }
    }
}

# Each set encrypts its backups under its own key (production's key file on production's backup host, staging's on
# staging's). Production's full snapshot recorded no replicaSetId; a slice's key is judged against its own set's chain
# (SliceChainEnd.ChainOf), never against the other set's snapshots, and a wrong key is refused naming the set whose chain it is.
Describe 'Two replica sets of the same name, each encrypting under its own key, in one repository' {
    BeforeAll {
        $script:keyedRepository = New-TestFolder
        $script:keyedDb = "keyed_$suffix"
        function New-KeyFile {
            $file = Join-Path (New-TestFolder) 'key.hex'
            Set-Content $file ([Convert]::ToHexString([System.Security.Cryptography.RandomNumberGenerator]::GetBytes(32)))
            if (-not $IsWindows) { chmod 600 $file }
            $file
        }
        $script:productionKey = New-KeyFile
        $script:stagingKey = New-KeyFile
        function Add-Item([string] $Uri, [int] $Id) { (Get-Collection $Uri $keyedDb 'items').InsertOne((New-BsonDocument @{ _id = $Id }), $null, $none) }
        function Get-Refusal([scriptblock] $Command) { try { & $Command | Out-Null; $null } catch { $_ } }

        Add-Item $staging.Uri 100
        $script:keyedStagingFull = Backup-MongoDatabase -ConnectionString $staging.Uri -Repository $keyedRepository -Database $keyedDb -EncryptionKeyFile $stagingKey -WarningAction SilentlyContinue
        Wait-ServerClockPast $production.Uri $keyedStagingFull.ConsistentAt.UtcDateTime.AddSeconds(1)
        Add-Item $production.Uri 1
        $script:keyedProductionFull = Backup-MongoDatabase -ConnectionString $production.Uri -Repository $keyedRepository -Database $keyedDb -EncryptionKeyFile $productionKey -WarningAction SilentlyContinue
        Edit-SnapshotManifest -SnapshotPath (Join-Path $keyedRepository $keyedProductionFull.Id) -Edit { param($m) $m.source.Remove('replicaSetId') }
        Add-Item $staging.Uri 101
        Add-Item $production.Uri 2
    }
    AfterAll { Remove-Item $keyedRepository -Recurse -Force -ErrorAction SilentlyContinue }

    It 'Backup-MongoOplog of staging under staging''s key continues staging''s full snapshot, though production''s newer full is under another key' {
        $slice = Backup-MongoOplog -ConnectionString $staging.Uri -Repository $keyedRepository -EncryptionKeyFile $stagingKey -ErrorAction Stop -WarningAction SilentlyContinue
        $slice.PreviousSliceEnd | Should -Be $keyedStagingFull.ConsistentAtTimestamp
        $slice.KeyFingerprint | Should -Be $keyedStagingFull.KeyFingerprint
    }

    It 'Backup-MongoOplog of production under production''s key continues production''s full snapshot' {
        $slice = Backup-MongoOplog -ConnectionString $production.Uri -Repository $keyedRepository -EncryptionKeyFile $productionKey -ErrorAction Stop -WarningAction SilentlyContinue
        $slice.PreviousSliceEnd | Should -Be $keyedProductionFull.ConsistentAtTimestamp
        $slice.KeyFingerprint | Should -Be $keyedProductionFull.KeyFingerprint
        $script:productionId = $slice.SourceId
    }

    It 'a slice of staging under production''s key is refused, naming staging''s chain and full snapshot, and nothing is written' {
        $before = @(Get-ChildItem $keyedRepository).Count
        $refusal = Get-Refusal { Backup-MongoOplog -ConnectionString $staging.Uri -Repository $keyedRepository -EncryptionKeyFile $productionKey -ErrorAction Stop -WarningAction SilentlyContinue }
        $refusal.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.WrongEncryptionKey,*'
        $refusal.Exception.Message | Should -BeLike "The oplog chain of replica set '$($keyedStagingFull.ReplicaSetName)' (replicaSetId $($keyedStagingFull.SourceId)) in * continues snapshot $($keyedStagingFull.Id)*"
        @(Get-ChildItem $keyedRepository).Count | Should -Be $before
    }

    It 'a slice of production under staging''s key is refused, naming production''s chain and full snapshot' {
        $refusal = Get-Refusal { Backup-MongoOplog -ConnectionString $production.Uri -Repository $keyedRepository -EncryptionKeyFile $stagingKey -ErrorAction Stop -WarningAction SilentlyContinue }
        $refusal.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.WrongEncryptionKey,*'
        $refusal.Exception.Message | Should -BeLike "The oplog chain of replica set '$($keyedProductionFull.ReplicaSetName)' (replicaSetId $productionId) in * continues snapshot $($keyedProductionFull.Id)*"
    }
}
