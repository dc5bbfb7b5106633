# A backup of some databases does not stand in for a backup of all of them, as a DBA meets it in the first week:
# databases a, b and c backed up; then b alone; then the oplog; a restore of a, a removal of the first backup, an
# ad-hoc -CopyOnly backup, a collection created after the base; and a slice deleted from the middle of the chain.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:repository = New-TestFolder
    $script:none = [System.Threading.CancellationToken]::None
    $script:prefix = 'scope_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:a = "$($prefix)_a"; $script:b = "$($prefix)_b"; $script:c = "$($prefix)_c"

    function Add-Items {
        param([string] $Database, [string] $Collection = 'items', [int[]] $Ids)
        $docs = foreach ($i in $Ids) { New-BsonDocument ([ordered]@{ _id = $i; db = $Database }) }
        (Get-Collection $uri $Database $Collection).InsertMany([MongoDB.Bson.BsonDocument[]] @($docs))
    }

    foreach ($database in $a, $b, $c) { Add-Items $database -Ids (1..10) }
    $script:abc = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $a, $b, $c
    Add-Items $c -Ids 11
    $script:onlyB = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $b
    Add-Items $a -Ids (11..12)
    Add-Items $a -Collection 'created_later' -Ids (1..3)
    $script:slice = Backup-MongoOplog -ConnectionString $uri -Repository $repository
}

AfterAll {
    if ($script:uri) {
        $client = [MongoDB.Driver.MongoClient]::new($uri)
        foreach ($name in (Get-DatabaseName $uri) | Where-Object { $_ -like "$prefix*" }) { $client.DropDatabase($name, $none) }
    }
    Stop-MongoTestServer $server
    Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'A full backup of some databases beside one of all of them' {
    It 'continues the oplog from the a,b,c backup, and shows one window based on it with what it covers' {
        $slice.PreviousSliceEnd | Should -Be $abc.ConsistentAtTimestamp
        $onlyB.Scope | Should -Be "databases $b"
        $windows = @(Get-MongoRestoreWindow -Repository $repository)
        $windows.Count | Should -Be 1
        $windows[0].BaseSnapshotId | Should -Be $abc.Id
        $windows[0].Scope | Should -Be "databases $a, $b, $c"
        $windows[0].GapAfter | Should -BeNullOrEmpty
        ($windows | Format-Table | Out-String -Width 200) | Should -Match "Scope[\s\S]*databases\s+$a,\s+$b,\s+$c"
    }

    It 'restores database a from the window, based on the a,b,c backup' {
        $result = Get-MongoRestoreWindow -Repository $repository |
            Restore-MongoPointInTime -ConnectionString $uri -ClusterTime $slice.OplogEnd -Database $a -RenameDatabase "$a=$($a)_r" -WarningAction SilentlyContinue
        $result.Succeeded | Should -BeTrue
        $result.BaseSnapshotId | Should -Be $abc.Id
        Get-AllDocuments (Get-Collection $uri "$($a)_r" 'items') | Should -Be (Get-AllDocuments (Get-Collection $uri $a 'items'))
    }

    It 'restores a collection created after the base snapshot, chosen by name' {
        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime $slice.OplogEnd `
            -Database $a -Collection 'created_later' -RenameDatabase "$a=$($a)_later" -WarningAction SilentlyContinue
        $result.Succeeded | Should -BeTrue
        Get-DocumentCount (Get-Collection $uri "$($a)_later" 'created_later') | Should -Be 3
        Get-DatabaseName $uri | Should -Contain "$($a)_later"
    }

    It 'refuses a name no snapshot or slice holds, and a database no full backup covers, naming what they cover' {
        { Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime $slice.OplogEnd -Database $a -Collection 'no_such' -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.NothingSelected*'
        $refusal = { Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime $slice.OplogEnd -Database "$($prefix)_d" -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.ScopeNotCovered*' -PassThru
        $refusal.Exception.Message | Should -Match ([regex]::Escape("databases $a, $b, $c ($($abc.Id))"))
    }

    It 'refuses to remove the a,b,c backup, the only base covering a and c' {
        $refusal = { Remove-MongoSnapshot -Repository $repository -Id $abc.Id -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.SnapshotInUse*' -PassThru
        $refusal.Exception.Message | Should -Match 'only base covering'
        (Get-MongoSnapshot -Repository $repository -Id $abc.Id).Status | Should -Be 'Complete'
    }

    It 'keeps the a,b,c backup under retention even though a newer backup of b exists' {
        $plan = Invoke-MongoSnapshotRetention -Repository $repository -KeepLast 1 -WhatIf
        ($plan | Where-Object Target -eq $abc.Id).Action | Should -Be 'Keep'
        ($plan | Where-Object Target -eq $onlyB.Id).Action | Should -Be 'Keep'
    }
}

Describe 'Backup-MongoDatabase -CopyOnly' {
    BeforeAll {
        $script:adhoc = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $a -CopyOnly -Tag @{ reason = 'before upgrade' }
    }

    It 'takes a snapshot marked copy-only, restorable on its own' {
        $adhoc.CopyOnly | Should -BeTrue
        (Get-MongoSnapshot -Repository $repository -Id $adhoc.Id).CopyOnly | Should -BeTrue
        (Get-MongoSnapshot -Repository $repository -Id $abc.Id).CopyOnly | Should -BeFalse
        $result = Get-MongoSnapshot -Repository $repository -Id $adhoc.Id | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$a=$($a)_adhoc"
        $result.Succeeded | Should -BeTrue
        Get-DocumentCount (Get-Collection $uri "$($a)_adhoc" 'items') | Should -Be 12
    }

    It 'is no base of a restore window and leaves the chain as it was' {
        $windows = @(Get-MongoRestoreWindow -Repository $repository)
        $windows.Count | Should -Be 1
        $windows[0].BaseSnapshotId | Should -Be $abc.Id
    }

    It 'is not counted by retention''s rules, nor removed by them' {
        $plan = Invoke-MongoSnapshotRetention -Repository $repository -KeepLast 1 -WhatIf
        $decision = $plan | Where-Object Target -eq $adhoc.Id
        $decision.Action | Should -Be 'Keep'
        $decision.Detail | Should -Match 'copy-only'
        ($plan | Where-Object Target -eq $abc.Id).Detail | Should -Match 'KeepLast 1 \(#1\)'
    }

    It 'can be removed on its own' {
        Remove-MongoSnapshot -Repository $repository -Id $adhoc.Id -Confirm:$false
        Get-MongoSnapshot -Repository $repository -Id $adhoc.Id -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

Describe 'A slice missing in the middle of the chain' {
    BeforeAll {
        $script:chain = New-TestFolder
        $full = Backup-MongoDatabase -ConnectionString $uri -Repository $chain -Database $b
        Add-Items $b -Ids 101
        $script:first = Backup-MongoOplog -ConnectionString $uri -Repository $chain
        Add-Items $b -Ids 102
        $script:middle = Backup-MongoOplog -ConnectionString $uri -Repository $chain
        Add-Items $b -Ids 103
        $script:third = Backup-MongoOplog -ConnectionString $uri -Repository $chain
        Remove-Item $middle.Path -Recurse -Force   # lost: deleted by hand, or never copied off-site
        Add-Items $b -Ids 104
        $script:next = Backup-MongoOplog -ConnectionString $uri -Repository $chain -WarningVariable nextWarnings -WarningAction SilentlyContinue
        $script:nextWarnings = $nextWarnings
    }
    AfterAll { Remove-Item $chain -Recurse -Force -ErrorAction SilentlyContinue }

    It 'names the gap in the window: from when to when, and the slice that continues after it' {
        $window = Get-MongoRestoreWindow -Repository $chain
        $window.ToTimestamp | Should -Be $first.OplogEnd
        $window.GapAfter | Should -Match ([regex]::Escape("oplog slices are missing from"))
        $window.GapAfter | Should -Match ([regex]::Escape("($($first.OplogEnd)) to"))
        $window.GapAfter | Should -Match ([regex]::Escape("slice $($third.Id) continues from $($middle.OplogEnd)"))
    }

    It 'names the gap in the refusal, and asks for a new full backup rather than another slice' {
        $refusal = { Restore-MongoPointInTime -ConnectionString $uri -Repository $chain -ClusterTime $third.OplogEnd -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.OutsideRestoreWindow*' -PassThru
        $refusal.Exception.Message | Should -Match ([regex]::Escape("slice $($third.Id) continues from $($middle.OplogEnd)"))
        $refusal.Exception.Message | Should -Match 'take a new full backup \(Backup-MongoDatabase\)'
        $refusal.Exception.Message | Should -Not -Match 'run Backup-MongoOplog'
    }

    It 'warns from the next Backup-MongoOplog, which continues the chain' {
        $next.PreviousSliceEnd | Should -Be $third.OplogEnd
        ($nextWarnings | Out-String) | Should -Match ([regex]::Escape("slice $($third.Id) continues from $($middle.OplogEnd)"))
        ($nextWarnings | Out-String) | Should -Match 'take a new full backup'
    }
}
