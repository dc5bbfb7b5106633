# Faults a DBA new to the module met in a first week of following README.md and Get-Help (newuser session). Each test
# asserts what that user needed to see; they fail until the fault is fixed.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_newuser_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    (Get-Collection $uri $db 'orders').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..20) { New-BsonDocument ([ordered]@{ _id = $i }) }))
    $script:root = New-TestFolder
    $script:key = Join-Path $root 'backup.key'
    [IO.File]::WriteAllBytes($key, [byte[]](1..32))
    if (-not $IsWindows) { chmod 600 $key }
}

AfterAll {
    if ($script:uri) { [MongoDB.Driver.MongoClient]::new($uri).DropDatabase($db, [System.Threading.CancellationToken]::None) }
    Remove-Item $root -Recurse -Force -ErrorAction SilentlyContinue
    Stop-MongoTestServer $server
}

Describe 'Copy-MongoSnapshot of an unencrypted snapshot into a repository that requires encryption' {
    It 'is refused with advice the user can follow: it names no parameter Copy-MongoSnapshot lacks, and copies nothing' {
        # The nightly repository (unencrypted) copied into the encrypted offsite one, as the README's offsite example
        # does. The refusal said "Give -EncryptionKey or -EncryptionKeyFile", parameters Copy-MongoSnapshot does not have.
        $plain = Join-Path $root 'plain'
        $snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $plain -Database $db -WarningAction SilentlyContinue
        $offsite = Join-Path $root 'offsite'
        $null = Set-MongoRepository -Repository $offsite -RequireEncryption -EncryptionKeyFile $key -Confirm:$false -WarningAction SilentlyContinue
        $failure = $null
        try { $snapshot | Copy-MongoSnapshot -Destination $offsite -ErrorAction Stop -WarningAction SilentlyContinue } catch { $failure = $_ }
        $failure | Should -Not -BeNullOrEmpty
        $copyParameters = (Get-Command Copy-MongoSnapshot).Parameters.Keys
        $named = [regex]::Matches($failure.Exception.Message, '(?<![\w-])-(?<name>[A-Z]\w+)') | ForEach-Object { $_.Groups['name'].Value }
        foreach ($name in $named) {
            $copyParameters | Should -Contain $name -Because "the refusal tells the user to give -$name to Copy-MongoSnapshot: $($failure.Exception.Message)"
        }
        @(Get-MongoSnapshot -Repository $offsite).Count | Should -Be 0
    }
}
