# Damage only a checksum can see (every length intact) in a mongodump archive or folder written by Export-MongoSnapshot:
# it belongs to the stream the checksum covers (breaker8 findings 11 and 12). One namespace's CRC-64 fails that namespace
# alone; a damaged oplog refuses the replay before any entry is applied, and the restored namespaces are kept.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:suffix = [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:none = [System.Threading.CancellationToken]::None

    function script:Get-CollectionNames([string] $Database) {
        $names = [MongoDB.Driver.IAsyncCursorExtensions]::ToList[string]([MongoDB.Driver.MongoClient]::new($uri).GetDatabase($Database).ListCollectionNames($null, $none), $none)
        @($names | Where-Object { -not $_.StartsWith('mongobackup.') }) | Sort-Object
    }
    function script:Get-Count([string] $Database, [string] $Collection, [string] $Filter = '{}') {
        (Get-Collection $uri $Database $Collection).CountDocuments([MongoDB.Driver.FilterDefinition[MongoDB.Bson.BsonDocument]] [MongoDB.Bson.BsonDocument]::Parse($Filter), $null, $none)
    }
    function script:Set-Letter([string] $Path, [int] $At, [char] $Letter) {
        $bytes = [System.IO.File]::ReadAllBytes($Path)
        $bytes[$At] = [byte] $Letter
        [System.IO.File]::WriteAllBytes($Path, $bytes)
    }
    function script:Find-Text([string] $Path, [string] $Text, [switch] $Last) {
        $content = [System.Text.Encoding]::Latin1.GetString([System.IO.File]::ReadAllBytes($Path))
        $at = if ($Last) { $content.LastIndexOf($Text) } else { $content.IndexOf($Text) }
        $at | Should -BeGreaterThan 0 -Because "'$Text' is in $Path"
        $at
    }
}

AfterAll {
    Remove-TestRun -Uri $uri -Suffix $suffix -Server $server
}

Describe 'Restore-MongoDatabase of an archive whose one namespace''s documents fail their CRC-64, framing intact' {
    It 'fails that namespace alone, named with the archive and offset, takes it back, and restores the others whole' {
        $database = "crc_$suffix"
        $target = "crct_$suffix"
        foreach ($name in 'a', 'b', 'c') {
            (Get-Collection $uri $database $name).InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..50) {
                New-BsonDocument @{ _id = $i; s = "$name-payload-marker-$i" }
            }))
        }
        $archive = Join-Path (New-TestFolder) 'dump.archive'
        Backup-MongoDatabase -ConnectionString $uri -Repository (New-TestFolder) -Database $database -WarningAction SilentlyContinue |
            Export-MongoSnapshot -Path $archive -Archive -Confirm:$false | Out-Null
        # One letter of one document of a changed: every length stays, so only a's CRC-64 (in its end marker) can see it.
        Set-Letter $archive ((Find-Text $archive ('a-payload-marker-3' + [char]0)) + 2) 'P'

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $archive -RenameDatabase @{ $database = $target } -ErrorAction SilentlyContinue -ErrorVariable problems

        @($problems).Count | Should -Be 1 -Because ($problems | ForEach-Object { $_.Exception.Message } | Out-String)
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.CorruptFile*'
        $problems[0].Exception.Message | Should -BeLike "*'$archive' at byte offset *: the documents of '$database.a' do not match the checksum mongodump recorded*"
        $result.Succeeded | Should -BeFalse
        ($result.Namespaces | Where-Object TargetNamespace -eq "$target.a").Succeeded | Should -BeFalse
        ($result.Namespaces | Where-Object TargetNamespace -ne "$target.a").Succeeded | Should -Not -Contain $false
        Get-CollectionNames $target | Should -Be @('b', 'c') -Because 'a is taken back, not left half restored'
        Get-Count $target 'b' | Should -Be 50
        Get-Count $target 'c' | Should -Be 50
    }
}

Describe 'Restore-MongoDatabase of a hot backup''s export whose oplog is damaged, framing intact' {
    BeforeAll {
        # A hot backup: 'during' documents are written into w while it runs, so its oplog holds their inserts.
        $script:database = "oplogcrc_$suffix"
        $padding = 'x' * 60
        (Get-Collection $uri $database 'big').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..30000) { New-BsonDocument @{ _id = $i; s = $padding } }))
        $started = [System.Threading.ManualResetEventSlim]::new($false)
        $stop = [System.Threading.CancellationTokenSource]::new()
        $writer = Start-ThreadJob -ArgumentList $uri, $database, $started, $stop.Token -ScriptBlock {
            param($uri, $database, $started, $stop)
            $w = [MongoDB.Driver.MongoClient]::new($uri).GetDatabase($database).GetCollection[MongoDB.Bson.BsonDocument]('w', $null)
            $i = 0
            while (-not $stop.IsCancellationRequested) {
                $i++
                $w.InsertOne([MongoDB.Bson.BsonDocument]::Parse("{_id: $i, t: 'during'}"), $null, [System.Threading.CancellationToken]::None)
                $started.Set()
            }
        }
        try {
            $started.Wait([TimeSpan]::FromSeconds(30)) | Should -BeTrue -Because 'the writer is writing before the backup starts'
            $snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository (New-TestFolder) -Database $database -WarningAction SilentlyContinue
        } finally { $stop.Cancel(); $writer | Wait-Job -Timeout 30 | Out-Null; $writer | Remove-Job -Force }
        $script:archive = Join-Path (New-TestFolder) 'dump.archive'
        $export = $snapshot | Export-MongoSnapshot -Path $archive -Archive -Confirm:$false
        $export.OplogEntries | Should -BeGreaterThan 0 -Because 'writes landed during the backup'
        $script:gzipFolder = Join-Path (New-TestFolder) 'dump'
        $snapshot | Export-MongoSnapshot -Path $gzipFolder -Gzip -Confirm:$false | Out-Null
        # What the copy holds without its oplog: what a refused replay must leave.
        $copy = Restore-MongoDatabase -ConnectionString $uri -Path $archive -RenameDatabase @{ $database = "oplogcrc_copy_$suffix" } -NoOplogReplay
        $script:copied = Get-Count "oplogcrc_copy_$suffix" 'w'
        $copy.Succeeded | Should -BeTrue
    }

    It 'archive: applies no entry (not even the damaged one), says so naming the archive, and keeps the restored namespaces' {
        $target = "oplogcrct_$suffix"
        $damaged = Join-Path (New-TestFolder) 'damaged.archive'
        Copy-Item $archive $damaged
        # The last 'during' is in the oplog, the archive's last namespace; 'During' keeps every length.
        Set-Letter $damaged (Find-Text $damaged ('during' + [char]0) -Last) 'D'

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $damaged -RenameDatabase @{ $database = $target } -ErrorAction SilentlyContinue -ErrorVariable problems

        @($problems).Count | Should -Be 1 -Because ($problems | ForEach-Object { $_.Exception.Message } | Out-String)
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.CorruptFile*'
        $problems[0].Exception.Message | Should -BeLike "*so it was not replayed: no entry of it was applied*'$damaged' at byte offset *: the oplog's entries do not match the checksum mongodump recorded*The collections restored from intact data are kept*"
        $result.OplogEntriesApplied | Should -Be 0
        $result.OplogError | Should -Be $problems[0].Exception.Message
        $result.Succeeded | Should -BeFalse
        $result.Namespaces.Succeeded | Should -Not -Contain $false
        Get-Count $target 'w' '{t: "During"}' | Should -Be 0 -Because 'the damaged oplog entry is not restored'
        Get-Count $target 'w' | Should -Be $copied -Because 'w holds what the copy holds, no entry replayed'
        Get-Count $target 'big' | Should -Be 30000
    }

    It 'gzip folder: an oplog.bson whose gzip CRC-32 fails applies no entry' {
        $target = "oplogcrcgz_$suffix"
        $folder = Join-Path (New-TestFolder) 'dump'
        Copy-Item $gzipFolder $folder -Recurse
        $oplog = Join-Path $folder 'oplog.bson'
        # The first byte of the gzip member's CRC-32: every entry decompresses, and the check fails only at the end.
        $bytes = [System.IO.File]::ReadAllBytes($oplog)
        $bytes[$bytes.Length - 8] = $bytes[$bytes.Length - 8] -bxor 0x01
        [System.IO.File]::WriteAllBytes($oplog, $bytes)

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $folder -RenameDatabase @{ $database = $target } -ErrorAction SilentlyContinue -ErrorVariable problems

        @($problems).Count | Should -Be 1 -Because ($problems | ForEach-Object { $_.Exception.Message } | Out-String)
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.CorruptFile*'
        $problems[0].Exception.Message | Should -BeLike "*no entry of it was applied*$oplog*"
        $result.OplogEntriesApplied | Should -Be 0
        $result.Namespaces.Succeeded | Should -Not -Contain $false
        Get-Count $target 'w' | Should -Be $copied
        Get-Count $target 'big' | Should -Be 30000
    }
}
