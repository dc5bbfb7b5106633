# Export-MongoSnapshot as a user runs it: an encrypted zstd snapshot becomes a mongodump folder or archive that
# Restore-MongoDatabase -Path (and stock mongorestore) restores; -WhatIf writes nothing; a taken path is refused.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_export_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $items = Get-Collection $uri $db 'items'
    $items.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..120) { New-BsonDocument ([ordered]@{ _id = $i; name = "item $i" }) }))
    $script:key = ConvertTo-SecureString 'a pester export passphrase' -AsPlainText -Force
    $script:repository = New-TestFolder
    $script:snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -Compression Zstd `
        -EncryptionKey $key -WarningAction SilentlyContinue
    $script:out = New-TestFolder
}

AfterAll {
    if ($script:uri) {
        $client = [MongoDB.Driver.MongoClient]::new($uri)
        foreach ($name in @($db, "$($db)_a", "$($db)_d")) { $client.DropDatabase($name, [System.Threading.CancellationToken]::None) }
    }
    Stop-MongoTestServer $server
    Remove-Item $repository, $out -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Export-MongoSnapshot' {
    It 'writes a gzip mongodump folder that restores every document' {
        $path = Join-Path $out 'dump'
        $export = $snapshot | Export-MongoSnapshot -Path $path -Gzip -EncryptionKey $key
        $export.Format | Should -Be 'Directory'
        $export.Documents | Should -Be 120
        $export.MongorestoreArguments | Should -BeLike "--dir=*--gzip*"
        Test-Path (Join-Path $path "$db/items.bson.gz") | Should -BeTrue
        Test-Path (Join-Path $path "$db/items.metadata.json.gz") | Should -BeTrue

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $path -RenameDatabase @{ $db = "$($db)_d" }
        $result.Succeeded | Should -BeTrue
        Get-DocumentCount (Get-Collection $uri "$($db)_d" "items") | Should -Be 120
    }

    It 'lists its result with Size and Duration in the forms every other list view gives them (newuser finding)' {
        $export = $snapshot | Export-MongoSnapshot -Path (Join-Path $out 'listed') -EncryptionKey $key
        $list = $export | Format-List | Out-String -Width 80
        $list | Should -Match ('(?m)^Duration\s*: ' + [regex]::Escape([MongoBackup.TimeText]::Duration($export.Duration)) + '\s*$')
        $list | Should -Match ('(?m)^Size\s*: ' + [regex]::Escape([MongoBackup.ByteSize]::Format($export.SizeBytes)) + '\s*$')
        $list | Should -Not -Match '\d\d:\d\d:\d\d\.\d{7}'
        $list | Should -Match '(?m)^MongorestoreArguments\s*: --dir='
    }

    It 'writes an archive by -Repository and -Id that restores every document' {
        $path = Join-Path $out 'dump.archive'
        $export = Export-MongoSnapshot -Repository $repository -Id $snapshot.Id -Path $path -Archive -EncryptionKey $key
        $export.Format | Should -Be 'Archive'
        (Get-Item $path).Length | Should -Be $export.SizeBytes

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $path -RenameDatabase @{ $db = "$($db)_a" }
        $result.Succeeded | Should -BeTrue
        Get-DocumentCount (Get-Collection $uri "$($db)_a" "items") | Should -Be 120
    }

    It 'writes nothing with -WhatIf, and emits the export it would run' {
        $path = Join-Path $out 'whatif'
        $plan = $snapshot | Export-MongoSnapshot -Path $path -EncryptionKey $key -WhatIf
        $plan | Should -BeOfType MongoBackup.MongoPlannedAction
        $plan.Action | Should -Be 'Export'
        $plan.Source | Should -Be $snapshot.Id
        $plan.WouldRun | Should -BeTrue
        Test-Path $path | Should -BeFalse
    }

    It '-WhatIf checks what the export checks: a taken path and a wrong key are marked as the run would refuse them' {
        $taken = Join-Path $out 'taken-whatif'
        Set-Content -Path $taken -Value 'x'
        $plan = $snapshot | Export-MongoSnapshot -Path $taken -EncryptionKey $key -WhatIf -WarningAction SilentlyContinue
        $plan.WouldRun | Should -BeFalse
        $plan.ErrorId | Should -Be 'MongoBackup.TargetNotEmpty'
        $wrong = ConvertTo-SecureString 'Not-the-right-passphrase-9' -AsPlainText -Force
        ($snapshot | Export-MongoSnapshot -Path (Join-Path $out 'wrong-key') -EncryptionKey $wrong -WhatIf -WarningAction SilentlyContinue).ErrorId |
            Should -Be 'MongoBackup.WrongEncryptionKey'
    }

    It 'refuses a path that is taken, naming it' {
        $path = Join-Path $out 'taken'
        Set-Content -Path $path -Value 'x'
        $snapshot | Export-MongoSnapshot -Path $path -EncryptionKey $key -ErrorVariable failed -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.TargetNotEmpty*'
        $failed[0].Exception.Message | Should -BeLike "*$path*"
    }
}
