# Catalog housekeeping as a user runs it: Copy-, Test-, Remove-MongoSnapshot and Invoke-MongoSnapshotRetention.
# Real snapshots come from Backup-MongoDatabase against MONGOBACKUP_TEST_URI or the in-memory test server; the
# retention and removal histories are manifests written through the engine's own repository.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_hk_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $items = Get-Collection $uri $db 'items'
    $items.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..300) { New-BsonDocument ([ordered]@{ _id = $i; name = "item $i"; price = [double] $i / 4 }) }))

    $script:repository = New-TestFolder
    $script:snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -WarningAction SilentlyContinue

    # A repository of manifests only: full snapshots and oplog slices on one timeline (second N = oplog Timestamp(N, 1)).
    # Written as the manifest.json a backup writes, so the test needs none of the engine's types.
    function New-History {
        param([string] $Path, [object[]] $Snapshots)
        $epoch = [datetimeoffset]::new(2026, 1, 1, 0, 0, 0, [timespan]::Zero)
        $format = 'yyyy-MM-ddTHH:mm:ssZ'
        foreach ($s in $Snapshots) {
            $end = [ordered]@{ t = $s.At; i = 1 }
            $endTime = $epoch.AddSeconds($s.At).ToString($format)
            $manifest = [ordered]@{
                formatVersion = 1; id = $s.Id; kind = $(if ($s.After) { 'oplog' } else { 'full' }); status = 'complete'; toolVersion = 'pester'
                source = [ordered]@{ topology = 'ReplicaSet'; replicaSetName = 'rs0'; serverVersion = ''; hosts = @() }
                startTime = $epoch.AddSeconds($s.At - 1).ToString($format); endTime = $endTime
                consistentAt = [ordered]@{ timestamp = $end; wallTime = $endTime }
                pointInTimeConsistent = -not $s.After
                oplogStart = $(if ($s.After) { [ordered]@{ t = $s.After + 1; i = 0 } } else { $end })
                oplogEnd = $end
                previousSliceEnd = $(if ($s.After) { [ordered]@{ t = $s.After; i = 1 } } else { $null })
                oplogEntries = 0; gap = $null; namespaces = @(); files = @(); compression = 'none'; encryption = $null; tags = @{}
            }
            $folder = New-Item -ItemType Directory -Path (Join-Path $Path $s.Id) -Force
            $manifest | ConvertTo-Json -Depth 5 | Set-Content (Join-Path $folder 'manifest.json')
        }
    }
    $day = 86400
    # Three days, a full snapshot each day (two on day 2) and an unbroken chain of slices from the first one.
    $script:history = @(
        @{ Id = '01-full-d1'; At = 100 }
        @{ Id = '02-slice'; At = 5000; After = 100 }
        @{ Id = '03-full-d2a'; At = $day + 100 }
        @{ Id = '04-slice'; At = $day + 5000; After = 5000 }
        @{ Id = '05-full-d2b'; At = $day + 6000 }
        @{ Id = '06-slice'; At = 2 * $day + 50; After = $day + 5000 }
        @{ Id = '07-full-d3'; At = 2 * $day + 100 }
        @{ Id = '08-slice'; At = 2 * $day + 5000; After = 2 * $day + 50 }
    )
}

AfterAll {
    if ($script:uri) { [MongoDB.Driver.MongoClient]::new($uri).DropDatabase($db, [System.Threading.CancellationToken]::None) }
    Stop-MongoTestServer $server
    Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Copy-MongoSnapshot' {
    BeforeAll { $script:destination = Join-Path (New-TestFolder) 'offsite' }
    AfterAll { Remove-Item (Split-Path $destination) -Recurse -Force -ErrorAction SilentlyContinue }

    It 'copies a piped snapshot into a new repository and outputs it there, file for file' {
        $copy = Get-MongoSnapshot -Repository $repository -Latest | Copy-MongoSnapshot -Destination $destination
        $copy | Should -BeOfType MongoBackup.MongoSnapshot
        $copy.Id | Should -Be $snapshot.Id
        $copy.Repository | Should -Be $destination
        $copy.Documents | Should -Be 300
        foreach ($file in $snapshot.Files) {
            $relative = [System.IO.Path]::GetRelativePath($snapshot.Path, $file)
            (Get-FileHash (Join-Path $copy.Path $relative)).Hash | Should -Be (Get-FileHash $file).Hash
        }
        (Get-MongoSnapshot -Repository $destination).Id | Should -Be $snapshot.Id
    }

    It 'refuses to copy onto an existing copy without -Force, and replaces it with -Force' {
        { Copy-MongoSnapshot -Repository $repository -Id $snapshot.Id -Destination $destination -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.SnapshotExists,*'
        (Copy-MongoSnapshot -Repository $repository -Id $snapshot.Id -Destination $destination -Force).Id | Should -Be $snapshot.Id
    }

    It 'reads the destination''s settings once per run, not once per snapshot: settings damaged after the first copy are not met again' {
        # Encrypted snapshots, into a destination whose settings require encryption: each copy is judged against them.
        $key = ConvertTo-SecureString 'settings read once' -AsPlainText -Force
        $source = New-TestFolder
        $ids = foreach ($n in 1..3) { (Backup-MongoDatabase -ConnectionString $uri -Repository $source -Database $db -EncryptionKey $key -WarningAction SilentlyContinue).Id }
        $offsite = New-TestFolder
        $settings = Join-Path $offsite '.mongobackup-settings.json'
        Set-MongoRepository -Repository $offsite -RequireEncryption -AnyKey -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        Test-Path $settings | Should -BeTrue
        $seen = 0

        # The pipeline hands each snapshot on once the one before is copied: the settings file is made unreadable after the
        # first copy, so a second read of it (one per snapshot) would fail the next copies with MongoBackup.CorruptFile.
        $copied = Get-MongoSnapshot -Repository $source | ForEach-Object {
            if ($seen++ -eq 1) { Set-Content -Path $settings -Value '{ damaged' }
            $_
        } | Copy-MongoSnapshot -Destination $offsite -ErrorVariable failures -ErrorAction SilentlyContinue -WarningAction SilentlyContinue

        @($failures).Count | Should -Be 0 -Because "$failures"
        @($copied.Id | Sort-Object) | Should -Be @($ids | Sort-Object)
    }

    It '-WhatIf copies nothing' {
        $elsewhere = Join-Path (Split-Path $destination) 'whatif'
        Copy-MongoSnapshot -InputObject $snapshot -Destination $elsewhere -WhatIf
        Test-Path $elsewhere | Should -BeFalse
    }
}

Describe 'Test-MongoSnapshot' {
    It 'passes a whole snapshot piped from Get-MongoSnapshot, counting every document' {
        $result = Get-MongoSnapshot -Repository $repository -Id $snapshot.Id | Test-MongoSnapshot
        $result | Should -BeOfType MongoBackup.MongoSnapshotTestResult
        $result.Passed | Should -BeTrue
        $result.Documents | Should -Be 300
        $result.Files.Count | Should -Be ($snapshot.Files.Count - 1)   # every file but the manifest itself
        $result.RestoreChecked | Should -BeFalse
        ($result | Format-Table | Out-String) | Should -Match ([regex]::Escape($snapshot.Id))
    }

    It 'restores into scratch databases with -ConnectionString, compares counts and drops them' {
        $result = Test-MongoSnapshot -Repository $repository -Id $snapshot.Id -ConnectionString $uri
        $result.Passed | Should -BeTrue
        $result.RestoreChecked | Should -BeTrue
        ($result.RestoreCounts | Where-Object Namespace -eq "$db.items").Restored | Should -Be 300
        Get-DatabaseName $uri | Where-Object { $_ -like "$($db)__verify_*" } | Should -BeNullOrEmpty
    }

    It 'detects a flipped byte in a data file, naming the file, as a SnapshotTestFailed error' {
        $damaged = New-TestFolder
        try {
            $copy = Copy-MongoSnapshot -InputObject $snapshot -Destination $damaged
            $data = $copy.Files | Where-Object { $_ -like '*items.bson*' }
            $bytes = [System.IO.File]::ReadAllBytes($data)
            $bytes[[int]($bytes.Length / 2)] = $bytes[[int]($bytes.Length / 2)] -bxor 0x5A
            [System.IO.File]::WriteAllBytes($data, $bytes)

            $result = $copy | Test-MongoSnapshot -ErrorVariable failures -ErrorAction SilentlyContinue
            $result.Passed | Should -BeFalse
            $bad = @($result.Files | Where-Object { -not $_.Passed })
            $bad.Count | Should -Be 1
            $bad[0].Path | Should -Be "$db/items.bson.zst"
            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.SnapshotTestFailed,*'
            $failures[0].Exception.Message | Should -BeLike "*$db/items.bson.zst*"
        }
        finally { Remove-Item $damaged -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'says what it cannot check: a plain snapshot''s manifest is not authenticated' {
        $result = Test-MongoSnapshot -Repository $repository -Id $snapshot.Id
        $result.Passed | Should -BeTrue
        "$($result.Unchecked)" | Should -BeLike '*manifest.json is not authenticated*'
    }

    It 'catches a count edited in manifest.json, and a restore of that collection fails naming both numbers' {
        $tampered = New-TestFolder
        try {
            $copy = Copy-MongoSnapshot -InputObject $snapshot -Destination $tampered
            Edit-SnapshotManifest $copy.Path { param($manifest) ($manifest.namespaces | Where-Object collection -eq 'items').documents = 310 } # the issue's input: a count edited

            $result = Test-MongoSnapshot -Repository $tampered -Id $copy.Id -ErrorAction SilentlyContinue
            $result.Passed | Should -BeFalse
            "$($result.Problems)" | Should -BeLike "*holds 300 documents*$db.items*records 310 documents*"

            $restored = Restore-MongoDatabase -Path $copy.Path -ConnectionString $uri -RenameDatabase "$db=$($db)_tampered" -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable failures
            $restored.Succeeded | Should -BeFalse
            ($restored.Namespaces | Where-Object SourceNamespace -eq "$db.items").Error | Should -BeLike '*300 documents*records 310*'
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.CorruptFile*'
        }
        finally {
            Remove-Item $tampered -Recurse -Force -ErrorAction SilentlyContinue
            [MongoDB.Driver.MongoClient]::new($uri).DropDatabase("$($db)_tampered", [System.Threading.CancellationToken]::None)
        }
    }
}

Describe 'Remove-MongoSnapshot' {
    BeforeEach {
        $script:chain = New-TestFolder
        New-History $chain $history
    }
    AfterEach { Remove-Item $chain -Recurse -Force -ErrorAction SilentlyContinue }

    It '-WhatIf lists what would go and removes nothing' {
        $before = (Get-MongoSnapshot -Repository $chain).Count
        Get-MongoSnapshot -Repository $chain | Remove-MongoSnapshot -WhatIf
        (Get-MongoSnapshot -Repository $chain).Count | Should -Be $before
    }

    It 'refuses to remove a full snapshot whose slices would be left without a base, naming its window; -Force removes it' {
        { Get-MongoSnapshot -Repository $chain -Id '01-full-d1' | Remove-MongoSnapshot -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.SnapshotInUse,*' -ExpectedMessage '*base of the restore window*01-full-d1*02-slice*'
        # The ways out, once each and not against each other (it said "Remove them too. Leave those out, or use -Force").
        $refusal = { Get-MongoSnapshot -Repository $chain -Id '01-full-d1' | Remove-MongoSnapshot -Confirm:$false -ErrorAction Stop } |
            Should -Throw -PassThru
        $refusal.Exception.Message | Should -BeLike '*would stay behind with no full snapshot to restore from: remove them with it, or leave it out. Or use -Force to remove them anyway.'
        (Get-MongoSnapshot -Repository $chain).Id | Should -Contain '01-full-d1'

        Remove-MongoSnapshot -Repository $chain -Id '01-full-d1' -Force -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue
        (Get-MongoSnapshot -Repository $chain).Id | Should -Not -Contain '01-full-d1'
        $warnings.Count | Should -BeGreaterThan 0
    }

    It '-WhatIf of a removal that would break a window warns which window, and removes nothing' {
        Remove-MongoSnapshot -Repository $chain -Id '04-slice' -WhatIf -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings.Count | Should -Be 1
        $warnings[0].Message | Should -BeLike '*04-slice*restore window*01-full-d1*'
        (Get-MongoSnapshot -Repository $chain).Id | Should -Contain '04-slice'
    }

    It 'refuses to remove a slice inside a kept window' {
        { Remove-MongoSnapshot -Repository $chain -Id '06-slice' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.SnapshotInUse,*' -ExpectedMessage '*06-slice*cut that window short: leave it out, or remove 01-full-d1 and its slices with it. Or use -Force*'
    }

    It 'never removes a snapshot whose manifest is cut short through the clean-up recipe; only -Id with -Force does' {
        $whole = Backup-MongoDatabase -ConnectionString $uri -Repository $chain -Database $db -WarningAction SilentlyContinue
        $manifest = Join-Path $whole.Path 'manifest.json'
        Set-Content $manifest (Get-Content $manifest -Raw).Substring(0, 200) -NoNewline # the issue's input: a truncated manifest.json
        $unfinished = New-Item -ItemType Directory (Join-Path $chain '20260101T000000Z-full-dead')
        Set-Content (Join-Path $unfinished 'manifest.json.tmp') '{"id":'

        $listed = Get-MongoSnapshot -Repository $chain -IncludeIncomplete -WarningVariable warnings -WarningAction SilentlyContinue
        ($listed | Where-Object Id -eq $whole.Id).Status | Should -Be 'Damaged'
        ($listed | Where-Object Id -eq $unfinished.Name).Status | Should -Be 'Incomplete'
        "$warnings" | Should -BeLike "*$($whole.Id)*Damaged*"

        # The documented clean-up takes the unfinished one only.
        Get-MongoSnapshot -Repository $chain -IncludeIncomplete -WarningAction SilentlyContinue | Where-Object Status -eq Incomplete | Remove-MongoSnapshot -Confirm:$false
        Test-Path $unfinished | Should -BeFalse
        Test-Path (Join-Path $whole.Path "$db/items.bson.zst") | Should -BeTrue

        # Piped, even with -Force, it is refused by name; by -Id without -Force too.
        Get-MongoSnapshot -Repository $chain -IncludeIncomplete -WarningAction SilentlyContinue | Where-Object Status -eq Damaged |
            Remove-MongoSnapshot -Force -Confirm:$false -ErrorVariable piped -ErrorAction SilentlyContinue
        $piped[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.SnapshotDamaged*'
        "$($piped[0])" | Should -BeLike "*Remove-MongoSnapshot -Repository*-Id $($whole.Id) -Force*"
        { Remove-MongoSnapshot -Repository $chain -Id $whole.Id -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'MongoBackup.SnapshotDamaged,*'
        Test-Path (Join-Path $whole.Path "$db/items.bson.zst") | Should -BeTrue

        Remove-MongoSnapshot -Repository $chain -Id $whole.Id -Force -Confirm:$false -WarningAction SilentlyContinue
        Test-Path $whole.Path | Should -BeFalse
    }

    It 'removes a snapshot folder copied under another name as the damaged folder it is, never the original its manifest names (breaker8 finding 4)' {
        $original = Backup-MongoDatabase -ConnectionString $uri -Repository $chain -Database $db -WarningAction SilentlyContinue
        $copyName = '20300101T000000Z-full-beef'
        $copyPath = Join-Path $chain $copyName
        Copy-Item -Recurse $original.Path $copyPath

        # The listing and a restore agree: the copy is damaged, under its own name.
        $copy = Get-MongoSnapshot -Repository $chain -IncludeIncomplete -WarningAction SilentlyContinue | Where-Object Path -eq $copyPath
        $copy.Id | Should -Be $copyName
        $copy.Status | Should -Be 'Damaged'
        { Restore-MongoDatabase -ConnectionString $uri -Repository $chain -Id $copyName -RenameDatabase @{ $db = "$($db)_copy" } -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.CorruptFile*' -ExpectedMessage "*$copyName*names snapshot '$($original.Id)'*"

        # Piped from the listing it is refused as damaged (even with -Force); named by -Id with -Force, that folder goes.
        $copy | Remove-MongoSnapshot -Force -Confirm:$false -ErrorVariable piped -ErrorAction SilentlyContinue
        $piped[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.SnapshotDamaged*'
        Remove-MongoSnapshot -Repository $chain -Id $copyName -Force -Confirm:$false -WarningAction SilentlyContinue
        Test-Path $copyPath | Should -BeFalse

        # The original is whole: it restores every document.
        $target = "$($db)_original"
        try {
            $restored = Restore-MongoDatabase -ConnectionString $uri -Repository $chain -Id $original.Id -RenameDatabase @{ $db = $target }
            $restored.Succeeded | Should -BeTrue
            Get-DocumentCount (Get-Collection $uri $target 'items') | Should -Be 300
        } finally { [MongoDB.Driver.MongoClient]::new($uri).DropDatabase($target, [System.Threading.CancellationToken]::None) }
    }

    It 'refuses, even with -Force, to remove a snapshot a restore is reading, naming the reader; its lease expiring frees it' {
        $reader = Join-Path $chain '08-slice/.mongobackup-reader-0123456789abcdef'
        $expires = [DateTimeOffset]::UtcNow.AddMinutes(2).ToString('o')
        Set-Content $reader "{ `"holder`": `"dbhost/pid 4242/1a2b3c4d (restore)`", `"token`": `"0123456789abcdef`", `"expires`": `"$expires`" }"

        { Remove-MongoSnapshot -Repository $chain -Id '08-slice' -Force -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.SnapshotBeingRead,*' -ExpectedMessage '*08-slice is being read by dbhost/pid 4242/1a2b3c4d (restore)*'
        (Get-MongoSnapshot -Repository $chain).Id | Should -Contain '08-slice'

        # A reader that crashed leaves a mark that expires.
        Set-Content $reader "{ `"holder`": `"dbhost/pid 4242/1a2b3c4d (restore)`", `"token`": `"0123456789abcdef`", `"expires`": `"2020-01-01T00:00:00Z`" }"
        Remove-MongoSnapshot -Repository $chain -Id '08-slice' -Force -Confirm:$false -WarningAction SilentlyContinue
        (Get-MongoSnapshot -Repository $chain).Id | Should -Not -Contain '08-slice'
    }

    It '-WhatIf says it would refuse a snapshot that another run is still writing, as the real run refuses it, in its words (newuser finding 1)' {
        # A backup killed (SIGTERM, a scheduler's timeout) leaves its folder with a writer mark that runs on for a while;
        # -IncludeIncomplete shows it InProgress. The real removal refuses it (it could be a live run); -WhatIf said True.
        # This mark names no process (as one of another host, or of an older version): only its lapse ends it.
        $open = Join-Path $chain '20260601T000000Z-full-f00d'
        New-Item -ItemType Directory $open -Force | Out-Null
        $mark = [MongoBackup.Engine.Repository.LeaseRecord]::new('dbhost 4242 (full backup)', 'a1', [datetimeoffset]::UtcNow.AddMinutes(2))
        Set-Content (Join-Path $open '.mongobackup-writer-1') $mark.Serialize()

        $target = Get-MongoSnapshot -Repository $chain -IncludeIncomplete | Where-Object Id -eq '20260601T000000Z-full-f00d'
        $target.Status | Should -Be 'InProgress'
        $refusal = $null
        try { $target | Remove-MongoSnapshot -Confirm:$false -ErrorAction Stop } catch { $refusal = $_ }
        $refusal.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.SnapshotBeingWritten,*'
        "$refusal" | Should -BeLike '*still being written by dbhost 4242 (full backup)*'
        $preview = $target | Remove-MongoSnapshot -WhatIf -WarningAction SilentlyContinue
        $preview.WouldRun | Should -BeFalse -Because 'the same removal without -WhatIf refuses it: the preview must not promise it'
        $preview.ErrorId | Should -Be 'MongoBackup.SnapshotBeingWritten'
        $preview.Problem | Should -Be "$refusal"
        Test-Path $open | Should -BeTrue
    }

    It 'removes the snapshot of a backup killed on this machine at once, its writer mark still running: -WhatIf and the run agree' {
        # The writer mark of a backup whose process was killed: its pid and start recorded while it ran, its mark not yet lapsed.
        # A shell waiting on its input stands in for the backup: it runs until its input closes.
        $start = [System.Diagnostics.ProcessStartInfo]::new($(if ($IsWindows) { 'cmd.exe' } else { '/bin/sh' })) ; $start.RedirectStandardInput = $true
        $process = [System.Diagnostics.Process]::Start($start)
        $here = [MongoBackup.Engine.Repository.WriterProcess]::Current
        $writer = [MongoBackup.Engine.Repository.WriterProcess]::new($here.Host, $process.Id, $here.Scope, [MongoBackup.Engine.Repository.WriterProcess]::StartOf($process.Id))
        $writer.Started | Should -Not -BeNullOrEmpty
        $process.StandardInput.Close(); $process.WaitForExit()
        $killed = Join-Path $chain '20260601T000000Z-full-dead'
        New-Item -ItemType Directory (Join-Path $killed $db) -Force | Out-Null
        Set-Content (Join-Path $killed "$db/items.bson.zst") 'half a file'
        $mark = [MongoBackup.Engine.Repository.LeaseRecord]::new("$($writer.Host)/pid $($process.Id)/0a1b2c3d (full backup)", 'b2', [datetimeoffset]::UtcNow.AddMinutes(2))
        $mark.Process = $writer
        Set-Content (Join-Path $killed '.mongobackup-writer-2') $mark.Serialize()

        $listed = Get-MongoSnapshot -Repository $chain -IncludeIncomplete | Where-Object Id -eq '20260601T000000Z-full-dead'
        $listed.Status | Should -Be 'Incomplete'
        $listed.StartTime.ToUniversalTime() | Should -Be ([datetimeoffset]::new(2026, 6, 1, 0, 0, 0, [timespan]::Zero))
        $listed.Problem | Should -BeLike "*process $($process.Id) on $($writer.Host), this machine, no longer runs*Remove-MongoSnapshot removes it*"
        ($listed | Remove-MongoSnapshot -WhatIf).WouldRun | Should -BeTrue
        $listed | Remove-MongoSnapshot -Confirm:$false
        Test-Path $killed | Should -BeFalse
    }

    It 'removes an old full snapshot piped together with the slices only it needed' {
        Get-MongoSnapshot -Repository $chain -Id '01-full-d1', '02-slice' | Remove-MongoSnapshot -Confirm:$false
        (Get-MongoSnapshot -Repository $chain).Id | Should -Not -Contain '02-slice'
        (Get-MongoRestoreWindow -Repository $chain | Select-Object -First 1).BaseSnapshotId | Should -Be '03-full-d2a'
    }
}

Describe 'Invoke-MongoSnapshotRetention' {
    BeforeEach {
        $script:chain = New-TestFolder
        New-History $chain $history
    }
    AfterEach { Remove-Item $chain -Recurse -Force -ErrorAction SilentlyContinue }

    It '-WhatIf lists every snapshot with Keep or Remove and why, and removes nothing' {
        $plan = Invoke-MongoSnapshotRetention -Repository $chain -KeepLast 1 -WhatIf
        $plan | Should -HaveCount $history.Count
        # The real run's rows (its output is already a plan), with the plan's properties every -WhatIf carries.
        foreach ($step in $plan) { $step | Should -BeOfType MongoBackup.MongoSnapshotRetentionDecision }
        $plan.Command | Select-Object -Unique | Should -Be 'Invoke-MongoSnapshotRetention'
        $plan.WouldRun | Select-Object -Unique | Should -Be $true
        $plan.Removed | Select-Object -Unique | Should -Be $false
        ($plan | Where-Object Action -eq Remove).Target | Should -Be @('06-slice', '05-full-d2b', '04-slice', '03-full-d2a', '02-slice', '01-full-d1')
        ($plan | Where-Object Target -eq '07-full-d3').Detail | Should -BeLike '*KeepLast 1*'
        (Get-MongoSnapshot -Repository $chain).Count | Should -Be $history.Count
    }

    It 'previews the help''s pipeline (Where-Object WouldRemove | Format-Table Id, Kind, Reason) as the rows the real run removes' {
        $preview = Invoke-MongoSnapshotRetention -Repository $chain -KeepDaily 2 -WhatIf 6>$null | Where-Object WouldRemove
        $previewTable = ($preview | Format-Table Id, Kind, Reason | Out-String -Width 200)
        $previewTable | Should -Match '04-slice\s+Oplog'
        (Get-MongoSnapshot -Repository $chain).Count | Should -Be $history.Count
        $real = Invoke-MongoSnapshotRetention -Repository $chain -KeepDaily 2 -Confirm:$false | Where-Object WouldRemove
        $real.Id | Should -Be $preview.Id
        ($real | Where-Object Removed).Id | Should -Be $preview.Id
        ($real | Format-Table Id, Kind, Reason | Out-String -Width 200) | Should -Be $previewTable
    }

    It 'keeps what the daily rule says with the slices of their windows, and the windows stay whole' {
        $windowBefore = Get-MongoRestoreWindow -Repository $chain
        $plan = Invoke-MongoSnapshotRetention -Repository $chain -KeepDaily 2 -Confirm:$false
        ($plan | Where-Object Action -eq Keep).Id | Should -Be @('08-slice', '07-full-d3', '06-slice', '05-full-d2b')
        ($plan | Where-Object Removed).Id | Should -Be @('04-slice', '03-full-d2a', '02-slice', '01-full-d1')
        (Get-MongoSnapshot -Repository $chain).Id | Should -Be @('08-slice', '07-full-d3', '06-slice', '05-full-d2b')
        $window = Get-MongoRestoreWindow -Repository $chain
        $window.BaseSnapshotId | Should -Be '05-full-d2b'
        $window.To | Should -Be $windowBefore[-1].To   # still reaches the end of the chain
    }

    It 'leaves a snapshot that is being read for a later run, says who reads it, and removes the rest' {
        $expires = [DateTimeOffset]::UtcNow.AddMinutes(2).ToString('o')
        Set-Content (Join-Path $chain '03-full-d2a/.mongobackup-reader-feedface') "{ `"holder`": `"dbhost/pid 7/cafe (test)`", `"token`": `"feedface`", `"expires`": `"$expires`" }"

        $plan = Invoke-MongoSnapshotRetention -Repository $chain -KeepDaily 2 -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue

        ($plan | Where-Object Removed).Id | Should -Be @('04-slice', '02-slice', '01-full-d1')
        ($plan | Where-Object Id -eq '03-full-d2a').Removed | Should -BeFalse
        "$warnings" | Should -BeLike '*03-full-d2a is being read by dbhost/pid 7/cafe (test)*'
        (Get-MongoSnapshot -Repository $chain).Id | Should -Contain '03-full-d2a'
    }

    It 'removes a killed backup''s folder once its writer is gone, says why, and leaves one whose writer may still run (newuser finding 4)' {
        # A backup killed before its commit: no manifest, half its files, and a writer mark that lapsed.
        $killed = Join-Path $chain '20260101T120000Z-full-dead'
        New-Item -ItemType Directory (Join-Path $killed $db) -Force | Out-Null
        Set-Content (Join-Path $killed "$db/items.bson.zst") 'half a file'
        Set-Content (Join-Path $killed '.mongobackup-writer-1') "{ `"holder`": `"dbhost/pid 4242/1a2b3c4d (full backup)`", `"token`": `"1`", `"expires`": `"2026-01-01T12:02:00Z`" }"
        # Another, whose writer (on another host, its mark still running) may be alive.
        $running = Join-Path $chain '20260101T130000Z-full-a11e'
        New-Item -ItemType Directory $running -Force | Out-Null
        $expires = [DateTimeOffset]::UtcNow.AddMinutes(2).ToString('o')
        Set-Content (Join-Path $running '.mongobackup-writer-2') "{ `"holder`": `"otherhost/pid 7/cafe (full backup)`", `"token`": `"2`", `"expires`": `"$expires`" }"

        $plan = Invoke-MongoSnapshotRetention -Repository $chain -KeepDaily 2 -WhatIf
        $dead = $plan | Where-Object Id -eq '20260101T120000Z-full-dead'
        $dead.WouldRemove | Should -BeTrue
        $dead.Kind | Should -Be 'Full'
        $dead.Reason | Should -BeLike '*abandoned unfinished backup*writer mark ran out at 2026-01-01 12:02:00Z*'
        $alive = $plan | Where-Object Id -eq '20260101T130000Z-full-a11e'
        $alive.WouldRemove | Should -BeFalse
        $alive.Reason | Should -BeLike '*still being written by otherhost/pid 7/cafe (full backup)*retention never removes a snapshot whose writer may be running*'

        $done = Invoke-MongoSnapshotRetention -Repository $chain -KeepDaily 2 -Confirm:$false -WarningAction SilentlyContinue
        ($done | Where-Object Id -eq '20260101T120000Z-full-dead').Removed | Should -BeTrue
        Test-Path $killed | Should -BeFalse
        Test-Path $running | Should -BeTrue
    }

    It 'keeps the DBA''s restore window: 7 daily, 4 weekly and -RestoreWindow 3d keep today''s earlier full and its slices' {
        # Two fulls today (01:00 and 13:00) and hourly slices from the first to 18:00.
        $today = New-TestFolder
        $hour = 3600
        New-History $today (@(@{ Id = 'a-full-0100'; At = $hour }) + @(foreach ($h in 2..12) { @{ Id = 'b-slice-{0:00}' -f $h; At = $h * $hour; After = ($h - 1) * $hour } }) +
            @(@{ Id = 'c-full-1300'; At = 13 * $hour }) + @(foreach ($h in 13..18) { @{ Id = 'd-slice-{0:00}' -f $h; At = $h * $hour; After = ($h - 1) * $hour } }))
        $earliest = (Get-MongoRestoreWindow -Repository $today | Select-Object -First 1).From
        # What the DBA saw without the window: the earlier full and the slices before the newest full would go.
        $daily = Invoke-MongoSnapshotRetention -Repository $today -KeepDaily 7 -KeepWeekly 4 -WhatIf
        ($daily | Where-Object Action -eq Remove).Target | Should -Contain 'a-full-0100'

        $plan = Invoke-MongoSnapshotRetention -Repository $today -KeepDaily 7 -KeepWeekly 4 -RestoreWindow 3d -Confirm:$false -WarningVariable young -WarningAction SilentlyContinue

        $plan | Where-Object Action -eq Remove | Should -BeNullOrEmpty
        # The chain reaches back to 01:00 only: the reasons and a warning say what is restorable, not the 3 days asked for.
        $from = $earliest.ToUniversalTime().ToString('yyyy-MM-dd HH:mm:ss.fff') + 'Z'
        $to = (Get-MongoRestoreWindow -Repository $today | Select-Object -Last 1).To.ToUniversalTime().ToString('yyyy-MM-dd HH:mm:ss.fff') + 'Z'
        ($plan | Where-Object Id -eq 'a-full-0100').Reason | Should -BeLike "*RestoreWindow 3d (inside the restorable part of the restore window, $from to $to)*"
        ($plan | Where-Object Id -eq 'b-slice-02').Reason | Should -BeLike "*the restorable part of the restore window, $from to $to, needs every slice from full snapshot a-full-0100 on*"
        @($young).Count | Should -Be 1
        "$($young[0])" | Should -BeLike "*RestoreWindow 3d is not yet covered: a point-in-time restore reaches from $from to $to, and the window asks from *"
        (Get-MongoSnapshot -Repository $today).Count | Should -Be 19
        (Get-MongoRestoreWindow -Repository $today | Select-Object -First 1).From | Should -Be $earliest
    }

    It 'outputs the real run as -WhatIf plans it: the same Action, Target and Detail for each snapshot' {
        $small = New-TestFolder
        $hour = 3600
        New-History $small @(@{ Id = 'a-full'; At = $hour }, @{ Id = 'b-slice'; At = 2 * $hour; After = $hour }, @{ Id = 'c-full'; At = 3 * $hour })
        $dry = @(Invoke-MongoSnapshotRetention -Repository $small -KeepLast 1 -WhatIf)
        $real = @(Invoke-MongoSnapshotRetention -Repository $small -KeepLast 1 -Confirm:$false)

        $real.Target | Should -Be $dry.Target
        $real.Action | Should -Be $dry.Action
        $real.Detail | Should -Be $dry.Detail
        ($real | Where-Object Action -eq Remove).Target | Should -Be @('b-slice', 'a-full')
    }

    It '-WhatIf with -RestoreWindow says "restore window" for what the window keeps, and removes nothing' {
        # The chain ends on day 3 at 01:23:20; a 1-day window starts on day 2 at 01:23:20, so 03-full-d2a is its base.
        $plan = Invoke-MongoSnapshotRetention -Repository $chain -KeepLast 1 -RestoreWindow 1d -WhatIf

        ($plan | Where-Object Action -eq Remove).Target | Should -Be @('02-slice', '01-full-d1')
        ($plan | Where-Object Target -eq '07-full-d3').Detail | Should -BeLike 'kept by KeepLast 1 (#1), RestoreWindow 1d (inside the restore window 2026-01-02 01:23:20.000Z to 2026-01-03 01:23:20.000Z)'
        ($plan | Where-Object Target -eq '03-full-d2a').Detail | Should -BeLike "kept by RestoreWindow 1d (the newest full snapshot at or before the restore window's start, 2026-01-02 01:23:20.000Z*"
        ($plan | Where-Object Target -eq '04-slice').Detail | Should -BeLike '*restore window*'
        ($plan | Where-Object Target -eq '02-slice').Detail | Should -Be 'no kept full snapshot''s restore window needs it'
        (Get-MongoSnapshot -Repository $chain).Count | Should -Be $history.Count
    }

    It '-RestoreWindow without a unit is refused, naming it' {
        { Invoke-MongoSnapshotRetention -Repository $chain -RestoreWindow 3 -WhatIf -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*'RestoreWindow'*'3' has no unit*"
    }

    It 'refuses to run without a rule' {
        { Invoke-MongoSnapshotRetention -Repository $chain -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'MongoBackup.InvalidArgument,*'
        (Get-MongoSnapshot -Repository $chain).Count | Should -Be $history.Count
    }
}
