# An offsite copy as a DBA keeps one: the first copy of an encryption-required repository starts the offsite repository
# with the same rules (a later backup there without the key is refused), one warning says so; the nightly sync pipes the
# whole repository with -SkipExisting and moves only what is new, and a different snapshot under a known id is an error.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_offsite_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    (Get-Collection $uri $db 'orders').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..20) { New-BsonDocument ([ordered]@{ _id = $i }) }))
    $script:root = New-TestFolder
    $script:key = Join-Path $root 'backup.key'
    [IO.File]::WriteAllBytes($key, [byte[]](1..32))
    if (-not $IsWindows) { chmod 600 $key }
    $script:local = Join-Path $root 'local'
    $script:pinned = Set-MongoRepository -Repository $local -RequireEncryption -EncryptionKeyFile $key -Confirm:$false -WarningAction SilentlyContinue
    $script:full = Backup-MongoDatabase -ConnectionString $uri -Repository $local -Database $db -EncryptionKeyFile $key -WarningAction SilentlyContinue
}

AfterAll {
    if ($script:uri) { [MongoDB.Driver.MongoClient]::new($uri).DropDatabase($db, [System.Threading.CancellationToken]::None) }
    Remove-Item $root -Recurse -Force -ErrorAction SilentlyContinue
    Stop-MongoTestServer $server
}

Describe 'Copy-MongoSnapshot into a new repository carries the source''s settings' {
    It 'the dry run says it would start the repository with those settings, in one warning, and writes nothing' {
        $planned = Join-Path $root 'planned'
        $null = Get-MongoSnapshot -Repository $local | Copy-MongoSnapshot -Destination $planned -WhatIf -WarningVariable dry -WarningAction SilentlyContinue
        @($dry).Count | Should -Be 1
        $dry[0].Message | Should -BeLike "*$planned holds no snapshot yet: this copy would start a new repository there*would give it the settings of $local*requires encryption under key $($pinned.KeyFingerprint)*"
        $planned | Should -Not -Exist
    }

    It 'the copy gives the new repository the same rules and says so once; a backup there without the key is then refused' {
        $script:offsite = Join-Path $root 'offsite'
        $copy = Get-MongoSnapshot -Repository $local | Copy-MongoSnapshot -Destination $offsite -WarningVariable copied -WarningAction SilentlyContinue
        $copy.Id | Should -Be $full.Id
        @($copied).Count | Should -Be 1
        $copied[0].Message | Should -BeLike "*$offsite holds no snapshot yet: this copy starts a new repository there*gives it the settings of $local*requires encryption under key $($pinned.KeyFingerprint)*"
        $settings = Set-MongoRepository -Repository $offsite
        $settings.RequireEncryption | Should -BeTrue
        $settings.KeyFingerprint | Should -Be $pinned.KeyFingerprint
        { Backup-MongoDatabase -ConnectionString $uri -Repository $offsite -Database $db -ErrorAction Stop } | Should -Throw -ErrorId 'MongoBackup.EncryptionKeyRequired*'
        @(Get-MongoSnapshot -Repository $offsite).Id | Should -Be @($full.Id)
    }

    It 'into a repository that holds snapshots under other rules, copies, leaves its rules, and warns of the difference' {
        $plain = Join-Path $root 'plain'
        $null = Backup-MongoDatabase -ConnectionString $uri -Repository $plain -Database $db -WarningAction SilentlyContinue
        $null = Copy-MongoSnapshot -Repository $local -Id $full.Id -Destination $plain -WarningVariable differ -WarningAction SilentlyContinue
        ($differ.Message -join "`n") | Should -BeLike "*The settings of $plain differ from those of $local*$local requires encryption under key $($pinned.KeyFingerprint); $plain has no rules*"
        @($differ | Where-Object { $_.Message -like '*holds no snapshot yet*' }).Count | Should -Be 0
        (Set-MongoRepository -Repository $plain).RequireEncryption | Should -BeFalse
    }
}

Describe 'Copy-MongoSnapshot -SkipExisting keeps an offsite copy in sync' {
    BeforeAll {
        (Get-Collection $uri $db 'orders').InsertOne((New-BsonDocument ([ordered]@{ _id = 21 })), $null, [System.Threading.CancellationToken]::None)
        $script:slice = Backup-MongoOplog -ConnectionString $uri -Repository $local -EncryptionKeyFile $key
    }

    It 'without it, the nightly copy of the whole repository fails once per snapshot already there' {
        $null = Get-MongoSnapshot -Repository $local | Copy-MongoSnapshot -Destination $offsite -ErrorVariable failed -ErrorAction SilentlyContinue
        @($failed).Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.SnapshotExists*'
        Get-MongoSnapshot -Repository $offsite -Id $slice.Id -ErrorAction SilentlyContinue | Should -Not -BeNullOrEmpty -Because 'the new slice was copied all the same'
        Remove-MongoSnapshot -Repository $offsite -Id $slice.Id -Force -Confirm:$false
    }

    It 'with it, the dry run plans Copy for what is new and Skip for what is there (newest first)' {
        $plan = Get-MongoSnapshot -Repository $local | Copy-MongoSnapshot -Destination $offsite -SkipExisting -WhatIf
        ($plan | ForEach-Object { "$($_.Action) $($_.Target) $($_.WouldRun)" }) | Should -Be @("Copy $($slice.Id) True", "Skip $($full.Id) True")
    }

    It 'with it, copies only the new slice, with no error, and the offsite repository holds both' {
        $copied = Get-MongoSnapshot -Repository $local | Copy-MongoSnapshot -Destination $offsite -SkipExisting -ErrorVariable failed -ErrorAction SilentlyContinue
        @($failed).Count | Should -Be 0
        @($copied).Id | Should -Be @($slice.Id)
        @(Get-MongoSnapshot -Repository $offsite | Sort-Object Id).Id | Should -Be @($full.Id, $slice.Id)
        $again = @(Get-MongoSnapshot -Repository $local | Copy-MongoSnapshot -Destination $offsite -SkipExisting -InformationVariable said)
        $again.Count | Should -Be 0 -Because 'the next night there is nothing to copy'
        # Said once on the host (as Write-Host says it: shown by default, not output), so the run is seen to have run.
        @($said).Count | Should -Be 1
        "$($said[0].MessageData)" | Should -Be "Copied 0 snapshots to $offsite; skipped 2 snapshots it holds already, the same files (-SkipExisting)."
        $said[0].Tags | Should -Contain 'PSHOST'
    }

    It 'with it, a different snapshot under the same id is an error naming the difference, and is left alone' {
        Edit-SnapshotManifest (Get-MongoSnapshot -Repository $offsite -Id $slice.Id).Path { param($m) $m.files[0].sha256 = '0' * 64 }
        $null = Get-MongoSnapshot -Repository $local | Copy-MongoSnapshot -Destination $offsite -SkipExisting -ErrorVariable failed -ErrorAction SilentlyContinue
        @($failed).Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.SnapshotExists*'
        $failed[0].Exception.Message | Should -BeLike "*$offsite already holds a snapshot named $($slice.Id) that is not the one in $local*its file*differs there*"
    }

    It 'with it, after the source''s key was rotated and the copy''s not, skips the same snapshots and warns that the copy is under the old key' {
        Remove-MongoSnapshot -Repository $offsite -Id $slice.Id -Force -Confirm:$false
        $null = Copy-MongoSnapshot -Repository $local -Id $slice.Id -Destination $offsite
        $newKey = Join-Path $root 'new.key'
        [IO.File]::WriteAllBytes($newKey, [byte[]](101..132))
        if (-not $IsWindows) { chmod 600 $newKey }
        $rotated = @(Update-MongoSnapshotKey -Repository $local -EncryptionKeyFile $key -NewEncryptionKeyFile $newKey -Confirm:$false -WarningAction SilentlyContinue)
        $rotated.Count | Should -Be 2
        $copied = Get-MongoSnapshot -Repository $local | Copy-MongoSnapshot -Destination $offsite -SkipExisting -WarningVariable stale -WarningAction SilentlyContinue -ErrorVariable failed -ErrorAction SilentlyContinue
        @($copied).Count | Should -Be 0
        @($failed).Count | Should -Be 0
        $keyed = @($stale | Where-Object { $_.Message -like '*is the same snapshot and is skipped, but its data key is wrapped under key*there and under key*in the source*Update-MongoSnapshotKey -Repository*' })
        $keyed.Count | Should -Be 2 -Because ($stale.Message -join "`n")
    }

    It 'refuses -SkipExisting with -Force' {
        { Copy-MongoSnapshot -Repository $local -Id $full.Id -Destination $offsite -SkipExisting -Force -ErrorAction Stop } | Should -Throw -ErrorId 'MongoBackup.InvalidArgument*'
    }
}

Describe 'Copy-MongoSnapshot refused by the destination''s encryption settings' {
    BeforeAll {
        # Every -Name a refusal tells the user to give must be one of Copy-MongoSnapshot's own parameters.
        function Assert-AdviceCopyCanTake([string] $Message) {
            $copyParameters = (Get-Command Copy-MongoSnapshot).Parameters.Keys
            $named = [regex]::Matches($Message, '(?<![\w-])-(?<name>[A-Z]\w+)') | ForEach-Object { $_.Groups['name'].Value }
            foreach ($name in $named) {
                $copyParameters | Should -Contain $name -Because "the refusal tells the user to give -$name to Copy-MongoSnapshot: $Message"
            }
        }

        # The copy of $Snapshot into $Destination is refused with $ErrorId and a message like $Message, whose advice
        # Copy-MongoSnapshot can take, and nothing is copied.
        function Assert-CopyRefused($Snapshot, [string] $Destination, [string] $ErrorId, [string] $Message) {
            $failure = $null
            try { $Snapshot | Copy-MongoSnapshot -Destination $Destination -ErrorAction Stop -WarningAction SilentlyContinue } catch { $failure = $_ }
            $failure | Should -Not -BeNullOrEmpty
            $failure.FullyQualifiedErrorId | Should -BeLike "$ErrorId*"
            $failure.Exception.Message | Should -BeLike $Message
            Assert-AdviceCopyCanTake $failure.Exception.Message
            @(Get-MongoSnapshot -Repository $Destination).Count | Should -Be 0
        }
    }

    It 'an unencrypted snapshot into a repository that requires encryption: advice the user can follow, nothing copied' {
        # newuser finding: the nightly (unencrypted) repository copied into an encrypted offsite one was told "Give
        # -EncryptionKey or -EncryptionKeyFile", parameters Copy-MongoSnapshot does not have (the backups' advice).
        $plain = Join-Path $root 'plain'
        $snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $plain -Database $db -WarningAction SilentlyContinue
        $required = Join-Path $root 'required'
        $null = Set-MongoRepository -Repository $required -RequireEncryption -EncryptionKeyFile $key -Confirm:$false -WarningAction SilentlyContinue
        Assert-CopyRefused $snapshot $required 'MongoBackup.EncryptionKeyRequired' `
            "*snapshot $($snapshot.Id) would not be encrypted*back up the source again into $required*or copy to a repository that does not require encryption*"
    }

    It 'a snapshot under another key into a repository pinned to its own: advice the user can follow, nothing copied' {
        $otherKey = Join-Path $root 'other.key'
        [IO.File]::WriteAllBytes($otherKey, [byte[]](101..132))
        if (-not $IsWindows) { chmod 600 $otherKey }
        $source = Join-Path $root 'other-key-source'
        $snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $source -Database $db -EncryptionKeyFile $otherKey -WarningAction SilentlyContinue
        $pinnedElsewhere = Join-Path $root 'pinned-elsewhere'
        $null = Set-MongoRepository -Repository $pinnedElsewhere -RequireEncryption -EncryptionKeyFile $key -Confirm:$false -WarningAction SilentlyContinue
        Assert-CopyRefused $snapshot $pinnedElsewhere 'MongoBackup.WrongEncryptionKey' "*A copy keeps a snapshot's key*Update-MongoSnapshotKey*"
    }
}
