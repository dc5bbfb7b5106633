# Get-MongoSnapshot reads a repository only, so these tests write repositories through the engine's own
# manifest writer and need no server.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule

    function New-FakeSnapshot {
        param([string] $Repository, [string] $Id, [datetime] $Start, [string[]] $Databases)
        $repo = [MongoBackup.Engine.Repository.FolderRepository]::new($Repository)
        $manifest = [MongoBackup.Engine.Model.SnapshotManifest]::new()
        $manifest.Id = $Id
        $manifest.Kind = 'Full'
        $manifest.Status = 'Complete'
        $manifest.StartTime = [datetimeoffset]::new($Start, [timespan]::Zero)
        $manifest.EndTime = $manifest.StartTime.AddMinutes(1)
        foreach ($db in $Databases) {
            $manifest.Namespaces.Add([MongoBackup.Engine.Model.ManifestNamespace]::new($db, 'items', 'collection', 10, 1000))
            $manifest.Files.Add([MongoBackup.Engine.Model.ManifestFile]::new("$db/items.bson.gz", 300, ('0' * 64), 'Data'))
        }
        $repo.CommitManifestAsync($manifest, [System.Threading.CancellationToken]::None).GetAwaiter().GetResult()
    }

    $script:repository = New-TestFolder
    New-FakeSnapshot $repository '20260101T000000Z-full-aaaa' ([datetime] '2026-01-01T00:00:00') @('shop')
    New-FakeSnapshot $repository '20260301T000000Z-full-cccc' ([datetime] '2026-03-01T00:00:00') @('hr')
    New-FakeSnapshot $repository '20260201T000000Z-full-bbbb' ([datetime] '2026-02-01T00:00:00') @('shop', 'hr')
    New-FakeSnapshot $repository '20260401T000000Z-full-dddd' ([datetime] '2026-04-01T00:00:00') @('shop')
    # Damaged: a manifest that is not JSON.
    Set-Content (Join-Path $repository '20260401T000000Z-full-dddd/manifest.json') '{ this is not json'
    # Unfinished: a snapshot folder with data but no manifest.
    New-Item -ItemType Directory (Join-Path $repository '20260501T000000Z-full-eeee/shop') -Force | Out-Null
}

AfterAll { Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'Get-MongoSnapshot' {
    It 'lists complete snapshots newest first, with counts and full file paths' {
        $list = Get-MongoSnapshot -Repository $repository -WarningAction SilentlyContinue
        $list.Id | Should -Be @('20260301T000000Z-full-cccc', '20260201T000000Z-full-bbbb', '20260101T000000Z-full-aaaa')
        $list[0] | Should -BeOfType MongoBackup.MongoSnapshot
        $list[1].Databases | Should -Be @('hr', 'shop')
        $list[1].Documents | Should -Be 20
        $list[1].SizeBytes | Should -Be 600
        $list[1].Path | Should -Be (Join-Path $repository '20260201T000000Z-full-bbbb')
        $list[1].Files | Should -Contain (Join-Path $repository '20260201T000000Z-full-bbbb/manifest.json')
        $list[1].StartTime | Should -BeOfType [DateTimeOffset]
        $list[1].StartTime | Should -Be ([datetimeoffset] '2026-02-01T00:00:00Z')
    }

    It 'warns about a damaged manifest, naming the file, and still lists the others' {
        $list = Get-MongoSnapshot -Repository $repository -WarningVariable warnings -WarningAction SilentlyContinue
        $list.Count | Should -Be 3
        $warnings.Count | Should -Be 1
        $warnings[0].Message | Should -BeLike "*$(Join-Path $repository '20260401T000000Z-full-dddd/manifest.json')*"
    }

    It '-Latest returns only the newest complete snapshot' {
        $latest = Get-MongoSnapshot -Repository $repository -Latest -WarningAction SilentlyContinue
        @($latest).Count | Should -Be 1
        $latest.Id | Should -Be '20260301T000000Z-full-cccc'
    }

    It '-Database keeps snapshots holding that database' {
        (Get-MongoSnapshot -Repository $repository -Database shop -WarningAction SilentlyContinue).Id |
            Should -Be @('20260201T000000Z-full-bbbb', '20260101T000000Z-full-aaaa')
    }

    # Tryout8 P2: `Get-MongoSnapshot -Latest -Database <typo> | Restore-MongoDatabase` did nothing and said nothing.
    It '<Label> matching no snapshot lists nothing and warns, naming the filter and what the snapshots hold' -ForEach @(
        @{ Label = '-Latest -Database typo'; Arguments = @{ Latest = $true; Database = 'shopp' }; Expected = "*-Database 'shopp' matches none of them. They hold databases hr, shop; kinds Full.*" }
        @{ Label = '-Kind Oplog'; Arguments = @{ Kind = 'Oplog' }; Expected = '*-Kind Oplog matches none of them. They hold databases hr, shop; kinds Full.*' }
        @{ Label = '-SourceId'; Arguments = @{ SourceId = 'no-such-source' }; Expected = "*-SourceId 'no-such-source' matches none of them*; source ids standalone:*" }
        @{ Label = '-Id wildcard'; Arguments = @{ Id = '2027*' }; Expected = "*-Id '2027*' matches none of them*" }
        @{ Label = 'two filters that each match something'; Arguments = @{ Id = '20260101*'; Database = 'hr' }; Expected = "*none matches -Id '20260101*' and -Database 'hr' together*" }
    ) {
        $list = Get-MongoSnapshot -Repository $repository @Arguments -WarningVariable warnings -WarningAction SilentlyContinue
        $list | Should -BeNullOrEmpty
        $nothing = @($warnings.Message | Where-Object { $_ -like 'No snapshot listed*' })
        $nothing.Count | Should -Be 1
        $nothing[0] | Should -BeLike "No snapshot listed: '$repository' holds 3 snapshot(s), but *"
        $nothing[0] | Should -BeLike $Expected
    }

    It 'no such warning when a filter matches, when -NotVerifiedSince leaves nothing, or when an exact -Id is missing (its own error)' {
        foreach ($arguments in @(@{ Database = 'shop' }, @{ NotVerifiedSince = [datetime] '2000-01-01' ; Database = 'hr' }, @{ Id = 'nope' })) {
            Get-MongoSnapshot -Repository $repository @arguments -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction SilentlyContinue | Out-Null
            @($warnings.Message | Where-Object { $_ -like 'No snapshot listed*' }) | Should -BeNullOrEmpty -Because ($arguments.Keys -join ',')
        }
    }

    It '-Id takes wildcards, and an exact id that does not exist is a non-terminating SnapshotNotFound error' {
        (Get-MongoSnapshot -Repository $repository -Id '202601*' -WarningAction SilentlyContinue).Id | Should -Be '20260101T000000Z-full-aaaa'
        $found = Get-MongoSnapshot -Repository $repository -Id 'nope', '20260101T000000Z-full-aaaa' -ErrorVariable errors -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $found.Id | Should -Be '20260101T000000Z-full-aaaa'
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.SnapshotNotFound,*'
        $errors[0].TargetObject | Should -Be 'nope'
    }

    It '-IncludeIncomplete adds unfinished snapshots with Status Incomplete' {
        $list = Get-MongoSnapshot -Repository $repository -IncludeIncomplete -WarningAction SilentlyContinue
        $incomplete = $list | Where-Object Status -eq 'Incomplete'
        $incomplete.Id | Should -Contain '20260501T000000Z-full-eeee'
    }

    It '-IncludeIncomplete tells a snapshot still being written (a live writer lease: InProgress) from an abandoned one (Incomplete)' {
        # A run writing a snapshot renews its writer mark (.mongobackup-writer-<token>, a lease record) until it commits; a
        # run that crashed leaves a mark that lapses. Marks written here as the engine writes them.
        $live = Join-Path $repository '20260601T000000Z-oplog-f00d'
        $lapsed = Join-Path $repository '20260602T000000Z-oplog-dead'
        foreach ($folder in $live, $lapsed) { New-Item -ItemType Directory $folder -Force | Out-Null }
        $now = [datetimeoffset]::UtcNow
        Set-Content (Join-Path $live '.mongobackup-writer-1') ([MongoBackup.Engine.Repository.LeaseRecord]::new('dbhost 4242 (continuous oplog capture)', 'a1', $now.AddMinutes(2)).Serialize())
        Set-Content (Join-Path $lapsed '.mongobackup-writer-2') ([MongoBackup.Engine.Repository.LeaseRecord]::new('dbhost 4141 (oplog slice)', 'b2', $now.AddMinutes(-5)).Serialize())
        try {
            $list = Get-MongoSnapshot -Repository $repository -IncludeIncomplete -WarningAction SilentlyContinue
            $open = $list | Where-Object Id -eq '20260601T000000Z-oplog-f00d'
            $open.Status | Should -Be 'InProgress'
            $open.BeingWrittenBy | Should -Be 'dbhost 4242 (continuous oplog capture)'
            ($open | Format-List | Out-String) | Should -Match 'BeingWrittenBy\s*: dbhost 4242 \(continuous oplog capture\)'
            $abandoned = $list | Where-Object Id -eq '20260602T000000Z-oplog-dead'
            $abandoned.Status | Should -Be 'Incomplete'
            $abandoned.BeingWrittenBy | Should -BeNullOrEmpty
            ($list | Where-Object Id -eq '20260501T000000Z-full-eeee').Status | Should -Be 'Incomplete' -Because 'no run ever marked it'
            # The clean-up recipe takes the abandoned ones only.
            ($list | Where-Object Status -eq 'Incomplete').Id | Should -Not -Contain '20260601T000000Z-oplog-f00d'
        }
        finally { Remove-Item $live, $lapsed -Recurse -Force }
    }

    It '-Id of an unfinished snapshot, without -IncludeIncomplete, says what it is and how to see and remove it (newuser finding 4)' {
        $live = Join-Path $repository '20260601T000000Z-full-f00d'
        New-Item -ItemType Directory $live -Force | Out-Null
        Set-Content (Join-Path $live '.mongobackup-writer-1') ([MongoBackup.Engine.Repository.LeaseRecord]::new('dbhost 4242 (full backup)', 'a1', [datetimeoffset]::UtcNow.AddMinutes(2)).Serialize())
        try {
            $found = Get-MongoSnapshot -Repository $repository -Id '20260501T000000Z-full-eeee' -ErrorVariable errors -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            $found | Should -BeNullOrEmpty
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.SnapshotNotFound,*'
            "$($errors[0])" | Should -BeLike "*'20260501T000000Z-full-eeee'*is Incomplete, so it is not listed*no writer mark is left in it*-Id 20260501T000000Z-full-eeee -IncludeIncomplete shows it*Remove-MongoSnapshot -Repository*-Id 20260501T000000Z-full-eeee removes it*"

            $null = Get-MongoSnapshot -Repository $repository -Id '20260601T000000Z-full-f00d' -ErrorVariable running -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            $running[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.SnapshotBeingWritten,*'
            "$($running[0])" | Should -BeLike '*is InProgress, still being written by dbhost 4242 (full backup)*-IncludeIncomplete shows it now*'

            # With -IncludeIncomplete it is listed, in its place by the start its id carries (no manifest tells it).
            $list = Get-MongoSnapshot -Repository $repository -IncludeIncomplete -WarningAction SilentlyContinue
            $list[0].Id | Should -Be '20260601T000000Z-full-f00d'
            $list[0].StartTime.ToUniversalTime() | Should -Be ([datetimeoffset]::new(2026, 6, 1, 0, 0, 0, [timespan]::Zero))
            ($list | Where-Object Id -eq '20260501T000000Z-full-eeee').StartTime.ToUniversalTime() | Should -Be ([datetimeoffset]::new(2026, 5, 1, 0, 0, 0, [timespan]::Zero))
        }
        finally { Remove-Item $live -Recurse -Force }
    }

    It 'fails with SourceNotFound for a repository that does not exist, and does not create it' {
        $missing = Join-Path $repository 'no-such-repository'
        { Get-MongoSnapshot -Repository $missing -ErrorAction Stop } | Should -Throw -ErrorId 'MongoBackup.SourceNotFound*'
        Test-Path $missing | Should -BeFalse
    }

    It 'formats the size for people in the default table' {
        $table = Get-MongoSnapshot -Repository $repository -WarningAction SilentlyContinue | Format-Table | Out-String -Width 200
        $table | Should -Match '600 B'
        $table | Should -Match '20260301T000000Z-full-cccc'
    }
}

Describe 'An oplog slice in Get-MongoSnapshot''s list view' {
    It 'shows its oplog entries and no "Documents 0" line, while a full snapshot shows its documents' {
        $sliceRepository = New-TestFolder
        $repo = [MongoBackup.Engine.Repository.FolderRepository]::new($sliceRepository)
        $manifest = [MongoBackup.Engine.Model.SnapshotManifest]::new()
        $manifest.Id = '20260102T000000Z-oplog-eeee'
        $manifest.Kind = 'Oplog'
        $manifest.Status = 'Complete'
        $manifest.StartTime = [datetimeoffset]::new([datetime] '2026-01-02T00:00:00', [timespan]::Zero)
        $manifest.EndTime = $manifest.StartTime.AddMinutes(1)
        $manifest.OplogEntries = 42
        $repo.CommitManifestAsync($manifest, [System.Threading.CancellationToken]::None).GetAwaiter().GetResult()

        $list = Get-MongoSnapshot -Repository $sliceRepository | Format-List | Out-String -Width 120
        $list | Should -Match '(?m)^Entries\s*: 42' -Because $list
        $list | Should -Not -Match '(?m)^Documents\s*:' -Because $list
        Get-MongoSnapshot -Repository $repository -Id '20260101T000000Z-full-aaaa' | Format-List | Out-String -Width 120 | Should -Match '(?m)^Documents\s*: 10'
    }
}

Describe 'A snapshot folder copied inside the repository under another snapshot name (breaker8 finding 4)' {
    BeforeAll {
        # A DBA's copy before an operation, or a bad sync: the folder whole, its manifest still naming the original.
        $script:copyRepository = New-TestFolder
        $script:originalId = '20260101T000000Z-full-aaaa'
        $script:copyName = '20300101T000000Z-full-beef'
        New-FakeSnapshot $copyRepository $originalId ([datetime] '2026-01-01T00:00:00') @('shop')
        Copy-Item -Recurse (Join-Path $copyRepository $originalId) (Join-Path $copyRepository $copyName)
    }
    AfterAll { Remove-Item $copyRepository -Recurse -Force -ErrorAction SilentlyContinue }

    It 'lists the original once, with its own path, and warns that the copy''s manifest names another snapshot' {
        $list = @(Get-MongoSnapshot -Repository $copyRepository -WarningVariable warnings -WarningAction SilentlyContinue)

        $list.Id | Should -Be @($originalId)
        $list[0].Path | Should -Be (Join-Path $copyRepository $originalId)
        "$warnings" | Should -BeLike "*$(Join-Path $copyRepository "$copyName/manifest.json")*names snapshot '$originalId'*"
    }

    It 'lists the copy with -IncludeIncomplete as Damaged, under its own folder name and path, as a restore judges it' {
        $copy = @(Get-MongoSnapshot -Repository $copyRepository -IncludeIncomplete -WarningAction SilentlyContinue | Where-Object Id -ne $originalId)

        $copy.Count | Should -Be 1
        $copy[0].Id | Should -Be $copyName
        $copy[0].Status | Should -Be 'Damaged'
        $copy[0].Path | Should -Be (Join-Path $copyRepository $copyName)
    }
}
