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

Describe 'An InsertMany outside any transaction, as the oplog holds it' {
    It 'is listed as plain inserts, not InTransaction, and the slice counts one entry per document' {
        # Monday: 100 documents inserted with InsertMany (no session, no transaction) showed in Get-MongoSnapshot as a
        # slice of "2 oplog entries", and Find-MongoOplogEntry marked every insert InTransaction: True. The test server
        # answers as MongoDB 7.0, which logs a vectored insert as one 'i' entry per document; batching them into one
        # applyOps came with featureFlagReplicateVectoredInsertsTransactionally in 8.0 (mongodb/mongo
        # jstests/multiVersion: "results in oplog entries which can't be read by older versions", last-LTS 7.0).
        $repository = Join-Path $root 'inserts'
        $null = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -WarningAction SilentlyContinue
        $collection = 'batch_' + [guid]::NewGuid().ToString('N').Substring(0, 6)
        (Get-Collection $uri $db $collection).InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..5) { New-BsonDocument ([ordered]@{ _id = $i }) }))
        $slice = Backup-MongoOplog -ConnectionString $uri -Repository $repository -WarningAction SilentlyContinue
        $inserts = @(Find-MongoOplogEntry -Repository $repository -Namespace "$db.$collection" -Operation Insert)
        $inserts.Count | Should -Be 5
        @($inserts | Where-Object InTransaction).Count | Should -Be 0 -Because 'no transaction was used'
        @($inserts | ForEach-Object { $_.Timestamp.ToString() } | Sort-Object -Unique).Count | Should -Be 5 -Because 'MongoDB 7.0 gives each inserted document its own oplog entry'
        $slice.Entries | Should -BeGreaterOrEqual 5
    }
}
