# The DBA's point-in-time story as a user runs it: a full backup, oplog slices around an accidental drop, the restore
# window, and a restore to just before the drop; against MONGOBACKUP_TEST_URI or the in-memory test server (a replica set).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:repository = New-TestFolder
    # A database name of its own per run, so a shared real server is never disturbed.
    $script:db = 'pitr_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:none = [System.Threading.CancellationToken]::None

    function Get-LastWriteWallTime {
        # The wall time (UTC, to the millisecond) of the newest oplog entry that writes to the database, as the server logged it.
        param([string] $Uri, [string] $Database)
        $within = [MongoDB.Bson.BsonRegularExpression]::new('^' + [regex]::Escape($Database) + '\.')
        $filter = New-BsonDocument @{}
        $filter.Add('$or', [MongoDB.Bson.BsonArray]::new([MongoDB.Bson.BsonDocument[]] @(
                    [MongoDB.Bson.BsonDocument]::new('ns', $within), [MongoDB.Bson.BsonDocument]::new('o.applyOps.ns', $within)))) | Out-Null
        $options = [MongoDB.Driver.FindOptions[MongoDB.Bson.BsonDocument, MongoDB.Bson.BsonDocument]]::new()
        $options.Sort = [MongoDB.Driver.SortDefinition[MongoDB.Bson.BsonDocument]] [MongoDB.Bson.BsonDocument]::new('$natural', -1)
        $options.Limit = 1
        $oplog = [MongoDB.Driver.MongoClient]::new($Uri).GetDatabase('local').GetCollection[MongoDB.Bson.BsonDocument]('oplog.rs', $null)
        $newest = (Read-Cursor $oplog.FindSync([MongoDB.Driver.FilterDefinition[MongoDB.Bson.BsonDocument]] $filter, $options, $none))[0]
        return $newest['wall'].ToUniversalTime()
    }

    function Add-Orders {
        param([int[]] $Ids)
        $docs = foreach ($i in $Ids) { New-BsonDocument ([ordered]@{ _id = $i; customer = "c$($i % 5)"; total = [double] ($i * 2.5) }) }
        (Get-Collection $uri $db 'orders').InsertMany([MongoDB.Bson.BsonDocument[]] @($docs))
    }

    Add-Orders (1..20)
    (Get-Collection $uri $db 'customers').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..5) { New-BsonDocument ([ordered]@{ _id = "c$i"; city = 'Oslo' }) }))
    $script:full = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -WarningAction SilentlyContinue

    # Writes after the full backup, then the scheduled slice.
    Add-Orders (21..30)
    (Get-Collection $uri $db 'orders').UpdateOne((New-BsonDocument @{ _id = 7 }), [MongoDB.Driver.UpdateDefinition[MongoDB.Bson.BsonDocument]] (New-BsonDocument @{ '$set' = @{ total = 999.0 } })) | Out-Null
    # The runs below find nothing new only if the primary writes no periodic no-op meanwhile (it writes one whenever it
    # was idle for periodicNoopIntervalSecs): switched off from before the slice until after them.
    Set-PeriodicNoops $uri $false
    try {
        $script:firstSlice = Backup-MongoOplog -ConnectionString $uri -Repository $repository
        # Nothing written since: a second run has nothing to save.
        $script:idleRun = @(Backup-MongoOplog -ConnectionString $uri -Repository $repository -Verbose 4>&1)
        # The same, as a scheduled job's log shows it: every stream merged, no -Verbose.
        $script:idleLog = @(Backup-MongoOplog -ConnectionString $uri -Repository $repository *>&1)
    }
    finally { Set-PeriodicNoops $uri $true }

    # More writes, the moment the DBA will restore to, then the accidental drop and writes after it.
    Add-Orders (31..35)
    $script:ordersBeforeDrop = Get-AllDocuments (Get-Collection $uri $db 'orders')
    # The moment: the server's wall time of the last write before the drop. Oplog wall times are kept to the
    # millisecond and a point in time includes every write at or before it; the drop waits until the server's own
    # clock has passed that millisecond, so it falls after the moment whatever this machine's clock says.
    $script:beforeDrop = Get-LastWriteWallTime $uri $db
    Wait-ServerClockPast $uri $beforeDrop
    [MongoDB.Driver.MongoClient]::new($uri).GetDatabase($db).DropCollection('orders', $none)
    (Get-Collection $uri $db 'customers').InsertOne((New-BsonDocument ([ordered]@{ _id = 'c-late'; city = 'Lyon' })))
    $script:lastSlice = Backup-MongoOplog -ConnectionString $uri -Repository $repository
}

AfterAll {
    if ($script:uri) {
        $client = [MongoDB.Driver.MongoClient]::new($uri)
        foreach ($suffix in '', '_pitr', '_ct', '_dto', '_outside', '_whatif', '_now', '_samems') { $client.DropDatabase("$db$suffix", $none) }
    }
    Stop-MongoTestServer $server
    Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Backup-MongoOplog' {
    It 'emits one oplog slice that continues the full snapshot' {
        @($firstSlice).Count | Should -Be 1
        $firstSlice | Should -BeOfType MongoBackup.MongoSnapshot
        $firstSlice.Kind | Should -Be 'Oplog'
        $firstSlice.Status | Should -Be 'Complete'
        $firstSlice.PreviousSliceEnd | Should -Be $full.ConsistentAtTimestamp
        # One insert of 10 documents (a retryable write: MongoDB 8.0 logs it as one applyOps entry) and an update.
        $firstSlice.Entries | Should -BeGreaterOrEqual 2 -Because 'an insert of 10 documents and an update were written after the full backup'
        $firstSlice.OplogEnd | Should -Not -BeNullOrEmpty
        $firstSlice.Gap | Should -BeNullOrEmpty
        foreach ($file in $firstSlice.Files) { Test-Path $file | Should -BeTrue -Because $file }
        $firstSlice.Compression | Should -Be 'Zstd' -Because 'zstd is the default compression'
        @($firstSlice.Files | Where-Object { $_ -like '*oplog.bson.zst' }).Count | Should -Be 1
    }

    It 'emits nothing when nothing was written since the last slice, and says so on the verbose stream' {
        @($idleRun | Where-Object { $_ -is [MongoBackup.MongoSnapshot] }).Count | Should -Be 0
        ($idleRun | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n" | Should -Match 'Nothing new in the oplog'
    }

    It 'says on the warning stream, without -Verbose, that nothing new was found and no slice written; emits no object' {
        @($idleLog | Where-Object { $_ -is [MongoBackup.MongoSnapshot] }).Count | Should -Be 0
        $warnings = @($idleLog | Where-Object { $_ -is [System.Management.Automation.WarningRecord] })
        $warnings.Count | Should -Be 1
        $warnings[0].Message | Should -BeLike "Nothing new in the oplog since the end of the chain in $repository*no slice written*"
    }

    It 'chains the next slice onto the previous one' {
        $lastSlice.PreviousSliceEnd | Should -Be $firstSlice.OplogEnd
        (Get-MongoSnapshot -Repository $repository | Where-Object Kind -eq 'Oplog').Count | Should -Be 2
    }

    It 'refuses a repository folder that does not exist, rather than starting a chain nowhere' {
        { Backup-MongoOplog -ConnectionString $uri -Repository (Join-Path $repository 'no-such-folder') -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.SourceNotFound*'
    }

    It '-WhatIf saves nothing' {
        (Backup-MongoOplog -ConnectionString $uri -Repository $repository -WhatIf).Action | Should -BeIn 'Save oplog', 'Nothing'
        (Get-MongoSnapshot -Repository $repository).Count | Should -Be 3
    }
}

Describe 'Get-MongoRestoreWindow' {
    It 'shows one window from the full snapshot''s consistency point to the last slice''s end' {
        $windows = @(Get-MongoRestoreWindow -Repository $repository)
        $windows.Count | Should -Be 1
        $window = $windows[0]
        $window | Should -BeOfType MongoBackup.MongoRestoreWindow
        $window.FromTimestamp | Should -Be $full.ConsistentAtTimestamp
        $window.ToTimestamp | Should -Be $lastSlice.OplogEnd
        # The ends are wall times to the millisecond, as -PointInTime compares them, in local time with an offset.
        $window.From | Should -Be $full.ConsistentAt
        $window.From | Should -BeOfType [DateTimeOffset]
        $window.To | Should -Be $lastSlice.ConsistentAt
        $window.BaseSnapshotId | Should -Be $full.Id
        $window.SliceIds | Should -Be @($firstSlice.Id, $lastSlice.Id)
        $window.SliceCount | Should -Be 2
        $window.Duration | Should -Be ($window.To - $window.From)
        $window.ReplicaSetName | Should -Not -BeNullOrEmpty
    }

    It 'filters by replica set name' {
        Get-MongoRestoreWindow -Repository $repository -ReplicaSetName 'no-such-set' | Should -BeNullOrEmpty
    }
}

Describe 'Restore-MongoPointInTime' {
    It 'restores to just before the accidental drop: the dropped collection is back with every document' {
        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -PointInTime $beforeDrop -RenameDatabase "$db=$($db)_pitr" -WarningAction SilentlyContinue
        $result | Should -BeOfType MongoBackup.MongoRestoreResult
        $result.Succeeded | Should -BeTrue
        $result.BaseSnapshotId | Should -Be $full.Id
        $result.SlicesApplied | Should -Be 2
        $result.PointInTime | Should -Be ([datetimeoffset] $beforeDrop)
        Get-AllDocuments (Get-Collection $uri "$($db)_pitr" 'orders') | Should -Be $ordersBeforeDrop
        # Documents are those of the base snapshot (20 orders, 5 customers); the 15 inserts and the update replayed after
        # it are counted apart, as oplog entries (not documents: a batched insert can be one entry) in OplogEntriesApplied,
        # so the target (40 documents) holds more than Documents says.
        $result.Documents | Should -Be $full.Documents
        $result.Documents | Should -Be 25
        $result.SliceEntriesApplied | Should -BeGreaterThan 0
        $result.OplogEntriesApplied | Should -BeGreaterOrEqual $result.SliceEntriesApplied
        # The default table (80 columns) names the base's id; the list shows what the target holds after the replay.
        ($result | Format-Table | Out-String -Width 120) | Should -Match ([regex]::Escape($full.Id))
        ($result | Format-List | Out-String -Width 120) | Should -Match 'FinalDocuments\s+:\s+\d'
        # The customer added after the drop is after the moment, so it is not there.
        Get-DocumentCount (Get-Collection $uri "$($db)_pitr" 'customers') | Should -Be 5
    }

    It 'takes -ClusterTime and the repository from a piped restore window; the end of the window is after the drop' {
        $result = Get-MongoRestoreWindow -Repository $repository |
            Restore-MongoPointInTime -ConnectionString $uri -ClusterTime ((Get-MongoRestoreWindow -Repository $repository).ToTimestamp) -RenameDatabase "$db=$($db)_ct" -WarningAction SilentlyContinue
        $result.Succeeded | Should -BeTrue
        $result.ClusterTime | Should -Be $lastSlice.OplogEnd
        Get-DocumentCount (Get-Collection $uri "$($db)_ct" 'customers') | Should -Be 6
        Get-DocumentCount (Get-Collection $uri "$($db)_ct" 'orders') | Should -Be 0 -Because 'the drop was replayed'
    }

    It '-Drop -Confirm:$false replaces a target that already holds data' {
        (Get-Collection $uri "$($db)_pitr" 'orders').InsertOne((New-BsonDocument ([ordered]@{ _id = 'stray'; total = 0.0 })))
        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -PointInTime $beforeDrop -RenameDatabase "$db=$($db)_pitr" -Drop -Confirm:$false -WarningAction SilentlyContinue
        $result.Succeeded | Should -BeTrue
        Get-AllDocuments (Get-Collection $uri "$($db)_pitr" 'orders') | Should -Be $ordersBeforeDrop
    }

    It 'filters that match nothing in the base snapshot are NothingSelected, and nothing is written' {
        { Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -PointInTime $beforeDrop -Collection 'no_such_collection' -RenameDatabase "$db=$($db)_outside" -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.NothingSelected*'
        Get-DatabaseName $uri | Should -Not -Contain "$($db)_outside"
    }

    It 'takes a DateTimeOffset in any offset as the instant it names' {
        $elsewhere = ([DateTimeOffset] $beforeDrop).ToOffset([TimeSpan]::FromHours(5))
        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -PointInTime $elsewhere -Collection orders -RenameDatabase "$db=$($db)_dto" -WarningAction SilentlyContinue
        $result.PointInTime | Should -Be ([datetimeoffset] $beforeDrop)
        Get-AllDocuments (Get-Collection $uri "$($db)_dto" 'orders') | Should -Be $ordersBeforeDrop
    }

    It 'takes -ClusterTime written as seconds,increment' {
        $window = Get-MongoRestoreWindow -Repository $repository
        $null = $window.FromTimestamp -match '^Timestamp\((\d+), (\d+)\)$'
        Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime "$($Matches[1]),$($Matches[2])" -RenameDatabase "$db=$($db)_whatif" -WhatIf |
            ForEach-Object Action | Should -Be @('Restore', 'Restore')
        Get-DatabaseName $uri | Should -Not -Contain "$($db)_whatif"
    }

    It 'a moment outside the window is OutsideRestoreWindow, lists the window, and writes nothing' {
        $window = Get-MongoRestoreWindow -Repository $repository
        $caught = $null
        try { Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -PointInTime $window.From.AddHours(-1) -RenameDatabase "$db=$($db)_outside" -ErrorAction Stop }
        catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.OutsideRestoreWindow,*'
        $caught.CategoryInfo.Category | Should -Be 'InvalidArgument'
        # The window's ends to the millisecond, as the restore compares them (a rounded second could contradict the refusal).
        $caught.Exception.Message | Should -Match ([regex]::Escape($window.From.UtcDateTime.ToString('yyyy-MM-dd HH:mm:ss.fff') + 'Z'))
        $caught.Exception.Message | Should -Match ([regex]::Escape($window.To.UtcDateTime.ToString('yyyy-MM-dd HH:mm:ss.fff') + 'Z'))
        Get-DatabaseName $uri | Should -Not -Contain "$($db)_outside"
    }

    It 'a moment after the last slice says to run Backup-MongoOplog' {
        { Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -PointInTime ([DateTimeOffset]::UtcNow.AddDays(1)) -RenameDatabase "$db=$($db)_outside" -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.OutsideRestoreWindow*' -ExpectedMessage '*Backup-MongoOplog*'
    }

    It '-WhatIf writes nothing' {
        (Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -PointInTime $beforeDrop -RenameDatabase "$db=$($db)_whatif" -WhatIf).WouldRun | Should -Be @($true, $true)
        Get-DatabaseName $uri | Should -Not -Contain "$($db)_whatif"
    }

    It 'a -ClusterTime that is not a timestamp is InvalidArgument naming the value' {
        { Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime 'yesterday' -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.InvalidArgument*' -ExpectedMessage "*'yesterday'*"
    }
}

Describe 'Backup-MongoOplog -Continuous' {
    It 'closes slices that chain while writes happen' {
        $chainEnd = (Get-MongoSnapshot -Repository $repository | Where-Object Kind -eq 'Oplog' | Select-Object -First 1).OplogEnd
        # A writer on its own runspace, so the capture in the foreground has something to tail.
        $writer = [powershell]::Create()
        $writer.AddScript({
                param($Uri, $Database)
                $collection = [MongoDB.Driver.MongoClient]::new($Uri).GetDatabase($Database).GetCollection[MongoDB.Bson.BsonDocument]('ticks', $null)
                foreach ($i in 1..12) {
                    $collection.InsertOne([MongoDB.Bson.BsonDocument]::new('_id', $i), $null, [System.Threading.CancellationToken]::None)
                    Start-Sleep -Milliseconds 200
                }
            }).AddArgument($uri).AddArgument($db) | Out-Null
        $running = $writer.BeginInvoke()
        $seen = [System.Collections.Generic.List[datetime]]::new()
        try {
            # Each slice is noted the moment it comes down the pipeline.
            $slices = @(Backup-MongoOplog -ConnectionString $uri -Repository $repository -Continuous -Duration '00:00:03' -SliceInterval '00:00:01' -WarningAction SilentlyContinue |
                    ForEach-Object { $seen.Add([datetime]::UtcNow); $_ })
            $ended = [datetime]::UtcNow
        }
        finally { $writer.EndInvoke($running); $writer.Dispose() }

        $slices.Count | Should -BeGreaterOrEqual 2
        $slices[0].PreviousSliceEnd | Should -Be $chainEnd
        for ($i = 1; $i -lt $slices.Count; $i++) { $slices[$i].PreviousSliceEnd | Should -Be $slices[$i - 1].OplogEnd }
        foreach ($slice in $slices) { $slice.Kind | Should -Be 'Oplog'; $slice.Gap | Should -BeNullOrEmpty; $slice.Entries | Should -BeGreaterThan 0; $slice.Compression | Should -Be 'Zstd' }
        # Slices are emitted as they close, not all at the end of the capture.
        $seen[0] | Should -BeLessThan $ended.AddSeconds(-1)
        # The window now reaches the last slice the capture closed.
        (Get-MongoRestoreWindow -Repository $repository).ToTimestamp | Should -Be $slices[-1].OplogEnd
    }

    It 'says at its end, as the one-shot run does, that a capture that found nothing new wrote no slice; emits no object' {
        # The capture before this one stopped while its writer was still writing: a one-shot slice takes what it left,
        # so the chain ends at the server's last write and the capture below has nothing new to find.
        # Nor may the primary write a periodic no-op between them (see BeforeAll).
        Set-PeriodicNoops $uri $false
        try {
            Backup-MongoOplog -ConnectionString $uri -Repository $repository -WarningAction SilentlyContinue | Out-Null
            $idleCapture = @(Backup-MongoOplog -ConnectionString $uri -Repository $repository -Continuous -SliceInterval 1s -Duration 1s *>&1)
        }
        finally { Set-PeriodicNoops $uri $true }
        @($idleCapture | Where-Object { $_ -is [MongoBackup.MongoSnapshot] }).Count | Should -Be 0
        $warnings = @($idleCapture | Where-Object { $_ -is [System.Management.Automation.WarningRecord] })
        $warnings.Count | Should -Be 1
        $warnings[0].Message | Should -BeLike "Nothing new in the oplog since the end of the chain in $repository*no slice written*the capture was shorter*"
    }

    It 'refuses a slice interval of zero' {
        { Backup-MongoOplog -ConnectionString $uri -Repository $repository -Continuous -SliceInterval '0s' -Duration '00:00:01' -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.InvalidArgument*' -ExpectedMessage '*-SliceInterval*'
    }
}

Describe 'Restore-MongoPointInTime -PointInTime with sub-millisecond digits (a [DateTimeOffset]::UtcNow taken right after the last write)' {
    BeforeAll {
        # The last write, then the slice that saves it: the window now ends at that write's wall time, to the millisecond.
        (Get-Collection $uri $db 'late').InsertOne((New-BsonDocument ([ordered]@{ _id = 'last'; note = 'written just before the moment' })))
        $script:lastWall = [DateTimeOffset] (Get-LastWriteWallTime $uri $db)
        $script:lateSlice = Backup-MongoOplog -ConnectionString $uri -Repository $repository
        # [DateTimeOffset]::UtcNow as the tryout took it 0.93 ms after the write: the same millisecond as the write's wall
        # time, with ticks below the millisecond (.5119334 after a write logged at .511). Taken from the write's logged
        # wall time, since a real UtcNow lands in that millisecond only by chance (a later one is after the window).
        $script:moment = $lastWall.AddTicks(9334)
        # The sibling: 0.4 ms before a write that the server logged in the same millisecond.
        $script:beforeInSameMs = $lastWall.AddTicks(2000)
    }

    It 'is read to the millisecond: inside the window that ends at the last write, and the last write is restored' {
        $moment.UtcTicks % [TimeSpan]::TicksPerMillisecond | Should -Not -Be 0 -Because 'the moment has sub-millisecond ticks, as UtcNow does'
        (Get-MongoRestoreWindow -Repository $repository).To | Should -Be $lastWall
        $all = @(Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -PointInTime $moment -Collection late -RenameDatabase "$db=$($db)_now" -WarningAction SilentlyContinue -Verbose 4>&1)
        $result = $all | Where-Object { $_ -is [MongoBackup.MongoRestoreResult] }
        $result.Succeeded | Should -BeTrue
        $result.PointInTime | Should -Be $lastWall -Because 'the moment restored to is the millisecond it was read as'
        Get-AllDocuments (Get-Collection $uri "$($db)_now" 'late') | Should -Be @('{ "_id" : "last", "note" : "written just before the moment" }')
        $utc = $lastWall.UtcDateTime.ToString('yyyy-MM-dd HH:mm:ss.fff') + 'Z'
        ($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like '-PointInTime is *' }).Message |
            Should -BeLike "*which is $utc, included with every write of that millisecond.*"
    }

    It 'a moment 0.4 ms before a write logged in the same millisecond includes that write, as the millisecond is included whole' {
        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -PointInTime $beforeInSameMs -Collection late -RenameDatabase "$db=$($db)_samems" -WarningAction SilentlyContinue
        $result.Succeeded | Should -BeTrue
        Get-AllDocuments (Get-Collection $uri "$($db)_samems" 'late') | Should -Be @('{ "_id" : "last", "note" : "written just before the moment" }')
    }

    It 'a moment in the next millisecond, with sub-millisecond digits, is refused naming that millisecond, not the window''s end' {
        $next = $lastWall.AddTicks(10000 + 9334)
        $caught = $null
        try { Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -PointInTime $next -Collection late -RenameDatabase "$db=$($db)_outside" -ErrorAction Stop }
        catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.OutsideRestoreWindow,*'
        $end = $lastWall.UtcDateTime.ToString('yyyy-MM-dd HH:mm:ss.fff') + 'Z'
        $read = $lastWall.AddMilliseconds(1).UtcDateTime.ToString('yyyy-MM-dd HH:mm:ss.fff') + 'Z'
        $caught.Exception.Message | Should -BeLike "-PointInTime was read as *, which is $read. That moment is outside every restore window*no oplog slice reaches past $end*"
        Get-DatabaseName $uri | Should -Not -Contain "$($db)_outside"
    }
}

Describe 'about_MongoBackup_PointInTime' {
    It 'is shipped and explains windows, gaps and choosing the moment' {
        $about = Get-Help about_MongoBackup_PointInTime | Out-String
        $about | Should -Match 'SHORT DESCRIPTION'
        foreach ($topic in 'RESTORE WINDOWS', 'HOW SLICES CHAIN', 'CHOOSING THE MOMENT', 'MongoBackup.OutsideRestoreWindow') {
            $about | Should -Match ([regex]::Escape($topic))
        }
    }
}
