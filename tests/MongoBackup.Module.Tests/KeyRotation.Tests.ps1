# Key rotation of a repository that pins its key, as a new user's tryout met it: Set-MongoRepository pins the old key,
# a full backup and oplog slices are taken under it, Update-MongoSnapshotKey rotates them; then the scheduled job moves
# to the new key. One passphrase must show one fingerprint throughout, the pin must follow the rotation, and a
# point-in-time restore must open the rotated chain with the new key alone.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:none = [System.Threading.CancellationToken]::None
    $script:old = ConvertTo-SecureString ('old-' + [guid]::NewGuid().ToString('N')) -AsPlainText -Force
    $script:new = ConvertTo-SecureString ('new-' + [guid]::NewGuid().ToString('N')) -AsPlainText -Force
    $script:wrong = ConvertTo-SecureString 'not-this-repository-key' -AsPlainText -Force

    function Add-Orders([string] $Database, [int[]] $Ids) {
        (Get-Collection $uri $Database 'orders').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in $Ids) { New-BsonDocument ([ordered]@{ _id = $i; item = "order-$i" }) }))
    }

    # The tryout's start: the pin, a full backup and two slices, all under the old key.
    function New-PinnedChain([string] $Database) {
        $repository = Join-Path (New-TestFolder) 'enc'
        $pin = Set-MongoRepository -Repository $repository -RequireEncryption -EncryptionKey $old -Confirm:$false
        Add-Orders $Database (1..20)
        $full = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $Database -EncryptionKey $old -WarningAction SilentlyContinue
        Add-Orders $Database (21..25)
        $first = Backup-MongoOplog -ConnectionString $uri -Repository $repository -EncryptionKey $old
        Add-Orders $Database (26..30)
        $second = Backup-MongoOplog -ConnectionString $uri -Repository $repository -EncryptionKey $old
        [pscustomobject]@{ Repository = $repository; Pin = $pin; Snapshots = @($full, $first, $second) }
    }

    function Get-Refusal([scriptblock] $Command) {
        try { & $Command | Out-Null; $null } catch { $_ }
    }

    $script:db = 'pester_rot_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:chain = New-PinnedChain $db
    $script:repository = $chain.Repository
    $script:oldFingerprint = $chain.Pin.KeyFingerprint
    $script:rotated = @(Update-MongoSnapshotKey -Repository $repository -EncryptionKey $old -NewEncryptionKey $new -Confirm:$false)
    $script:newFingerprint = $rotated[0].KeyFingerprint
}

AfterAll {
    if ($script:uri) {
        $client = [MongoDB.Driver.MongoClient]::new($uri)
        foreach ($name in (Read-Cursor $client.ListDatabaseNames($none))) { if ($name -like "pester_rot_*") { $client.DropDatabase($name, $none) } }
    }
    Stop-MongoTestServer $server
}

Describe 'Update-MongoSnapshotKey in a repository whose settings pin the key' {
    It 'shows one fingerprint for the old passphrase: the pin, the full backup and both slices' {
        $chain.Snapshots.KeyFingerprint | Sort-Object -Unique | Should -Be $oldFingerprint
    }

    It 'rotates all three snapshots to one fingerprint, and the settings now pin it' {
        $rotated.Count | Should -Be 3
        $rotated.KeyFingerprint | Sort-Object -Unique | Should -Be $newFingerprint
        (Set-MongoRepository -Repository $repository).KeyFingerprint | Should -Be $newFingerprint
    }

    It 'accepts the scheduled slice under the new key, with the fingerprint the pin and the rotated snapshots show' {
        Add-Orders $db (31..35)
        $slice = Backup-MongoOplog -ConnectionString $uri -Repository $repository -EncryptionKey $new
        $slice | Should -Not -BeNullOrEmpty
        $slice.KeyFingerprint | Should -Be $newFingerprint
    }

    It 'refuses a one-shot slice under a wrong key when nothing is new in the oplog, as it would with writes' {
        $refusal = Get-Refusal { Backup-MongoOplog -ConnectionString $uri -Repository $repository -EncryptionKey $wrong -Verbose 4>$null }
        $refusal.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.WrongEncryptionKey*'
        "$refusal" | Should -BeLike "*takes snapshots encrypted under key $newFingerprint*"
    }

    It 'refuses a slice under the retired key, naming the key to use and the retired key by the fingerprint it had' {
        Add-Orders $db (36..40)
        $refusal = Get-Refusal { Backup-MongoOplog -ConnectionString $uri -Repository $repository -EncryptionKey $old }
        $refusal.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.WrongEncryptionKey*'
        "$refusal" | Should -BeLike "*takes snapshots encrypted under key $newFingerprint*would be under key $oldFingerprint*"
    }

    It 'restores the whole rotated chain to its last moment with the new key alone' {
        $null = Backup-MongoOplog -ConnectionString $uri -Repository $repository -EncryptionKey $new
        $expected = Get-AllDocuments (Get-Collection $uri $db 'orders')
        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime ((Get-MongoRestoreWindow -Repository $repository).ToTimestamp) `
            -RenameDatabase "$db=$($db)_pitr" -EncryptionKey $new -WarningAction SilentlyContinue
        $result.Succeeded | Should -BeTrue
        Get-AllDocuments (Get-Collection $uri "$($db)_pitr" 'orders') | Should -Be $expected
        $expected.Count | Should -Be 40
    }

    It 'pins the new key again without warning about snapshots under another key' {
        $settings = Set-MongoRepository -Repository $repository -EncryptionKey $new -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue
        $settings.KeyFingerprint | Should -Be $newFingerprint
        $warnings | Should -BeNullOrEmpty
    }

}

Describe 'Update-MongoSnapshotKey -Id on part of a pinned chain' {
    BeforeAll {
        $script:partDb = 'pester_rot_part_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $script:part = New-PinnedChain $partDb
        $script:fullId = $part.Snapshots[0].Id
        $script:partRotated = @(Update-MongoSnapshotKey -Repository $part.Repository -Id $fullId -EncryptionKey $old -NewEncryptionKey $new -Confirm:$false `
                -WarningVariable partWarnings -WarningAction SilentlyContinue)
    }

    It 'keeps the pin on the old key and warns, naming the snapshots left under it and that a window needs both keys' {
        $partRotated.Id | Should -Be $fullId
        (Set-MongoRepository -Repository $part.Repository).KeyFingerprint | Should -Be $part.Pin.KeyFingerprint
        $partWarnings.Count | Should -Be 1
        "$($partWarnings[0])" | Should -BeLike "*still pin key $($part.Pin.KeyFingerprint)*2 snapshot(s)*$($part.Snapshots[1].Id)*$($part.Snapshots[2].Id)*needs both keys*"
    }

    It 'refuses a restore through the mixed window, naming each snapshot and the key it needs' {
        $refusal = Get-Refusal {
            Restore-MongoPointInTime -ConnectionString $uri -Repository $part.Repository -ClusterTime ((Get-MongoRestoreWindow -Repository $part.Repository).ToTimestamp) `
                -RenameDatabase "$partDb=$($partDb)_pitr" -EncryptionKey $new -ErrorAction Stop
        }
        $refusal.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.WrongEncryptionKey*'
        "$refusal" | Should -BeLike "*not under one key: snapshots $($part.Snapshots[1].Id), $($part.Snapshots[2].Id) need key $($part.Pin.KeyFingerprint);*opens 1 of its 3*"
        Read-Cursor ([MongoDB.Driver.MongoClient]::new($uri).ListDatabaseNames($none)) | Should -Not -Contain "$($partDb)_pitr"
    }

    It 'restores through the mixed window given both passphrases, each snapshot opened with its own' {
        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $part.Repository -ClusterTime ((Get-MongoRestoreWindow -Repository $part.Repository).ToTimestamp) `
            -RenameDatabase "$partDb=$($partDb)_both" -EncryptionKey $new, $old -WarningAction SilentlyContinue
        $result.Succeeded | Should -BeTrue
        Get-DocumentCount (Get-Collection $uri "$($partDb)_both" 'orders') | Should -Be 30
    }

    It 'moves the pin once the rest is rotated, and the window opens with the new key' {
        $rest = @(Update-MongoSnapshotKey -Repository $part.Repository -EncryptionKey $old -NewEncryptionKey $new -Confirm:$false -WarningVariable restWarnings)
        $rest.Count | Should -Be 2
        $restWarnings | Should -BeNullOrEmpty
        (Set-MongoRepository -Repository $part.Repository).KeyFingerprint | Should -Be $partRotated[0].KeyFingerprint
        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $part.Repository -ClusterTime ((Get-MongoRestoreWindow -Repository $part.Repository).ToTimestamp) `
            -RenameDatabase "$partDb=$($partDb)_pitr" -EncryptionKey $new -WarningAction SilentlyContinue
        $result.Succeeded | Should -BeTrue
        Get-DocumentCount (Get-Collection $uri "$($partDb)_pitr" 'orders') | Should -Be 30
    }
}

Describe 'Update-MongoSnapshotKey -Id on a key-file chain, restored and tested with both key files' {
    BeforeAll {
        $script:fileDb = 'pester_rot_file_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $script:keyFolder = New-TestFolder
        function New-KeyFile([string] $Name) {
            $path = Join-Path $keyFolder $Name
            Set-Content $path ([Convert]::ToHexString([System.Security.Cryptography.RandomNumberGenerator]::GetBytes(32)))
            if (-not $IsWindows) { chmod 600 $path }
            $path
        }
        $script:keyA = New-KeyFile 'a.key'
        $script:keyB = New-KeyFile 'b.key'
        $script:keyC = New-KeyFile 'c.key'
        $script:fileRepository = Join-Path (New-TestFolder) 'files'
        Add-Orders $fileDb (1..20)
        $script:fileFull = Backup-MongoDatabase -ConnectionString $uri -Repository $fileRepository -Database $fileDb -EncryptionKeyFile $keyA -WarningAction SilentlyContinue
        Add-Orders $fileDb (21..25)
        $script:fileSlice = Backup-MongoOplog -ConnectionString $uri -Repository $fileRepository -EncryptionKeyFile $keyA
        $script:fileRotated = Update-MongoSnapshotKey -Repository $fileRepository -Id $fileFull.Id -EncryptionKeyFile $keyA -NewEncryptionKeyFile $keyB `
            -Confirm:$false -WarningAction SilentlyContinue
        $script:fileEnd = (Get-MongoRestoreWindow -Repository $fileRepository).ToTimestamp
    }

    AfterAll { Remove-Item $keyFolder -Recurse -Force }

    It 'restores to the end of the window across the rotated full and the older slice with both key files' {
        $fileRotated.KeyFingerprint | Should -Not -Be $fileSlice.KeyFingerprint
        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $fileRepository -ClusterTime $fileEnd `
            -RenameDatabase "$fileDb=$($fileDb)_pitr" -EncryptionKeyFile $keyB, $keyA -WarningAction SilentlyContinue
        $result.Succeeded | Should -BeTrue
        Get-DocumentCount (Get-Collection $uri "$($fileDb)_pitr" 'orders') | Should -Be 25
    }

    It 'tests every snapshot of the chain with both key files' {
        $tests = @(Get-MongoSnapshot -Repository $fileRepository | Test-MongoSnapshot -EncryptionKeyFile $keyA, $keyB)
        $tests.Count | Should -Be 2
        $tests.Passed | Should -Be @($true, $true)
    }

    It 'refuses when no key file given is a snapshot''s, naming the snapshot and the fingerprint it needs, and writes nothing' {
        $refusal = Get-Refusal {
            Restore-MongoPointInTime -ConnectionString $uri -Repository $fileRepository -ClusterTime $fileEnd `
                -RenameDatabase "$fileDb=$($fileDb)_wrong" -EncryptionKeyFile $keyB, $keyC -ErrorAction Stop
        }
        $refusal.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.WrongEncryptionKey*'
        "$refusal" | Should -BeLike "*snapshot $($fileSlice.Id) needs key $($fileSlice.KeyFingerprint) (a key file)*keys given open 1 of its 2*"
        Read-Cursor ([MongoDB.Driver.MongoClient]::new($uri).ListDatabaseNames($none)) | Should -Not -Contain "$($fileDb)_wrong"
    }

    It 'refuses a snapshot none of several key files opens, naming it, its fingerprint and each file''s' {
        $refusal = Get-Refusal { $fileSlice | Test-MongoSnapshot -EncryptionKeyFile $keyB, $keyC -ErrorAction Stop }
        $refusal.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.WrongEncryptionKey*'
        "$refusal" | Should -BeLike "*Snapshot $($fileSlice.Id) was encrypted with the key whose fingerprint is $($fileSlice.KeyFingerprint); none of the 2 key files given (b.key: *, c.key: *) has it*"
    }
}

Describe 'Update-MongoSnapshotKey failing on a snapshot after it re-keyed another' {
    # Breaker7: a failure midway must not leave the DBA thinking nothing moved to the new key: the error names what did.
    It 'reports the failure naming the snapshot already re-keyed and the new key, and that snapshot opens with the new key only' {
        $repository = Join-Path (New-TestFolder) 'midway'
        $database = 'pester_rotmid_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        Add-Orders $database (1..3)
        $first = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $database -EncryptionKey $old -WarningAction SilentlyContinue
        $second = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $database -EncryptionKey $wrong -WarningAction SilentlyContinue
        $done = @(Update-MongoSnapshotKey -Repository $repository -Id $first.Id, $second.Id -EncryptionKey $old -NewEncryptionKey $new -Confirm:$false `
            -ErrorVariable failures -ErrorAction SilentlyContinue)
        @($done.Id) | Should -Be @($first.Id)
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.WrongEncryptionKey,*'
        $failures[0].Exception.Message | Should -BeLike "*Not re-keyed: $($second.Id); already re-keyed under key $($done[0].KeyFingerprint) (the new key; the current key no longer opens it): $($first.Id)*"
        (Get-MongoSnapshot -Repository $repository -Id $first.Id).KeyFingerprint | Should -Be $done[0].KeyFingerprint
        (Get-MongoSnapshot -Repository $repository -Id $second.Id).KeyFingerprint | Should -Be $second.KeyFingerprint
        Remove-Item (Split-Path $repository) -Recurse -Force -ErrorAction SilentlyContinue
    }
}

Describe 'Update-MongoSnapshotKey help Example 1, run as written: the new passphrase read twice' {
    # Tryout item 10: a rotation took the new passphrase once, so a typo there left every snapshot under a passphrase
    # nobody knew. The cmdlet never prompts for a key; the help's example reads it twice and stops on a mismatch.
    BeforeAll {
        $script:example = ((Get-Help Update-MongoSnapshotKey -Examples).Examples.Example | Where-Object Title -like '*Example 1:*').Code
        $script:exampleRepository = Join-Path (New-TestFolder) 'example'
        $exampleDb = 'pester_rotex_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        Add-Orders $exampleDb (1..3)
        $script:exampleFull = Backup-MongoDatabase -ConnectionString $uri -Repository $exampleRepository -Database $exampleDb -EncryptionKey $old -WarningAction SilentlyContinue
        $script:oldText = ConvertFrom-SecureString $old -AsPlainText
        $script:newText = ConvertFrom-SecureString $new -AsPlainText
        function Invoke-Example([string[]] $Answers) {
            # The prompts answered in order; the example's repository is the test's; -Confirm's questions answered yes.
            $script:answers = [System.Collections.Generic.Queue[string]]::new($Answers)
            Mock Read-Host { ConvertTo-SecureString $script:answers.Dequeue() -AsPlainText -Force }
            $ConfirmPreference = 'None'
            & ([scriptblock]::Create($example.Replace('/backups/mongo', "'$exampleRepository'")))
        }
    }
    AfterAll { Remove-Item (Split-Path $exampleRepository) -Recurse -Force -ErrorAction SilentlyContinue }

    It 'asks for the new passphrase twice, and stops when the two differ, rotating nothing' {
        { Invoke-Example @($oldText, $newText, "$newText-typo") } | Should -Throw '*The two new passphrases differ: nothing was rotated.*'
        Should -Invoke Read-Host -Times 3 -Exactly
        (Get-MongoSnapshot -Repository $exampleRepository -Id $exampleFull.Id).KeyFingerprint | Should -Be $exampleFull.KeyFingerprint
    }

    It 'rotates when the two agree, and the snapshot then opens with the new passphrase' {
        $rotatedByExample = @(Invoke-Example @($oldText, $newText, $newText))
        $rotatedByExample.Id | Should -Be @($exampleFull.Id)
        $rotatedByExample[0].KeyFingerprint | Should -Not -Be $exampleFull.KeyFingerprint
        (Test-MongoSnapshot -Repository $exampleRepository -Id $exampleFull.Id -EncryptionKey $new).Passed | Should -BeTrue
    }
}

Describe 'Update-MongoSnapshotKey when every snapshot is already under the new key' {
    It "warns 'nothing to rotate' when rerun, and says so plainly when the current key is right" {
        $count = @(Get-MongoSnapshot -Repository $repository).Count
        $out = Update-MongoSnapshotKey -Repository $repository -EncryptionKey $new -NewEncryptionKey $new -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        "$warned" | Should -BeLike "Nothing to rotate: every snapshot ($count) is already under the new key $newFingerprint. The key given with -EncryptionKey is that same key."
    }

    It 'with the keys swapped (a wrong key as current, the current key as new): warns that the key given opens none and is not pinned' {
        $count = @(Get-MongoSnapshot -Repository $repository).Count
        $out = Update-MongoSnapshotKey -Repository $repository -EncryptionKey $wrong -NewEncryptionKey $new -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue -ErrorVariable failed
        $out | Should -BeNullOrEmpty
        $failed | Should -BeNullOrEmpty
        "$warned" | Should -BeLike "Nothing to rotate: every snapshot ($count) is already under the new key $newFingerprint. The key given with -EncryptionKey (key *) opens none of the snapshots in * and is not the key its settings pin ($newFingerprint): check that the keys are not swapped*"
        (Get-MongoSnapshot -Repository $repository).KeyFingerprint | Sort-Object -Unique | Should -Be $newFingerprint
    }
}

Describe 'secrets given as plain strings' {
    It 'a plain string as -EncryptionKey (and the other SecureString parameters) gets a hint naming the parameter, not the generic conversion error' {
        $caught = $null
        try { Get-MongoSnapshot -Repository $repository -Latest | Restore-MongoDatabase -ConnectionString $uri -EncryptionKey 'a passphrase' -ErrorAction Stop } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError,*'
        $caught.Exception.Message | Should -BeLike "*parameter 'EncryptionKey'*(Read-Host -AsSecureString)*ConvertTo-SecureString*"
        $caught.Exception.Message | Should -Not -BeLike '*a passphrase*'
        foreach ($typed in @(
                { Update-MongoSnapshotKey -Repository $repository -EncryptionKey $new -NewEncryptionKey 'next one' -ErrorAction Stop },
                { Backup-MongoDatabase -ConnectionString $uri -Repository $repository -TlsCertificatePassword 'pfx' -ErrorAction Stop },
                { New-MongoRepository -S3 's3://b' -SecretKey 'k' -ErrorAction Stop })) {
            $typed | Should -Throw -ErrorId 'ParameterArgumentTransformationError,*' -ExpectedMessage '*(Read-Host -AsSecureString)*'
        }
    }
}
