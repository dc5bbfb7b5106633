# Faults the breaker found by damaging a repository as a disk, a copy or a person does; each test fails until it is
# fixed, and moves to the tests of its concern then.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_brk_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:key = ConvertTo-SecureString 'correct horse battery staple 42' -AsPlainText -Force
}

AfterAll {
    if ($script:uri) { [MongoDB.Driver.MongoClient]::new($uri).DropDatabase($db, [System.Threading.CancellationToken]::None) }
    Stop-MongoTestServer $server
}

Describe 'Test-MongoSnapshot of an encrypted file with one stored byte changed' {
    BeforeAll {
        # Enough documents that the encrypted data file is several KB, so its middle is inside a chunk's ciphertext.
        $items = Get-Collection $uri $db 'items'
        $items.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..3000) { New-BsonDocument ([ordered]@{ _id = $i; name = "item $i"; pad = ('x' * ($i % 200)) }) }))
        $script:repository = New-TestFolder
        $snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -EncryptionKey $key -WarningAction SilentlyContinue
        $script:snapshotId = $snapshot.Id
        $script:file = Get-ChildItem $repository -Recurse -File -Filter 'items.bson*.encrypted' | Select-Object -First 1
        $bytes = [System.IO.File]::ReadAllBytes($file.FullName)
        $script:changedAt = [int] [Math]::Floor($bytes.Length / 2)
        $bytes[$changedAt] = $bytes[$changedAt] -bxor 0x55
        [System.IO.File]::WriteAllBytes($file.FullName, $bytes)
        $script:result = Test-MongoSnapshot -Repository $repository -Id $snapshotId -EncryptionKey $key -ErrorAction SilentlyContinue
        $script:damaged = $result.Files | Where-Object { -not $_.Passed }
    }

    It 'fails the file' {
        $result.Passed | Should -BeFalse
        @($damaged).Count | Should -Be 1
        $damaged.Path | Should -BeLike '*items.bson*.encrypted'
    }

    It 'gives an offset of the stored file, where the damaged chunk starts, and says it is one' {
        # Seen: "at byte offset <the file's length> of its decrypted and decompressed data (not of the stored file): chunk 0
        # does not authenticate". DecryptingStream reports _storedOffset, the stored position after the chunk was read, and
        # CorruptDumpException labels it as an offset of the decoded content: a DBA looking there (or a hex dump of the
        # stored file at "its" offset) finds nothing. Expected: the stored file's offset of the chunk holding the byte.
        $damaged.Problem | Should -Not -BeLike '*not of the stored file*: chunk *'
        $damaged.ProblemOffset | Should -BeLessOrEqual $changedAt -Because "byte $changedAt of the stored file was changed; the chunk holding it starts at or before it (the stored file is $($file.Length) bytes)"
    }
}

Describe 'Test-MongoSnapshot of an encrypted file cut short' {
    It 'says the offset it gives is the stored file''s, where it ends' {
        $items = Get-Collection $uri $db 'cut'
        $items.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..3000) { New-BsonDocument ([ordered]@{ _id = $i; name = "item $i"; pad = ('y' * ($i % 200)) }) }))
        $repository = New-TestFolder
        $snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -Collection "$db.cut" -EncryptionKey $key -WarningAction SilentlyContinue
        $file = Get-ChildItem $repository -Recurse -File -Filter 'cut.bson*.encrypted' | Select-Object -First 1
        $bytes = [System.IO.File]::ReadAllBytes($file.FullName)
        $kept = [int] [Math]::Floor($bytes.Length / 2)
        [System.IO.File]::WriteAllBytes($file.FullName, $bytes[0..($kept - 1)])

        $result = Test-MongoSnapshot -Repository $repository -Id $snapshot.Id -EncryptionKey $key -ErrorAction SilentlyContinue
        $damaged = $result.Files | Where-Object { -not $_.Passed }

        # Seen: "at byte offset <kept> of its decrypted and decompressed data (not of the stored file): chunk 0 is cut short".
        $damaged.Problem | Should -BeLike "*cut short*"
        $damaged.Problem | Should -Not -BeLike '*not of the stored file*: chunk *'
        $damaged.ProblemOffset | Should -BeLessOrEqual $kept
    }
}

Describe 'Restore-MongoDatabase of a gzip snapshot whose data file was cut in half' {
    It 'says the gzip data was cut short, at the stored file''s end, not that a document holds an unknown BSON type' {
        # Seen: "Corrupt dump file '<id>/<db>/gz.bson.gz' at byte offset 274924 of its decompressed data (not of the stored
        # file): unknown BSON element type 0xd9 (at byte 4 of the document)". StrictGzipReadStream appends its sentinel member
        # behind the stored bytes; cut inside a deflate block, GZipStream decodes the sentinel's bytes as the rest of that
        # block and hands out garbage, which the BSON reader meets before the end check can say "cut short".
        $items = Get-Collection $uri $db 'gz'
        $items.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..3000) { New-BsonDocument ([ordered]@{ _id = $i; name = "item $i"; pad = ('z' * ($i % 200)) }) }))
        $repository = New-TestFolder
        $snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -Collection "$db.gz" -Compression gzip -WarningAction SilentlyContinue
        $file = Get-ChildItem $repository -Recurse -File -Filter 'gz.bson.gz' | Select-Object -First 1
        $bytes = [System.IO.File]::ReadAllBytes($file.FullName)
        $kept = [int] [Math]::Floor($bytes.Length / 2)
        [System.IO.File]::WriteAllBytes($file.FullName, $bytes[0..($kept - 1)])
        $target = "$($db)_gz"

        $result = Restore-MongoDatabase -ConnectionString $uri -Repository $repository -Id $snapshot.Id -RenameDatabase @{ $db = $target } -ErrorAction SilentlyContinue -ErrorVariable problems

        $result.Succeeded | Should -BeFalse
        @($problems).Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.CorruptFile*'
        $problems[0].Exception.Message | Should -BeLike '*gz.bson.gz*cut short*'
        $problems[0].Exception.Message | Should -Not -BeLike '*unknown BSON element type*'
        [MongoDB.Driver.MongoClient]::new($uri).DropDatabase($target, [System.Threading.CancellationToken]::None)
    }
}
