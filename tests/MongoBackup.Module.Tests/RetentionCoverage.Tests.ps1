# Retention's run says what went and how point-in-time restore changed: the keep rules count full snapshots, so with
# -KeepLast (or KEEP_DAILY, KEEP_WEEKLY) alone the slices between two kept full snapshots go, and a restore can no
# longer reach the moments they held. The run's output names the snapshots removed and how far back a point-in-time
# restore reached before and reaches now, and warns when that shrank without a restore-window rule.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $PSStyle.OutputRendering = 'PlainText'
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_cov_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:orders = Get-Collection $uri $db 'orders'
    $script:next = 0

    function Add-Orders([int] $Count) {
        $orders.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..$Count) { $script:next++; New-BsonDocument @{ _id = $script:next } }))
    }

    # Full A, a slice after it, full B, then writes: one unbroken chain from A's moment once a slice after B is taken.
    function New-TwoFullChain([string] $Repository) {
        Add-Orders 5
        $a = Backup-MongoDatabase -ConnectionString $uri -Repository $Repository -Database $db -WarningAction SilentlyContinue
        Add-Orders 5
        $slice = Backup-MongoOplog -ConnectionString $uri -Repository $Repository
        Add-Orders 5
        $b = Backup-MongoDatabase -ConnectionString $uri -Repository $Repository -Database $db
        Add-Orders 5
        [pscustomobject]@{ A = $a; Slice = $slice; B = $b; Window = Get-MongoRestoreWindow -Repository $Repository }
    }
}

AfterAll {
    if ($script:uri) { [MongoDB.Driver.MongoClient]::new($uri).DropDatabase($db, [System.Threading.CancellationToken]::None) }
    Stop-MongoTestServer $server
}

Describe 'Invoke-MongoSnapshotRetention -KeepLast 1 over two full snapshots and their slices' {
    BeforeAll {
        $script:repository = New-TestFolder
        $script:chain = New-TwoFullChain $repository
        Backup-MongoOplog -ConnectionString $uri -Repository $repository | Out-Null   # B's own window, which stays
        $script:output = @(Invoke-MongoSnapshotRetention -Repository $repository -KeepLast 1 -Confirm:$false 3>&1)
        $script:decisions = @($output | Where-Object { $_ -is [MongoBackup.MongoSnapshotRetentionDecision] })
        $script:warnings = @($output | Where-Object { $_ -is [System.Management.Automation.WarningRecord] })
        $script:table = $decisions | Format-Table | Out-String -Width 120
    }

    It 'removes the older full snapshot and the slice only its window needed, and the table says Removed for each' {
        @($decisions | Where-Object Removed).Id | Sort-Object | Should -Be @($chain.A.Id, $chain.Slice.Id | Sort-Object)
        foreach ($id in $chain.A.Id, $chain.Slice.Id) { $table | Should -Match "$id\s+Removed\s" -Because $table }
        $table | Should -Match "$($chain.B.Id)\s+Keep\s"
        @(Get-MongoSnapshot -Repository $repository).Id | Should -Not -Contain $chain.A.Id
    }

    It 'warns that point-in-time restore now starts later, naming both moments and the rule that keeps it' {
        $about = @($warnings | Where-Object { "$_" -like '*Retention shortened point-in-time restore*' })
        $about | Should -HaveCount 1 -Because ($warnings -join "`n")
        $before = $chain.A.ConsistentAt.ToUniversalTime().ToString('yyyy-MM-dd HH:mm:ss.fff') + 'Z'
        $after = $chain.B.ConsistentAt.ToUniversalTime().ToString('yyyy-MM-dd HH:mm:ss.fff') + 'Z'
        "$($about[0])" | Should -BeLike "*point-in-time restore of replica set*reached back to $before; now to $after*less*"
        "$($about[0])" | Should -BeLike '*-RestoreWindow*MONGOBACKUP_RESTORE_WINDOW*'
        # What it says is what Get-MongoRestoreWindow now shows.
        (Get-MongoRestoreWindow -Repository $repository).From | Should -Be $chain.B.ConsistentAt
    }
}

Describe 'Invoke-MongoBackupPolicy with keep rules alone' {
    BeforeAll {
        $script:policyRepository = New-TestFolder
        $script:policyChain = New-TwoFullChain $policyRepository
        $script:run = Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $policyRepository -Database $db -FullEvery 1d -KeepLast 1 -WarningVariable policyWarnings -WarningAction SilentlyContinue
    }

    It 'names the snapshots removed, and where point-in-time restore reached before and reaches now' {
        $run.Action | Should -Be 'Slice'
        @($run.Removed) | Sort-Object | Should -Be @($policyChain.A.Id, $policyChain.Slice.Id | Sort-Object)
        $run.RestorableFromBefore | Should -Be $policyChain.A.ConsistentAt
        $run.RestorableFromAfter | Should -Be $policyChain.B.ConsistentAt
        $run.RestoreWindowShrank | Should -BeTrue
        $run.RetentionSummary | Should -BeLike "Retention removed 2 snapshot(s): *$($policyChain.A.Id)*"
        $run.RetentionSummary | Should -BeLike '*reached back to *; now to *less*'
        @($policyWarnings | Where-Object { "$_" -like '*Retention shortened point-in-time restore*KeepLast 1*' }) | Should -HaveCount 1
        (Get-MongoRestoreWindow -Repository $policyRepository).From | Should -Be $run.RestorableFromAfter
    }

    It 'shows it in the default table, under the reason, and in the list view' {
        $table = $run | Format-Table | Out-String -Width 120
        ($table -replace '\s', '') | Should -BeLike "*$(($run.RetentionSummary -replace '\s', ''))*" -Because $table
        $list = $run | Format-List | Out-String -Width 200
        $list | Should -Match ('RestorableFromBefore\s*: ' + [regex]::Escape($policyChain.A.ConsistentAt.ToString('yyyy-MM-dd HH:mm:ss.fff zzz')))
        $list | Should -Match ('RestorableFromAfter\s*: ' + [regex]::Escape($policyChain.B.ConsistentAt.ToString('yyyy-MM-dd HH:mm:ss.fff zzz')))
    }

    It 'says nothing of a restore window when retention removed nothing' {
        $again = Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $policyRepository -Database $db -FullEvery 1d -KeepLast 1 -WarningVariable quiet -WarningAction SilentlyContinue
        @($again.Removed) | Should -HaveCount 0
        $again.RetentionSummary | Should -Be 'Retention removed nothing.'
        $again.RestorableFromBefore | Should -BeNullOrEmpty
        @($quiet | Where-Object { "$_" -like '*point-in-time restore*' }) | Should -HaveCount 0
    }
}
