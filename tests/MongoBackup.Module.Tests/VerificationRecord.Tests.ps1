# The audit's question, "when was each snapshot last verified, and did it pass?", as a DBA asks it: Test-MongoSnapshot
# records each test it finishes beside the snapshot, Get-MongoSnapshot shows the last one (VerificationStatus,
# LastVerified, VerificationMode, VerificationProblem) and -NotVerifiedSince lists what has no passing test since a date.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_verrec_' + [guid]::NewGuid().ToString('N').Substring(0, 6)
    (Get-Collection $uri $db 'items').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..50) { New-BsonDocument ([ordered]@{ _id = $i; name = "item $i" }) }))
}

AfterAll {
    if ($script:uri) { [MongoDB.Driver.MongoClient]::new($uri).DropDatabase($db, [System.Threading.CancellationToken]::None) }
    Stop-MongoTestServer $script:server
}

Describe 'Test-MongoSnapshot records its outcome; Get-MongoSnapshot shows it' {
    BeforeAll {
        $script:repository = New-TestFolder
        $script:older = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -WarningAction SilentlyContinue
        $script:newer = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -WarningAction SilentlyContinue
        $script:manifestBefore = Get-FileHash (Join-Path $newer.Path 'manifest.json')
    }

    It 'lists a snapshot never tested as Never, with no time, mode or problem' {
        $listed = Get-MongoSnapshot -Repository $repository -Id $newer.Id
        $listed.VerificationStatus | Should -Be 'Never'
        $listed.LastVerified | Should -BeNullOrEmpty
        $listed.VerificationMode | Should -BeNullOrEmpty
        $listed.VerificationProblem | Should -BeNullOrEmpty
    }

    It 'the snapshot a backup and a copy return shows the same VerificationStatus (Never) as Get-MongoSnapshot lists for it' {
        $newer.VerificationStatus | Should -Be (Get-MongoSnapshot -Repository $repository -Id $newer.Id).VerificationStatus
        $newer.VerificationStatus | Should -Be 'Never'
        $copied = Copy-MongoSnapshot -Repository $repository -Id $older.Id -Destination (New-TestFolder) -WarningAction SilentlyContinue
        $copied.VerificationStatus | Should -Be 'Never'
        ($newer | Format-List * | Out-String) | Should -Match 'VerificationStatus\s*:\s*Never'
    }

    It 'a passed test lists as Passed, when it finished and what it checked; the manifest is the one the backup wrote' {
        $before = Get-Date
        (Test-MongoSnapshot -InputObject $newer).Passed | Should -BeTrue
        $after = Get-Date

        $listed = Get-MongoSnapshot -Repository $repository -Id $newer.Id
        $listed.VerificationStatus | Should -Be 'Passed'
        $listed.LastVerified | Should -BeGreaterOrEqual $before.AddSeconds(-1)
        $listed.LastVerified | Should -BeLessOrEqual $after.AddSeconds(1)
        $listed.LastVerified.Offset | Should -Be ([TimeZoneInfo]::Local.GetUtcOffset($listed.LastVerified))
        $listed.VerificationMode | Should -Be 'Files'
        $listed.VerificationProblem | Should -BeNullOrEmpty
        (Get-FileHash (Join-Path $newer.Path 'manifest.json')).Hash | Should -Be $manifestBefore.Hash
        # A listing and a listing by id read the same record; the other snapshot is still Never.
        (Get-MongoSnapshot -Repository $repository | Where-Object Id -EQ $newer.Id).VerificationStatus | Should -Be 'Passed'
        (Get-MongoSnapshot -Repository $repository -Id $older.Id).VerificationStatus | Should -Be 'Never'
    }

    It 'Format-Table -View Verification shows each snapshot''s last test within 80 columns; Format-List shows it too' {
        $narrow = Get-MongoSnapshot -Repository $repository | Format-Table -View Verification | Out-String -Width 80
        foreach ($line in $narrow -split "`n") { $line.TrimEnd().Length | Should -BeLessOrEqual 80 -Because $line }
        $narrow | Should -Not -Match '…'
        ($narrow -split "`n")[1].TrimEnd() | Should -Match '^Id\s+Kind\s+Verified\s+LastVerified\s+Mode$'
        $passed = Get-MongoSnapshot -Repository $repository -Id $newer.Id
        ($narrow -split "`n" | Where-Object { $_ -match [regex]::Escape($newer.Id) }).TrimEnd() |
            Should -Be ("{0,-27} Full  Passed   {1,-23} Files" -f $newer.Id, $passed.LastVerified.ToString('yyyy-MM-dd HH:mm zzz'))
        ($narrow -split "`n" | Where-Object { $_ -match [regex]::Escape($older.Id) }).TrimEnd() | Should -Be ("{0,-27} Full  Never" -f $older.Id)
        # The default table is as it was: its first five columns fill 79 of 80.
        (Get-MongoSnapshot -Repository $repository | Format-Table | Out-String -Width 80) | Should -Not -Match 'Verified'
        $list = $passed | Format-List | Out-String -Width 120
        $list | Should -Match 'VerificationStatus\s*:\s*Passed'
        $list | Should -Match 'LastVerified\s*:\s*\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d'
        $list | Should -Match 'VerificationMode\s*:\s*Files'
    }

    It '-NotVerifiedSince lists what has no passing test since the date: the untested one, not the one just passed' {
        @(Get-MongoSnapshot -Repository $repository -NotVerifiedSince (Get-Date).AddHours(-1)).Id | Should -Be @($older.Id)
        # A pass before the date no longer counts.
        @(Get-MongoSnapshot -Repository $repository -NotVerifiedSince (Get-Date).AddMinutes(5)).Id | Should -Be @($newer.Id, $older.Id)
        (Get-MongoSnapshot -Repository $repository -NotVerifiedSince (Get-Date).AddHours(-1) -Latest).Id | Should -Be $older.Id
    }

    It 'a failed test replaces the pass: Failed, naming the damaged file, and -NotVerifiedSince lists it again' {
        $data = Get-ChildItem -Path $newer.Path -Recurse -Filter 'items.bson*' | Select-Object -First 1
        $bytes = [IO.File]::ReadAllBytes($data.FullName)
        $bytes[[int]($bytes.Length / 2)] = $bytes[[int]($bytes.Length / 2)] -bxor 0xFF
        [IO.File]::WriteAllBytes($data.FullName, $bytes)
        $result = Test-MongoSnapshot -InputObject $newer -ErrorAction SilentlyContinue
        $result.Passed | Should -BeFalse

        $listed = Get-MongoSnapshot -Repository $repository -Id $newer.Id
        $listed.VerificationStatus | Should -Be 'Failed'
        $listed.VerificationProblem | Should -BeLike "*$($data.Name)*"
        @(Get-MongoSnapshot -Repository $repository -NotVerifiedSince (Get-Date).AddHours(-1)).Id | Should -Contain $newer.Id
    }

    It '-WhatIf records nothing' {
        $recorded = Get-Content (Join-Path $newer.Path '.mongobackup-verified') -Raw
        Test-MongoSnapshot -InputObject $older -WhatIf | Out-Null
        (Get-MongoSnapshot -Repository $repository -Id $older.Id).VerificationStatus | Should -Be 'Never'
        Get-Content (Join-Path $newer.Path '.mongobackup-verified') -Raw | Should -Be $recorded
    }
}

Describe 'An encrypted snapshot tested without its key' {
    It 'records the test as Hashes: only sizes and SHA-256 were checked' {
        $repository = New-TestFolder
        $key = ConvertTo-SecureString 'verification record passphrase' -AsPlainText -Force
        $snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -EncryptionKey $key -WarningAction SilentlyContinue
        (Test-MongoSnapshot -InputObject $snapshot -WarningAction SilentlyContinue).Passed | Should -BeTrue
        (Get-MongoSnapshot -Repository $repository).VerificationMode | Should -Be 'Hashes'

        (Test-MongoSnapshot -InputObject $snapshot -EncryptionKey $key).Passed | Should -BeTrue
        $listed = Get-MongoSnapshot -Repository $repository
        $listed.VerificationMode | Should -Be 'Files'
        $listed.VerificationStatus | Should -Be 'Passed'
    }

    It 'shows that its contents were not read, and leaves a stronger record in place; a weaker test that fails is recorded' {
        # newuser finding: without the key the result said Passed with Documents 0 (of 1,246), and the record of the
        # earlier test with the key (Files) was replaced by Hashes.
        $repository = New-TestFolder
        $key = ConvertTo-SecureString 'verification record passphrase' -AsPlainText -Force
        $snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -EncryptionKey $key -WarningAction SilentlyContinue
        $withKey = Test-MongoSnapshot -InputObject $snapshot -EncryptionKey $key
        $withKey.Mode | Should -Be 'Files'
        $withKey.Documents | Should -BeGreaterThan 0
        $recorded = (Get-MongoSnapshot -Repository $repository).LastVerified

        $withoutKey = Test-MongoSnapshot -InputObject $snapshot -WarningVariable warned -WarningAction SilentlyContinue
        $withoutKey.Passed | Should -BeTrue
        $withoutKey.Mode | Should -Be 'Hashes'
        $withoutKey.Documents | Should -BeNullOrEmpty -Because 'no document was read, which is not zero documents'
        @($withoutKey.Files | Where-Object { $null -ne $_.Documents }).Count | Should -Be 0
        $table = ($withoutKey | Format-Table | Out-String -Width 80)
        $table | Should -Match 'not read'
        $table | Should -Match 'hashes only'
        @($warned | Where-Object Message -like "*keeps the record of its test of*(Files:*this Hashes test checked less*").Count | Should -Be 1
        $listed = Get-MongoSnapshot -Repository $repository
        $listed.VerificationMode | Should -Be 'Files'
        $listed.LastVerified | Should -Be $recorded

        # Damage the weaker test finds is news: it replaces the stronger record.
        $data = Get-ChildItem $snapshot.Path -Recurse -File | Where-Object { $_.Name -notlike 'manifest*' -and $_.Name -notlike '.*' } |
            Sort-Object Length -Descending | Select-Object -First 1
        $bytes = [IO.File]::ReadAllBytes($data.FullName)
        $bytes[$bytes.Length - 1] = $bytes[$bytes.Length - 1] -bxor 0xFF
        [IO.File]::WriteAllBytes($data.FullName, $bytes)
        (Test-MongoSnapshot -InputObject $snapshot -WarningAction SilentlyContinue -ErrorAction SilentlyContinue).Passed | Should -BeFalse
        $listed = Get-MongoSnapshot -Repository $repository
        $listed.VerificationMode | Should -Be 'Hashes'
        $listed.VerificationStatus | Should -Be 'Failed'
    }

    It 'counts a weaker test that passed for -NotVerifiedSince, while the stronger record stays' {
        # breaker finding: the stronger record stayed untouched, so the documented audit (-NotVerifiedSince piped to
        # Test-MongoSnapshot) listed a snapshot tested and passed that very day again, every day.
        $repository = New-TestFolder
        $key = ConvertTo-SecureString 'verification record passphrase' -AsPlainText -Force
        $snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -EncryptionKey $key -WarningAction SilentlyContinue
        (Test-MongoSnapshot -InputObject $snapshot -EncryptionKey $key).Mode | Should -Be 'Files'
        $recorded = (Get-MongoSnapshot -Repository $repository).LastVerified
        $since = Get-Date
        (Get-MongoSnapshot -Repository $repository -NotVerifiedSince $since).Id | Should -Be $snapshot.Id

        (Test-MongoSnapshot -InputObject $snapshot -WarningVariable warned -WarningAction SilentlyContinue).Passed | Should -BeTrue

        @($warned | Where-Object Message -like '*does not replace it; the record notes that this test passed*').Count | Should -Be 1
        Get-MongoSnapshot -Repository $repository -NotVerifiedSince $since | Should -BeNullOrEmpty
        $listed = Get-MongoSnapshot -Repository $repository
        $listed.VerificationMode | Should -Be 'Files'
        $listed.LastVerified | Should -Be $recorded
        $listed.LastPassed | Should -BeGreaterOrEqual $since
    }
}
