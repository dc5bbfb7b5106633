# The 12-character minimum is for choosing a new passphrase (a backup's, a pinned key, a rotation's new key), not for
# reading existing snapshots: a wrong passphrase shorter than that, given to a command that reads, is tried and reported
# as the wrong key (as a long wrong one is), not refused for its length; a short new passphrase is still refused.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:repository = New-TestFolder
    $script:out = New-TestFolder
    $script:db = 'shortkey_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:none = [System.Threading.CancellationToken]::None
    $script:passphrase = ConvertTo-SecureString 'the right passphrase, long enough' -AsPlainText -Force
    $script:short = ConvertTo-SecureString 'wrong-12345' -AsPlainText -Force # 11 characters, and not the key
    $script:longWrong = ConvertTo-SecureString 'not-the-right-passphrase' -AsPlainText -Force

    $orders = Get-Collection $uri $db 'orders'
    $orders.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..10) { New-BsonDocument @{ _id = $i } }))
    $script:full = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -EncryptionKey $passphrase -WarningAction SilentlyContinue
    $orders.InsertOne((New-BsonDocument @{ _id = 11 }))
    Backup-MongoOplog -ConnectionString $uri -Repository $repository -EncryptionKey $passphrase | Out-Null
    $script:sliceEnd = (Get-MongoRestoreWindow -Repository $repository).ToTimestamp

    function Get-DatabaseNames { Read-Cursor ([MongoDB.Driver.MongoClient]::new($uri).ListDatabaseNames($none)) }
    function Get-ManifestHashes { Get-ChildItem $repository -Recurse -Filter manifest.json | Get-FileHash | ForEach-Object Hash }

    function Assert-WrongKey([scriptblock] $Command) {
        $caught = $null
        try { & $Command } catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty -Because 'a wrong key is refused'
        $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.WrongEncryptionKey,*' -Because $caught.Exception.Message
        $caught.Exception.Message | Should -BeLike '*was encrypted with the key whose fingerprint is*'
        $caught.Exception.Message | Should -Not -BeLike '*at least 12 characters*'
    }

    function Assert-TooShort([scriptblock] $Command) {
        $caught = $null
        try { & $Command } catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty -Because 'a short new passphrase is refused'
        $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.InvalidArgument,*'
        $caught.Exception.Message | Should -BeLike '*passphrase must be at least 12 characters*'
    }
}

AfterAll {
    if ($script:uri) {
        $client = [MongoDB.Driver.MongoClient]::new($uri)
        foreach ($name in $db, "$($db)_a", "$($db)_b", "$($db)_c") { $client.DropDatabase($name, $none) }
    }
    Stop-MongoTestServer $server
    Remove-Item $repository, $out -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'A wrong passphrase shorter than 12 characters, given to read snapshots' {
    It 'Restore-MongoDatabase reports the wrong key and creates nothing' {
        Assert-WrongKey { $full | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$db=$($db)_a" -EncryptionKey $short -ErrorAction Stop }
        Get-DatabaseNames | Should -Not -Contain "$($db)_a"
    }

    It 'Restore-MongoDatabase with several keys (-EncryptionKey short, long) reports the wrong key' {
        Assert-WrongKey { $full | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$db=$($db)_b" -EncryptionKey $short, $longWrong -ErrorAction Stop }
        Get-DatabaseNames | Should -Not -Contain "$($db)_b"
    }

    It 'Restore-MongoPointInTime reports the wrong key and creates nothing' {
        Assert-WrongKey { Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime $sliceEnd -RenameDatabase "$db=$($db)_c" -EncryptionKey $short -ErrorAction Stop -WarningAction SilentlyContinue }
        Get-DatabaseNames | Should -Not -Contain "$($db)_c"
    }

    It 'Test-MongoSnapshot reports the wrong key' {
        Assert-WrongKey { $full | Test-MongoSnapshot -EncryptionKey $short -ErrorAction Stop }
    }

    It 'Export-MongoSnapshot reports the wrong key and writes nothing' {
        $path = Join-Path $out 'export'
        Assert-WrongKey { $full | Export-MongoSnapshot -Path $path -EncryptionKey $short -ErrorAction Stop }
        Test-Path $path | Should -BeFalse
    }

    It 'Update-MongoSnapshotKey reports the wrong current key for each snapshot and rewrites nothing' {
        $before = Get-ManifestHashes
        $new = ConvertTo-SecureString 'a new passphrase, long enough' -AsPlainText -Force
        Update-MongoSnapshotKey -Repository $repository -EncryptionKey $short -NewEncryptionKey $new -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue |
            Should -BeNullOrEmpty
        $failures.Count | Should -Be 2 -Because 'the full and the slice are each under a key that is not the one given'
        foreach ($failure in $failures) {
            $failure.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.WrongEncryptionKey,*'
            $failure.Exception.Message | Should -Not -BeLike '*at least 12 characters*'
        }
        Get-ManifestHashes | Should -Be $before
    }
}

Describe 'A wrong passphrase shorter than 12 characters, given to continue an encrypted chain' {
    # Breaker7: a slice continues its chain's key, an existing key: a short wrong one is the wrong key, not a too-short new one.
    BeforeAll {
        function Assert-NotTheChainKey([scriptblock] $Command) {
            $caught = $null
            try { & $Command } catch { $caught = $_ }
            $caught | Should -Not -BeNullOrEmpty -Because 'a key that is not the chain''s is refused'
            $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.WrongEncryptionKey,*' -Because $caught.Exception.Message
            $caught.Exception.Message | Should -BeLike "*continues snapshot $($full.Id), and the key given does not open*Give the key the chain is encrypted with*"
            $caught.Exception.Message | Should -Not -BeLike '*at least 12 characters*'
        }
    }

    It 'Backup-MongoOplog reports the wrong key and writes no slice' {
        $before = Get-ManifestHashes
        (Get-Collection $uri $db 'orders').InsertOne((New-BsonDocument @{ _id = 'for the wrong-key slice' }))
        Assert-NotTheChainKey { Backup-MongoOplog -ConnectionString $uri -Repository $repository -EncryptionKey $short -ErrorAction Stop }
        Get-ManifestHashes | Should -Be $before
    }

    It 'Invoke-MongoBackupPolicy, whose run takes a slice of the chain, reports the wrong key and writes no slice' {
        $before = Get-ManifestHashes
        Assert-NotTheChainKey { Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -Database $db -FullEvery '1.00:00:00' -EncryptionKey $short -ErrorAction Stop }
        Get-ManifestHashes | Should -Be $before
    }
}

Describe 'A passphrase shorter than 12 characters, given to a full backup into a repository that pins a key' {
    # The tryout: refused for its length first, then, once lengthened, as the wrong key. Where the repository pins a key,
    # a short passphrase that is not it is the wrong key at once, as the readers say, and nothing is written.
    BeforeAll {
        $script:pinned = New-TestFolder
        Set-MongoRepository -Repository $pinned -RequireEncryption -EncryptionKey $passphrase -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        $script:pin = (Set-MongoRepository -Repository $pinned).KeyFingerprint
    }
    AfterAll { Remove-Item $pinned -Recurse -Force -ErrorAction SilentlyContinue }

    It 'Backup-MongoDatabase reports the wrong key, naming the pinned one, and writes no snapshot' {
        $caught = $null
        try { Backup-MongoDatabase -ConnectionString $uri -Repository $pinned -Database $db -EncryptionKey $short -ErrorAction Stop -WarningAction SilentlyContinue } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.WrongEncryptionKey,*' -Because "$caught"
        $caught.Exception.Message | Should -BeLike "*takes snapshots encrypted under key $pin*"
        $caught.Exception.Message | Should -Not -BeLike '*at least 12 characters*'
        @(Get-ChildItem $pinned -Directory) | Should -HaveCount 0
    }

    It 'Backup-MongoDatabase -WhatIf says the same, with its plan marked as refused' {
        $plan = @(Backup-MongoDatabase -ConnectionString $uri -Repository $pinned -Database $db -EncryptionKey $short -WhatIf -ErrorVariable refused -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        @($refused) | Should -HaveCount 1
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.WrongEncryptionKey,*'
        $plan | Should -Not -BeNullOrEmpty
        @($plan | Where-Object WouldRun) | Should -HaveCount 0
        @($plan.ErrorId | Select-Object -Unique) | Should -Be @('MongoBackup.WrongEncryptionKey')
    }

    It 'Invoke-MongoBackupPolicy, whose first run is a full backup, reports the wrong key too' {
        { Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $pinned -Database $db -FullEvery 1d -EncryptionKey $short -ErrorAction Stop -WarningAction SilentlyContinue } |
            Should -Throw -ErrorId 'MongoBackup.WrongEncryptionKey*'
        @(Get-ChildItem $pinned -Directory) | Should -HaveCount 0
    }

    It 'Set-MongoRepository pins again the key the repository uses, and refuses a short passphrase it does not use, for its length' {
        # A short passphrase the repository already uses cannot be made here (the rule never let one in); the pin is judged as a backup's key is.
        (Set-MongoRepository -Repository $pinned -EncryptionKey $passphrase -Confirm:$false -WarningAction SilentlyContinue).KeyFingerprint | Should -Be $pin
        Assert-TooShort { Set-MongoRepository -Repository $pinned -EncryptionKey $short -Confirm:$false -ErrorAction Stop }
    }
}

Describe 'A new passphrase shorter than 12 characters' {
    It 'Backup-MongoDatabase refuses it, saying it is not the key of the snapshots already there, and writes no snapshot' {
        $before = Get-ManifestHashes
        Assert-TooShort { Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -EncryptionKey $short -ErrorAction Stop }
        try { Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -EncryptionKey $short -ErrorAction Stop } catch { $refusal = $_ }
        $refusal.Exception.Message | Should -BeLike "*It is not the key of the snapshots already in*(key $($full.KeyFingerprint))*check the passphrase*"
        Get-ManifestHashes | Should -Be $before
    }

    It 'Backup-MongoOplog refuses it as the first key of a chain whose full backup is not encrypted, and writes no slice' {
        $plain = New-TestFolder
        try {
            Backup-MongoDatabase -ConnectionString $uri -Repository $plain -Database $db -WarningAction SilentlyContinue | Out-Null
            (Get-Collection $uri $db 'orders').InsertOne((New-BsonDocument @{ _id = 'for the new chain key' }))
            Assert-TooShort { Backup-MongoOplog -ConnectionString $uri -Repository $plain -EncryptionKey $short -ErrorAction Stop -WarningAction SilentlyContinue }
            @(Get-MongoSnapshot -Repository $plain).Count | Should -Be 1
        }
        finally { Remove-Item $plain -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'Invoke-MongoBackupPolicy refuses it for the first full backup of a new repository, and writes no snapshot' {
        $fresh = Join-Path (New-TestFolder) 'fresh'
        try {
            Assert-TooShort { Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $fresh -Database $db -FullEvery '1.00:00:00' -EncryptionKey $short -ErrorAction Stop -WarningAction SilentlyContinue }
            @(Get-MongoSnapshot -Repository $fresh -ErrorAction SilentlyContinue).Count | Should -Be 0
        }
        finally { Remove-Item (Split-Path $fresh) -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'Set-MongoRepository refuses to pin it' {
        Assert-TooShort { Set-MongoRepository -Repository $repository -EncryptionKey $short -Confirm:$false -ErrorAction Stop }
        (Set-MongoRepository -Repository $repository).KeyFingerprint | Should -BeNullOrEmpty
    }

    It 'Update-MongoSnapshotKey refuses it as the new key and rewrites nothing' {
        $before = Get-ManifestHashes
        Assert-TooShort { Update-MongoSnapshotKey -Repository $repository -EncryptionKey $passphrase -NewEncryptionKey $short -Confirm:$false -ErrorAction Stop }
        Get-ManifestHashes | Should -Be $before
    }
}
