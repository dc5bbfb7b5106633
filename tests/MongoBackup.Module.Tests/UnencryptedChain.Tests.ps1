# A key forgotten after an encrypted full backup, as a new user met it: an oplog slice continues its chain's encrypted
# base, so a slice without the key is refused before anything is written (once, -Continuous, and as a policy's slice
# step); a full backup without the key may be meant (to stop encrypting) and is written, with a warning.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_chain_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:orders = Get-Collection $uri $db 'orders'
    $orders.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..20) { New-BsonDocument @{ _id = $i; secret = "card-$i" } }))
    $script:keyFile = Join-Path (New-TestFolder) 'key.hex'
    Set-Content $keyFile ([Convert]::ToHexString([System.Security.Cryptography.RandomNumberGenerator]::GetBytes(32)))
    if (-not $IsWindows) { chmod 600 $keyFile }

    function Get-Refusal([scriptblock] $Command) {
        try { & $Command | Out-Null; $null } catch { $_ }
    }
    function Get-RepositoryFiles([string] $Repository) {
        @(Get-ChildItem $Repository -Recurse -Force | ForEach-Object FullName | Sort-Object)
    }
    function Add-Order([int] $Id) {
        $orders.InsertOne((New-BsonDocument @{ _id = $Id; secret = "card-$Id" }), $null, [System.Threading.CancellationToken]::None)
    }
}

AfterAll {
    if ($script:uri) { [MongoDB.Driver.MongoClient]::new($uri).DropDatabase($db, [System.Threading.CancellationToken]::None) }
    Stop-MongoTestServer $server
}

Describe 'Backup-MongoOplog without the key after an encrypted full' {
    BeforeAll {
        $script:repository = New-TestFolder
        $script:full = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -EncryptionKeyFile $keyFile
        Add-Order 21
        $script:before = Get-RepositoryFiles $repository
    }

    It 'is refused, naming the encrypted base, the key parameters and Set-MongoRepository -RequireEncryption; nothing is written' {
        $refusal = Get-Refusal { Backup-MongoOplog -ConnectionString $uri -Repository $repository -ErrorAction Stop }
        $refusal.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.EncryptionKeyRequired,*'
        $refusal.Exception.Message | Should -BeLike "*continues snapshot $($full.Id), which is encrypted*-EncryptionKey or -EncryptionKeyFile*Set-MongoRepository -RequireEncryption*"
        Get-RepositoryFiles $repository | Should -Be $before
    }

    It '-Continuous is refused at once, before its duration, and writes nothing' {
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $refusal = Get-Refusal { Backup-MongoOplog -ConnectionString $uri -Repository $repository -Continuous -Duration 60s -SliceInterval 1s -ErrorAction Stop }
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 30
        $refusal.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.EncryptionKeyRequired,*'
        $refusal.Exception.Message | Should -BeLike "*$($full.Id)*"
        Get-RepositoryFiles $repository | Should -Be $before
    }

    It 'with the key writes an encrypted slice of the chain' {
        (Backup-MongoOplog -ConnectionString $uri -Repository $repository -EncryptionKeyFile $keyFile).KeyFingerprint | Should -Be $full.KeyFingerprint
    }

    It 'a full backup without the key is written, with a warning naming the encrypted snapshot and Set-MongoRepository -RequireEncryption' {
        $plain = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -WarningVariable warnings -WarningAction SilentlyContinue
        $plain.KeyFingerprint | Should -BeNullOrEmpty
        (Get-MongoSnapshot -Repository $repository).Id | Should -Contain $plain.Id
        @($warnings | Where-Object { "$_" -like "*is encrypted*Set-MongoRepository -RequireEncryption*" }) | Should -HaveCount 1
    }
}

Describe 'Invoke-MongoBackupPolicy without the key after an encrypted full' {
    BeforeAll {
        $script:repository = New-TestFolder
        $script:first = Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -Database $db -FullEvery 1d -EncryptionKeyFile $keyFile
        Add-Order 22
        $script:before = Get-RepositoryFiles $repository
    }

    It 'took an encrypted full first' {
        $first.Snapshot.KeyFingerprint | Should -Not -BeNullOrEmpty
    }

    It 'refuses its slice step without the key, naming the base; nothing is written' {
        $refusal = Get-Refusal { Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -Database $db -FullEvery 1d -ErrorAction Stop }
        $refusal.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.EncryptionKeyRequired,*'
        $refusal.Exception.Message | Should -BeLike "*continues snapshot $($first.Snapshot.Id), which is encrypted*Set-MongoRepository -RequireEncryption*"
        Get-RepositoryFiles $repository | Should -Be $before
    }

    It '-WhatIf shows the slice step refused as the run refuses it (WouldRun false, EncryptionKeyRequired naming the base); nothing is written' {
        $plan = Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -Database $db -FullEvery 1d -WhatIf -WarningAction SilentlyContinue
        $plan.Action | Should -Be 'Slice'
        $plan.WouldRun | Should -BeFalse
        $plan.ErrorId | Should -Be 'MongoBackup.EncryptionKeyRequired'
        $plan.Problem | Should -BeLike "*continues snapshot $($first.Snapshot.Id), which is encrypted*"
        (Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -Database $db -FullEvery 1d -EncryptionKeyFile $keyFile -WhatIf).WouldRun | Should -BeTrue
        Get-RepositoryFiles $repository | Should -Be $before
    }

    It 'writes a full backup without the key when one is due (no full covers the whole server yet), with the warning' {
        $plain = Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -FullEvery 1d -WarningVariable warnings -WarningAction SilentlyContinue
        $plain.Action | Should -Be 'Full'
        $plain.Snapshot.KeyFingerprint | Should -BeNullOrEmpty
        @($warnings | Where-Object { "$_" -like "*$($first.Snapshot.Id), is encrypted*Set-MongoRepository -RequireEncryption*" }) | Should -HaveCount 1
    }
}
