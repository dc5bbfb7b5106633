# A repository that requires encryption under one key, as a DBA sets it with Set-MongoRepository: backups, slices, policy
# runs and copies that would break it are refused before anything is written; encrypted files carry names no stock tool
# takes for a dump.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_set_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    (Get-Collection $uri $db 'orders').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..20) { New-BsonDocument @{ _id = $i } }))
    $script:passphrase = ConvertTo-SecureString 'Correct-horse-battery-1' -AsPlainText -Force
    $script:otherPassphrase = ConvertTo-SecureString 'Another-long-passphrase-2' -AsPlainText -Force
    $script:repository = Join-Path (New-TestFolder) 'encrypted-only'
    $script:settings = Set-MongoRepository -Repository $repository -RequireEncryption -EncryptionKey $passphrase -Confirm:$false

    function Get-Refusal([scriptblock] $Command) {
        try { & $Command | Out-Null; $null } catch { $_ }
    }
}

AfterAll {
    if ($script:uri) {
        $client = [MongoDB.Driver.MongoClient]::new($uri)
        foreach ($name in $db, "$($db)_back") { $client.DropDatabase($name, [System.Threading.CancellationToken]::None) }
    }
    Stop-MongoTestServer $server
}

Describe 'Set-MongoRepository -RequireEncryption -EncryptionKey' {
    It 'records the rule and the key fingerprint, before any backup' {
        $settings.RequireEncryption | Should -BeTrue
        $settings.KeyFingerprint | Should -Match '^[0-9a-f]{16}$'
        $settings.KeyKind | Should -Be 'Passphrase'
        (Set-MongoRepository -Repository $repository).KeyFingerprint | Should -Be $settings.KeyFingerprint -Because 'without a change it shows the settings'
    }

    It 'refuses a backup without a key, naming the repository and the rule, and leaves nothing' {
        $refusal = Get-Refusal { Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -ErrorAction Stop }
        $refusal.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.EncryptionKeyRequired,*'
        $refusal.Exception.Message | Should -BeLike "*$repository requires encryption under key $($settings.KeyFingerprint)*Give -EncryptionKey or -EncryptionKeyFile.*"
        @(Get-ChildItem $repository -Directory).Count | Should -Be 0
    }

    It 'refuses a backup under another key' {
        $refusal = Get-Refusal { Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -EncryptionKey $otherPassphrase -ErrorAction Stop }
        $refusal.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.WrongEncryptionKey,*'
        $refusal.Exception.Message | Should -BeLike "*takes snapshots encrypted under key $($settings.KeyFingerprint)*"
        @(Get-ChildItem $repository -Directory).Count | Should -Be 0
    }

    It 'takes a backup under the pinned key, with that fingerprint' {
        $script:full = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -EncryptionKey $passphrase
        $full.KeyFingerprint | Should -Be $settings.KeyFingerprint
    }

    It 'refuses an oplog slice and a policy run without the key' {
        (Get-Collection $uri $db 'orders').InsertOne((New-BsonDocument @{ _id = 21 }), $null, [System.Threading.CancellationToken]::None)
        (Get-Refusal { Backup-MongoOplog -ConnectionString $uri -Repository $repository -ErrorAction Stop }).FullyQualifiedErrorId | Should -BeLike 'MongoBackup.EncryptionKeyRequired,*'
        (Get-Refusal { Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -FullEvery 1d -ErrorAction Stop }).FullyQualifiedErrorId | Should -BeLike 'MongoBackup.EncryptionKeyRequired,*'
        (Backup-MongoOplog -ConnectionString $uri -Repository $repository -EncryptionKey $passphrase).KeyFingerprint | Should -Be $settings.KeyFingerprint
    }

    It 'refuses to copy an unencrypted snapshot into it; -WhatIf marks the copy' {
        $plain = Backup-MongoDatabase -ConnectionString $uri -Repository (New-TestFolder) -Database $db
        $plan = $plain | Copy-MongoSnapshot -Destination $repository -WhatIf -WarningAction SilentlyContinue
        $plan.ErrorId | Should -Be 'MongoBackup.EncryptionKeyRequired'
        $plain | Copy-MongoSnapshot -Destination $repository -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.EncryptionKeyRequired,*'
        (Get-MongoSnapshot -Repository $repository).Id | Should -Not -Contain $plain.Id
    }

    It 'Backup-MongoDatabase -WhatIf without a key marks every step as refused' {
        # The refusal is written once as an error too (as under another key, below), so the caller's error action decides.
        $plan = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -WhatIf -WarningAction SilentlyContinue `
            -ErrorVariable refused -ErrorAction SilentlyContinue
        $plan.WouldRun | Should -Be @($false)
        $plan.ErrorId | Should -Be 'MongoBackup.EncryptionKeyRequired'
        $refused.Count | Should -Be 1
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.EncryptionKeyRequired,*'
    }

    It 'Backup-MongoDatabase -WhatIf under another key says the refusal once, whatever the collections, and stops under -ErrorAction Stop' {
        foreach ($name in 'customers', 'invoices', 'items', 'notes') { (Get-Collection $uri $db $name).InsertOne((New-BsonDocument @{ _id = 1 })) }
        $plan = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -EncryptionKey $otherPassphrase -WhatIf `
            -WarningVariable warned -WarningAction SilentlyContinue -ErrorVariable refused -ErrorAction SilentlyContinue
        $plan.Count | Should -Be 5
        $plan.WouldRun | Should -Be @($false, $false, $false, $false, $false)
        @($warned | Where-Object { "$_" -like '*refuse*' }).Count | Should -Be 0
        $refused.Count | Should -Be 1
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.WrongEncryptionKey,*'
        { Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -EncryptionKey $otherPassphrase -WhatIf -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.WrongEncryptionKey*'
    }

    It 'Invoke-MongoBackupPolicy -WhatIf without a key or under another key marks its step as refused, as the run refuses it' {
        $plan = Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -FullEvery 1d -WhatIf -WarningAction SilentlyContinue
        $plan.WouldRun | Should -Be @($false)
        $plan.ErrorId | Should -Be 'MongoBackup.EncryptionKeyRequired'
        $other = Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -FullEvery 1d -EncryptionKey $otherPassphrase -WhatIf -WarningAction SilentlyContinue
        $other.ErrorId | Should -Be 'MongoBackup.WrongEncryptionKey'
        (Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -FullEvery 1d -EncryptionKey $passphrase -WhatIf).WouldRun | Should -Be @($true)
    }

    It '-RequireEncryption:$false -AnyKey lifts the rules, warning about what is already there' {
        $lifted = Set-MongoRepository -Repository $repository -RequireEncryption:$false -AnyKey -Confirm:$false
        $lifted.RequireEncryption | Should -BeFalse
        $lifted.KeyFingerprint | Should -BeNullOrEmpty
        (Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db).Encrypted | Should -BeFalse
        Set-MongoRepository -Repository $repository -RequireEncryption -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null
        $warnings[0].Message | Should -BeLike '*1 snapshot(s) already in * do not follow these rules (1 not encrypted*'
    }
}

Describe 'Encrypted snapshot files' {
    It 'carry .encrypted names a stock tool will not read as a dump, and still restore' {
        $relative = @($full.Files | ForEach-Object { [IO.Path]::GetRelativePath($full.Path, $_) -replace '\\', '/' })
        $relative | Should -Contain "$db.encrypted/orders.bson.zst.encrypted"
        $relative | Should -Contain "$db.encrypted/orders.metadata.json.zst.encrypted"
        $relative | Should -Contain 'oplog.bson.zst.encrypted'
        @($relative | Where-Object { $_ -match '\.(bson|json)(\.gz|\.zst)?$' }) | Should -Be @('manifest.json')
        $result = $full | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$db=$($db)_back" -EncryptionKey $passphrase
        $result.Succeeded | Should -BeTrue
        Get-DocumentCount (Get-Collection $uri "$($db)_back" 'orders') | Should -Be 20
        (Test-MongoSnapshot -InputObject $full -EncryptionKey $passphrase).Passed | Should -BeTrue
    }
}
