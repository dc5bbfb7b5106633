# Get-MongoRestoreWindow -Database answers the question Restore-MongoPointInTime -Database is asked: which moments a
# restore of those databases can reach, in a repository that holds partial full backups of different databases.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $p = 'pester_rwdb_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:dbA = "$($p)_a"
    $script:dbB = "$($p)_b"
    function Add-Item([string] $Database, [int] $Id) {
        (Get-Collection $uri $Database 'items').InsertOne((New-BsonDocument ([ordered]@{ _id = $Id })))
    }
    Add-Item $dbA 1; Add-Item $dbB 1

    # A full backup of a alone, a slice, a full backup of b alone, a slice: one chain, two scopes.
    $script:repository = New-TestFolder
    $script:fullA = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $dbA -WarningAction SilentlyContinue
    Add-Item $dbA 2; Add-Item $dbB 2
    $null = Backup-MongoOplog -ConnectionString $uri -Repository $repository
    $script:fullB = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $dbB -WarningAction SilentlyContinue
    Add-Item $dbA 3; Add-Item $dbB 3
    $script:lastSlice = Backup-MongoOplog -ConnectionString $uri -Repository $repository

    # Another chain: a full backup of b alone, then one of both databases: for b, the first window spans the second.
    $script:nested = New-TestFolder
    $script:nestedB = Backup-MongoDatabase -ConnectionString $uri -Repository $nested -Database $dbB -WarningAction SilentlyContinue
    Add-Item $dbB 4
    $null = Backup-MongoOplog -ConnectionString $uri -Repository $nested
    $script:nestedBoth = Backup-MongoDatabase -ConnectionString $uri -Repository $nested -Database $dbA, $dbB -WarningAction SilentlyContinue
    Add-Item $dbB 5
    $script:nestedEnd = Backup-MongoOplog -ConnectionString $uri -Repository $nested
}

AfterAll {
    if ($script:uri) {
        $client = [MongoDB.Driver.MongoClient]::new($uri)
        foreach ($name in $dbA, $dbB) { $client.DropDatabase($name, [System.Threading.CancellationToken]::None) }
    }
    Remove-Item $repository, $nested -Recurse -Force -ErrorAction SilentlyContinue
    Stop-MongoTestServer $server
}

Describe 'Get-MongoRestoreWindow -Database' {
    It 'without -Database lists a window per scope' {
        $windows = @(Get-MongoRestoreWindow -Repository $repository)
        $windows.BaseSnapshotId | Should -Be @($fullA.Id, $fullB.Id)
    }

    It 'gives for each database only the window a restore of it can use' {
        $forA = @(Get-MongoRestoreWindow -Repository $repository -Database $dbA)
        $forA.BaseSnapshotId | Should -Be @($fullA.Id)
        $forA[0].ToTimestamp | Should -Be $lastSlice.OplogEnd
        $forB = @(Get-MongoRestoreWindow -Repository $repository -Database $dbB)
        $forB.BaseSnapshotId | Should -Be @($fullB.Id)
        $forB[0].FromTimestamp | Should -Be $fullB.ConsistentAtTimestamp
    }

    It 'agrees with the restore: a moment before the b window is refused for -Database b, and its start is accepted' {
        $forB = @(Get-MongoRestoreWindow -Repository $repository -Database $dbB)[0]
        $refused = $null
        try { Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime $fullA.ConsistentAtTimestamp -Database $dbB -RenameDatabase "$dbB=$($dbB)_pitr" -WhatIf -ErrorAction Stop }
        catch { $refused = $_ }
        $refused.FullyQualifiedErrorId.Split(',')[0] | Should -BeIn 'MongoBackup.OutsideRestoreWindow', 'MongoBackup.ScopeNotCovered'
        $plan = @(Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime $forB.FromTimestamp -Database $dbB -RenameDatabase "$dbB=$($dbB)_pitr" -WhatIf)
        @($plan | Where-Object { -not $_.WouldRun }).Count | Should -Be 0
    }

    It 'gives no window for databases no single full snapshot covers together, as the restore refuses them' {
        @(Get-MongoRestoreWindow -Repository $repository -Database $dbA, $dbB).Count | Should -Be 0
        { Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime $lastSlice.OplogEnd -Database $dbA, $dbB -WhatIf -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.ScopeNotCovered*'
    }

    It 'judges a wildcard as the restore does: only a backup of every database (or of that very pattern) covers it' {
        $pattern = $dbB -replace '_b$', '_[b]'
        @(Get-MongoRestoreWindow -Repository $repository -Database $pattern).Count | Should -Be 0
        { Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime $lastSlice.OplogEnd -Database $pattern -WhatIf -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.ScopeNotCovered*'
    }

    # Tryout8 P2: a mistyped -Database listed the windows of a whole backup (its scope covers every name) without a word.
    It 'warns when no full snapshot holds the -Database named, though a backup of every database covers it by scope' {
        $whole = New-TestFolder
        try {
            Backup-MongoDatabase -ConnectionString $uri -Repository $whole -WarningAction SilentlyContinue | Out-Null
            $typo = "$($dbA)x"
            $windows = @(Get-MongoRestoreWindow -Repository $whole -Database $typo -WarningVariable warnings -WarningAction SilentlyContinue)
            $windows.Count | Should -Be 1 -Because 'the whole backup covers every name by its scope (the premise)'
            @($warnings).Count | Should -Be 1
            $warnings[0].Message | Should -BeLike "No full snapshot in * holds a database matching -Database '$typo' (they hold: $dbA, $dbB)*check the name's spelling*"
            Get-MongoRestoreWindow -Repository $whole -Database $dbA -WarningVariable right -WarningAction SilentlyContinue | Out-Null
            $right | Should -BeNullOrEmpty
        }
        finally { Remove-Item $whole -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'lists a window once when a wider one of the same chain spans it for that database' {
        @(Get-MongoRestoreWindow -Repository $nested).Count | Should -Be 2
        $forB = @(Get-MongoRestoreWindow -Repository $nested -Database $dbB)
        $forB.BaseSnapshotId | Should -Be @($nestedB.Id)
        $forB[0].ToTimestamp | Should -Be $nestedEnd.OplogEnd
        (@(Get-MongoRestoreWindow -Repository $nested -Database $dbA)).BaseSnapshotId | Should -Be @($nestedBoth.Id)
    }
}
