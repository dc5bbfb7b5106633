# The default table views as a DBA sees them in an 80- to a 120-column console: rendered with Out-String -Width (the
# console width cannot be set in a non-interactive pwsh), every header whole and on one line, no line wider than the
# console, every column present at 80, moments with their offset and sizes in KB/MB/GB.
BeforeDiscovery {
    # Each view: its columns, all of which an 80-column console shows (each table fits 80 whole: see the format file).
    # All is kept for a view that ever shows more from some width on; none does now.
    $script:views = @(
        @{ Name = 'MongoSnapshot'; Key = 'Id', 'Status', 'Size', 'Documents', 'Contents'; All = @() }
        @{ Name = 'MongoRestoreResult'; Key = 'Restored', 'Succeeded', 'Namespaces', 'FinalDocuments', 'Duration'; All = @() }
        @{ Name = 'MongoRestoreResult#PointInTime'; Key = 'PointInTime', 'BaseSnapshotId', 'Succeeded', 'Slices'; All = @() }
        @{ Name = 'MongoNamespaceRestoreResult'; Key = 'TargetNamespace', 'Succeeded', 'FinalDocuments', 'Indexes', 'Problem'; All = @() }
        @{ Name = 'MongoRestoreWindow'; Key = 'From', 'To', 'Scope'; All = @() }
        @{ Name = 'MongoSnapshotTestResult'; Key = 'SnapshotId', 'Passed', 'Files', 'Documents', 'Mode', 'Problems'; All = @() }
        @{ Name = 'MongoSnapshotFileTestResult'; Key = 'Path', 'Passed', 'Size', 'Documents', 'Problem'; All = @() }
        @{ Name = 'MongoSnapshotRetentionDecision'; Key = 'Id', 'Action', 'Reason'; All = @() }
        @{ Name = 'MongoPolicyResult'; Key = 'Action', 'Snapshot', 'Removed', 'Duration', 'Reason'; All = @() }
        @{ Name = 'MongoPlannedAction'; Key = 'WouldRun', 'Action', 'Target', 'Detail'; All = @() }
        @{ Name = 'MongoSnapshotExport'; Key = 'SnapshotId', 'Format', 'Gzip', 'Documents', 'Size', 'Path'; All = @() }
        @{ Name = 'MongoOplogEntry'; Key = 'WallTime', 'Operation', 'Namespace', 'Summary'; All = @() }
    )
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $PSStyle.OutputRendering = 'PlainText'
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_view_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $none = [System.Threading.CancellationToken]::None
    $orders = Get-Collection $uri $db 'orders'
    $orders.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..3000) {
        New-BsonDocument @{ _id = $i; note = [guid]::NewGuid().ToString() * 8 }
    }))
    $script:repository = New-TestFolder
    $full = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db
    $script:fullId = $full.Id
    $orders.InsertOne((New-BsonDocument @{ _id = 0 }), $null, $none)
    Backup-MongoOplog -ConnectionString $uri -Repository $repository | Out-Null
    New-Item -ItemType Directory (Join-Path $repository '20200101T000000Z-full-dead') | Out-Null   # an unfinished backup
    $damaged = New-Item -ItemType Directory (Join-Path $repository '20200102T000000Z-full-0bad')  # a finished one whose manifest was damaged
    Set-Content (Join-Path $damaged 'manifest.json') '{ "id": "20200102T000000Z-full-0bad", "kind": '

    $restore = Restore-MongoDatabase -InputObject $full -ConnectionString $uri -RenameDatabase "$db=$($db)_copy"
    $script:moment = (Get-MongoRestoreWindow -Repository $repository).To
    $pointInTime = Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -PointInTime $moment -RenameDatabase "$db=$($db)_pit" -WarningAction SilentlyContinue
    $tested = Test-MongoSnapshot -InputObject $full
    $script:objects = @{
        MongoSnapshot                  = @(Get-MongoSnapshot -Repository $repository -IncludeIncomplete -WarningAction SilentlyContinue)
        MongoRestoreResult             = @($restore)
        'MongoRestoreResult#PointInTime' = @($pointInTime)
        MongoNamespaceRestoreResult    = @($restore.Namespaces)
        MongoRestoreWindow             = @(Get-MongoRestoreWindow -Repository $repository)
        MongoSnapshotTestResult        = @($tested)
        MongoSnapshotFileTestResult    = @($tested.Files)
        MongoOplogEntry                = @(Find-MongoOplogEntry -Repository $repository -Namespace "$db.orders")
        # A real run (it keeps the one full snapshot and its slice); -WhatIf emits the same rows.
        MongoSnapshotRetentionDecision = @(Invoke-MongoSnapshotRetention -Repository $repository -KeepLast 1 -Confirm:$false)
        MongoPolicyResult              = @(Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -FullEvery 1d -Database $db)
        MongoPlannedAction             = @($full | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$db=$($db)_copy" -WhatIf -WarningAction SilentlyContinue)
        MongoSnapshotExport            = @($full | Export-MongoSnapshot -Path (Join-Path (New-TestFolder) 'dump') -Gzip)
    }

    function Get-Rendered($Objects, [int] $Width) {
        # The lines of the default table as Format-Table writes them, blank lines and trailing spaces dropped.
        @(($Objects | Format-Table | Out-String -Width $Width) -split "`r?`n" | ForEach-Object TrimEnd | Where-Object { $_ })
    }

    function Get-Headers([string[]] $Lines) {
        # The header line is the one above the dashes; a header too narrow for its label wraps onto a second line.
        $dashes = [array]::FindIndex($Lines, [Predicate[string]] { param($l) $l -match '^-+( +-+)*$' })
        [pscustomobject]@{ LinesAbove = $dashes; Names = @($Lines[$dashes - 1] -split ' +' | Where-Object { $_ }) }
    }
}

AfterAll {
    if ($script:uri) {
        $client = [MongoDB.Driver.MongoClient]::new($uri)
        foreach ($name in $db, "$($db)_copy", "$($db)_pit") { $client.DropDatabase($name, [System.Threading.CancellationToken]::None) }
    }
    Stop-MongoTestServer $server
    Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'The default table view of <Name>' -ForEach $views {
    It 'at 80 columns: headers whole on one line, nothing wider than 80, the key columns present' {
        $lines = Get-Rendered $objects[$Name] 80
        $headers = Get-Headers $lines
        $headers.LinesAbove | Should -Be 1 -Because ($lines -join "`n")
        foreach ($line in $lines) { $line.Length | Should -BeLessOrEqual 80 -Because $line }
        foreach ($column in $Key) { $headers.Names | Should -Contain $column -Because ($lines -join "`n") }
    }

    It 'at every width from 81 to 119: the same headers, each whole on one line (none squeezed a letter a line)' {
        # A fixed column past the console's edge is narrowed, not dropped: from 81 columns on its header came out one
        # letter a line (the snapshot table's, 81 to 95). Each table fits 80 whole, so no width shows less or breaks one.
        foreach ($width in 81..119) {
            $lines = Get-Rendered $objects[$Name] $width
            (Get-Headers $lines).LinesAbove | Should -Be 1 -Because "at $width columns:`n$($lines -join "`n")"
            (Get-Headers $lines).Names | Should -Be @($Key + $All) -Because "at $width columns"
        }
    }

    It 'at 120 columns: headers whole on one line, nothing wider than 120, every column present' {
        $lines = Get-Rendered $objects[$Name] 120
        $headers = Get-Headers $lines
        $headers.LinesAbove | Should -Be 1 -Because ($lines -join "`n")
        foreach ($line in $lines) { $line.Length | Should -BeLessOrEqual 120 -Because $line }
        $headers.Names | Should -Be @($Key + $All) -Because ($lines -join "`n")
    }
}

Describe 'The list view of <Name> (Format-List)' -ForEach $views {
    It 'shows every moment in the documented form, with its offset, never DateTimeOffset''s culture form (11/30/2026 09:43:53 -05:00)' {
        $text = $objects[$Name] | Format-List | Out-String -Width 120
        $text | Should -Not -Match '\d{1,2}/\d{1,2}/\d{4}' -Because $text
        foreach ($line in $text -split "`r?`n" | Where-Object { $_ -match '^\w+\s*: \d{4}-\d\d-\d\d' }) {
            $line | Should -Match '^\w+\s*: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{3})? [+-]\d\d:\d\d$'
        }
    }
}

Describe 'What the restore window table shows' {
    It 'shows From and To alike at 80 columns, each to the millisecond with its offset, as -PointInTime reads them back' {
        # From was shown without its offset and To with it: two forms of one kind of moment in one row.
        $window = $objects['MongoRestoreWindow'][0]
        $row = (Get-Rendered $window 80)[2]
        $row | Should -BeLike ($window.From.ToString('yyyy-MM-dd HH:mm:ss.fff zzz') + ' ' + $window.To.ToString('yyyy-MM-dd HH:mm:ss.fff zzz') + ' *')
        # The scope in lines of 17 (a database name longer than that broken after an underscore): whole without white space.
        ((Get-Rendered $window 80) -join '' -replace '\s', '') | Should -Match ('databases' + [regex]::Escape($db))
    }
}

Describe 'Restore boundaries in list views carry milliseconds' {
    It 'shows <Property> of <Name> as yyyy-MM-dd HH:mm:ss.fff zzz' -ForEach @(
        @{ Name = 'MongoRestoreWindow'; Property = 'From' }
        @{ Name = 'MongoRestoreWindow'; Property = 'To' }
        @{ Name = 'MongoSnapshot'; Property = 'ConsistentAt' }
    ) {
        $item = $objects[$Name] | Where-Object { $null -ne $_.$Property } | Select-Object -First 1
        $text = $item | Format-List | Out-String -Width 120
        $text | Should -Match ("(?m)^$Property\s*: " + [regex]::Escape($item.$Property.ToString('yyyy-MM-dd HH:mm:ss.fff zzz')) + '$')
    }
}

Describe 'What the restore tables name' {
    It 'Restore-MongoDatabase names the snapshot it restored' {
        $restore = $objects['MongoRestoreResult'][0]
        (Get-Rendered $restore 80)[2] | Should -Match ('^' + [regex]::Escape($restore.BaseSnapshotId) + '\s+True\s+1\s+3,000\s+\S.*$')
    }

    It 'Restore-MongoPointInTime names the moment restored to, its base snapshot and the slices replayed' {
        $pointInTime = $objects['MongoRestoreResult#PointInTime'][0]
        $pointInTime.BaseSnapshotId | Should -Not -BeNullOrEmpty
        $row = (Get-Rendered $pointInTime 80)[2]
        $row | Should -Match ('^' + [regex]::Escape($moment.ToLocalTime().ToString('yyyy-MM-dd HH:mm:ss.fff zzz')) + '\s+' + [regex]::Escape($pointInTime.BaseSnapshotId) + '\s+True\s+1$')
    }
}

Describe 'What the retention table shows' {
    It 'shows each Reason whole at <Width> columns, its words and ids unbroken (not cut to "kept by KeepL…", nor "2026120" / "2T084817Z-full")' -ForEach @(
        @{ Width = 80 }, @{ Width = 100 }, @{ Width = 120 }
    ) {
        # The table read before snapshots are removed. The slice's Reason names the full snapshot it is based on; at
        # 80 columns the Reason column was 14 wide and split every id, at 100 and 120 it still split them mid-word.
        $decisions = $objects['MongoSnapshotRetentionDecision']
        $slice = $decisions | Where-Object Kind -eq 'Oplog'
        # The decisions also hold the fixtures: the unfinished backup (abandoned, no writer mark: removed) and the damaged one.
        $full = @($decisions | Where-Object Id -eq $fullId)
        $full.Count | Should -Be 1 -Because ($decisions | Format-Table | Out-String -Width 120)
        $full = $full[0]
        $full.Kind | Should -Be 'Full'
        ($decisions | Where-Object Id -eq '20200101T000000Z-full-dead').Reason | Should -BeLike '*abandoned unfinished backup*'
        $slice.Reason | Should -Match ([regex]::Escape($full.Id))
        $text = ($decisions | Format-Table | Out-String -Width $Width)
        $text | Should -Not -Match '…'
        # A Reason in lines continues under itself (the columns to its left blank): with each run of white space made
        # one space it reads whole, and only a word cut in the middle fails this.
        $flat = $text -replace '\s+', ' '
        foreach ($reason in $decisions.Reason) { $flat | Should -Match ([regex]::Escape(($reason -replace '\s+', ' '))) -Because $text }
        $flat | Should -Match ('full snapshot ' + [regex]::Escape($full.Id)) -Because $text
    }
}

Describe 'Table headers name properties' {
    It 'every column of the <Name> table is a property of the object, save the computed columns named here' -ForEach $views {
        # Computed from a property and shown formatted: Size (SizeBytes in KB/MB/GB), Slices (SliceCount, too wide a
        # header for 80 columns), a namespace's Problem (its Error or its refused documents), a restore's Restored (its
        # BaseSnapshotId, or the Source of a mongodump restored). A snapshot's Contents is a property, so Format-Table
        # Id,Contents shows it.
        $computed = 'Size', 'Slices', 'Problem', 'Restored'
        $properties = @($objects[$Name][0].PSObject.Properties.Name)
        foreach ($column in @($Key + $All) | Where-Object { $_ -notin $computed }) {
            $properties | Should -Contain $column -Because "the $Name table's column $column"
        }
    }
}

Describe 'What the snapshot table shows' {
    BeforeAll {
        # The retention run in BeforeAll removed the unfinished backup (no writer mark: abandoned). Leave another one, as a
        # backup killed since then would, with no writer mark left in it.
        New-Item -ItemType Directory (Join-Path $repository '20200101T000000Z-full-dead') -Force | Out-Null
        $script:table = (Get-MongoSnapshot -Repository $repository -IncludeIncomplete -WarningAction SilentlyContinue | Format-Table | Out-String -Width 120)
        $script:narrow = (Get-MongoSnapshot -Repository $repository -IncludeIncomplete -WarningAction SilentlyContinue | Format-Table | Out-String -Width 80)
    }

    It 'Format-Table Id,Contents shows the databases, as the default table does' {
        $named = Get-MongoSnapshot -Repository $repository -Latest | Format-Table Id, Contents | Out-String -Width 120
        $named | Should -Match ([regex]::Escape($db))
    }

    It 'at 80 columns shows what each snapshot holds: its documents and its databases, so a backup of some databases is told from one of all' {
        # Documents and Contents showed only from about 100 columns.
        $full = Get-MongoSnapshot -Repository $repository -Kind Full
        $narrow | Should -Match ('(?m)^' + [regex]::Escape($full.Id) + '\s+Complete\s+' + [regex]::Escape([MongoBackup.ByteSize]::Format($full.SizeBytes)) + '\s+3,000\s+\S') -Because $narrow
        # Contents in lines of 18; this test's database name (20 characters) breaks after an underscore.
        ($narrow -replace '\s', '') | Should -Match ([regex]::Escape($full.Id) + 'Complete.*3,000' + [regex]::Escape($db)) -Because $narrow
        $narrow | Should -Not -Match '…'
    }

    It 'keeps the start time to the second with its offset in the list view (the id holds it in UTC)' {
        $snapshot = Get-MongoSnapshot -Repository $repository -Latest
        $snapshot.Id | Should -BeLike ($snapshot.StartTime.UtcDateTime.ToString('yyyyMMddTHHmmssZ') + '-*')
        ($snapshot | Format-List | Out-String -Width 80) | Should -Match ('(?m)^StartTime\s*: ' + [regex]::Escape($snapshot.StartTime.ToString('yyyy-MM-dd HH:mm:ss zzz')) + '$')
    }

    It 'shows sizes in B/KB/MB/GB and documents with separators' {
        $full = Get-MongoSnapshot -Repository $repository -Latest
        $table | Should -Match ([regex]::Escape([MongoBackup.ByteSize]::Format($full.SizeBytes)))
        [MongoBackup.ByteSize]::Format($full.SizeBytes) | Should -Match '^\d+\.\d (KB|MB)$'
        $table | Should -Match ([regex]::Escape('{0:N0}' -f 3000))
    }

    It 'says what a slice holds instead of an empty database list' {
        # The slice holds one entry: singular, as a continuous capture's one-entry slice reads.
        $table | Should -Match '\b1 oplog entry\b'
        $table | Should -Not -Match '\b1 oplog entries'
    }

    It 'at 80 columns shows each Status whole (Complete, not Com…), and every id whole' {
        $narrow | Should -Match '\sComplete\s' -Because $narrow
        $narrow | Should -Not -Match '…' -Because $narrow
        foreach ($snapshot in Get-MongoSnapshot -Repository $repository -WarningAction SilentlyContinue) { $narrow | Should -Match ([regex]::Escape($snapshot.Id)) }
    }

    It 'shows an unfinished backup as Incomplete' {
        $table | Should -Match '20200101T000000Z-full-dead\s+Incomplete'
    }

    It 'shows a snapshot whose manifest cannot be read as Damaged, at 80 and 120 columns, with no size or documents it cannot know' {
        # Nothing after the status: no "0 B", no "0" documents read from a manifest that is not there.
        $table | Should -Match '(?m)^20200102T000000Z-full-0bad\s+Damaged\s*$'
        $narrow | Should -Match '(?m)^20200102T000000Z-full-0bad\s+Damaged\s*$'
    }
}

Describe 'ByteSize' {
    It 'formats <Bytes> as <Text>' -ForEach @(
        @{ Bytes = 0; Text = '0 B' }, @{ Bytes = 1023; Text = '1023 B' }, @{ Bytes = 1536; Text = '1.5 KB' }
        @{ Bytes = 5MB; Text = '5.0 MB' }, @{ Bytes = 3GB + 200MB; Text = '3.2 GB' }
    ) {
        [MongoBackup.ByteSize]::Format($Bytes) | Should -Be $Text
    }
}

Describe 'Durations in the views' {
    It 'shows <Span> as <Text>' -ForEach @(
        @{ Span = [timespan]::FromMilliseconds(42); Text = '42 ms' }, @{ Span = [timespan]::FromSeconds(4.25); Text = '4.3 s' }
        @{ Span = [timespan]::FromSeconds(754); Text = '12:34' }, @{ Span = [timespan]::FromSeconds(3723); Text = '1:02:03' }
        @{ Span = [timespan]::new(3, 4, 5, 6); Text = '3.04:05:06' }
    ) {
        [MongoBackup.TimeText]::Duration($Span) | Should -Be $Text
    }
}
