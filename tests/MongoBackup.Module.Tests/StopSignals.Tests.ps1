# SIGTERM as `systemctl stop`, `docker stop` and `kill` send it to a pwsh running Backup-MongoOplog -Continuous: the
# capture stops as Ctrl+C stops it, closing and keeping its last slice, and the process ends on its own with exit code 0.
# Outside the capture SIGTERM keeps .NET's default (the process ends at once, exit 143). POSIX signals: not on Windows.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_sig_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:orders = Get-Collection $uri $db 'orders'
    $orders.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..5) { New-BsonDocument @{ _id = $i } }))
    $script:repository = New-TestFolder
    Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db | Out-Null

    function Start-ChildPwsh([string] $Script, [string] $Log) {
        # A pwsh of its own, as a service manager starts it: `sh -c exec` leaves pwsh itself at the process id signalled,
        # with everything it writes in $Log, read while it runs.
        $start = [System.Diagnostics.ProcessStartInfo]::new('/bin/sh')
        foreach ($argument in '-c', 'exec "$0" "$@" > "$LOG" 2>&1', [Environment]::ProcessPath) { $start.ArgumentList.Add($argument) }
        if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
        foreach ($argument in '-NoProfile', '-NonInteractive', '-Command', $Script) { $start.ArgumentList.Add($argument) }
        $start.Environment['LOG'] = $Log
        $start.UseShellExecute = $false
        [System.Diagnostics.Process]::Start($start)
    }

    function Get-ChildLog([string] $Log) { if (Test-Path $Log) { @(Get-Content $Log) } else { @() } }

    function Wait-Until([scriptblock] $Condition, [string] $What, $Process, [int] $Seconds = 90) {
        $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
        while (-not (& $Condition)) {
            if ($Process.HasExited) { throw "The child ended (exit code $($Process.ExitCode)) before $What." }
            if ([DateTime]::UtcNow -gt $deadline) { throw "Timed out after $Seconds s waiting for $What." }
            Start-Sleep -Milliseconds 50
        }
    }

    function Get-NewestOplogTime {
        $options = [MongoDB.Driver.FindOptions[MongoDB.Bson.BsonDocument, MongoDB.Bson.BsonDocument]]::new()
        $options.Sort = [MongoDB.Driver.SortDefinition[MongoDB.Bson.BsonDocument]] [MongoDB.Bson.BsonDocument]::new('$natural', -1)
        $options.Limit = 1
        $oplog = Get-Collection $uri 'local' 'oplog.rs'
        $newest = (Read-Cursor $oplog.FindSync((New-EmptyFilter), $options, [System.Threading.CancellationToken]::None))[0]
        $newest['ts'].AsBsonTimestamp
    }

    function Test-Appended([string[]] $Lines, $Timestamp) {
        # The capture says at -Debug what each batch appended, up to which entry.
        foreach ($line in $Lines) {
            if ($line -match 'Captured \d+ oplog entries into slice .*, up to Timestamp\((\d+), (\d+)\)' -and
                ([uint] $Matches[1] -gt $Timestamp.Timestamp -or ([uint] $Matches[1] -eq $Timestamp.Timestamp -and [uint] $Matches[2] -ge $Timestamp.Increment))) { return $true }
        }
        $false
    }
}

AfterAll {
    if ($script:uri) { [MongoDB.Driver.MongoClient]::new($uri).DropDatabase($db, [System.Threading.CancellationToken]::None) }
    Stop-MongoTestServer $server
}

Describe 'SIGTERM to pwsh running Backup-MongoOplog -Continuous' -Skip:$IsWindows {
    BeforeAll {
        $script:log = Join-Path (New-TestFolder) 'child.log'
        $child = @"
`$ErrorActionPreference = 'Stop'
`$DebugPreference = 'Continue'
`$VerbosePreference = 'Continue'
Import-Module '$env:MONGOBACKUP_MODULE' -Verbose:`$false
Backup-MongoOplog -ConnectionString '$uri' -Repository '$repository' -Continuous -SliceInterval 1h | ForEach-Object { "SLICE `$(`$_.Id)" }
'CHILD DONE'
"@
        $script:process = Start-ChildPwsh $child $log
        # The capture runs once its slice is open and it tails: its first batch (empty or not) is said at -Debug.
        Wait-Until { @(Get-ChildLog $log | Where-Object { $_ -like '*Captured * oplog entries into slice*' }).Count -gt 0 -or
            @(Get-ChildItem $repository -Directory -Filter '*-oplog-*').Count -gt 0 } 'the capture to open its slice' $process
        $orders.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 6..25) { New-BsonDocument @{ _id = $i } }))
        $written = Get-NewestOplogTime
        Wait-Until { Test-Appended (Get-ChildLog $log) $written } 'the capture to append the documents written' $process
        # What a DBA sees of the capture while it runs: its open slice, being written.
        $script:duringCapture = @(Get-MongoSnapshot -Repository $repository -IncludeIncomplete)
        $script:duringTable = $duringCapture | Format-Table | Out-String -Width 120

        & kill -s TERM $process.Id
        $script:exited = $process.WaitForExit(60000)
        if (-not $exited) { $process.Kill() }
        $script:lines = Get-ChildLog $log
    }

    AfterAll {
        if ($process -and -not $process.HasExited) { $process.Kill() }
    }

    It 'ends the process on its own, with exit code 0, after the rest of its script' {
        $exited | Should -BeTrue
        $process.ExitCode | Should -Be 0 -Because ($lines -join "`n")
        $lines | Should -Contain 'CHILD DONE'
        @($lines | Where-Object { $_ -like '*SIGTERM received: the capture stopped and closed its last slice*' }) | Should -HaveCount 1
    }

    It 'lists its open slice, while it runs, as InProgress (not Incomplete), naming the capture writing it' {
        $open = @($duringCapture | Where-Object Kind -eq 'Oplog')
        $open | Should -HaveCount 1
        $open[0].Status | Should -Be 'InProgress' -Because $duringTable
        $open[0].BeingWrittenBy | Should -BeLike '*oplog*'
        $duringTable | Should -Match "$($open[0].Id)\s+InProgress"
        @($duringCapture | Where-Object Status -eq 'Incomplete') | Should -HaveCount 0
        { $open[0] | Test-MongoSnapshot -ErrorAction Stop } | Should -Throw -ErrorId 'MongoBackup.SnapshotBeingWritten*'
    }

    It 'closes its last slice: Complete, emitted, it passes Test-MongoSnapshot, and no writer mark is left' {
        $emitted = @($lines | Where-Object { $_ -like 'SLICE *' } | ForEach-Object { $_.Substring(6) })
        $emitted | Should -HaveCount 1
        $all = @(Get-MongoSnapshot -Repository $repository -IncludeIncomplete)
        @($all | Where-Object Status -ne 'Complete') | Should -HaveCount 0
        $slice = $all | Where-Object Id -eq $emitted[0]
        $slice.Status | Should -Be 'Complete'
        $slice.Id | Should -Be ($duringCapture | Where-Object Kind -eq 'Oplog').Id -Because 'the slice that was InProgress is the one it closed'
        ($slice | Test-MongoSnapshot).Passed | Should -BeTrue
        @(Get-ChildItem $repository -Recurse -Force -Filter '.mongobackup-writer-*') | Should -HaveCount 0
    }

    It 'holds every document written before the signal: a point-in-time restore to the window''s end has them all' {
        $window = Get-MongoRestoreWindow -Repository $repository
        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime $window.ToTimestamp -RenameDatabase "$db=$($db)_sig" -WarningAction SilentlyContinue
        $result.Succeeded | Should -BeTrue
        Get-DocumentCount (Get-Collection $uri "$($db)_sig" 'orders') | Should -Be 25
    }
}

Describe 'SIGTERM to pwsh running Backup-MongoOplog -Continuous through a mongos' -Skip:$IsWindows {
    BeforeAll {
        $script:cluster = Start-MongoTestServer -Sharded -Shards 2
        Initialize-ShardedOrders $cluster.Uri
        $script:clusterRepository = New-TestFolder
        Backup-MongoDatabase -ConnectionString $cluster.Uri -Repository $clusterRepository -StopBalancer | Out-Null
        $script:clusterLog = Join-Path (New-TestFolder) 'child.log'
        $child = @"
`$ErrorActionPreference = 'Stop'
`$DebugPreference = 'Continue'
Import-Module '$env:MONGOBACKUP_MODULE'
Backup-MongoOplog -ConnectionString '$($cluster.Uri)' -Repository '$clusterRepository' -Continuous -SliceInterval 1h | ForEach-Object { "SLICE `$(`$_.Id)" }
'CHILD DONE'
"@
        $script:clusterProcess = Start-ChildPwsh $child $clusterLog
        Wait-Until { @(Get-ChildLog $clusterLog | Where-Object { $_ -like '*Capturing the cluster*' }).Count -gt 0 } 'the cluster capture to start' $clusterProcess
        # Writes on both shards (shard0 holds _id below 50, shard1 the rest), then the stop.
        (Get-Collection $cluster.Uri 'shop' 'orders').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in -10..-1 + 1001..1010) { New-BsonDocument @{ _id = $i } }))
        & kill -s TERM $clusterProcess.Id
        $script:clusterExited = $clusterProcess.WaitForExit(90000)
        if (-not $clusterExited) { $clusterProcess.Kill() }
    }

    AfterAll {
        if ($clusterProcess -and -not $clusterProcess.HasExited) { $clusterProcess.Kill() }
        Stop-MongoTestServer $cluster
    }

    It 'takes a last cluster slice up to the stop, Complete, holding both shards'' writes, and exits 0' {
        $lines = Get-ChildLog $clusterLog
        $clusterExited | Should -BeTrue
        $clusterProcess.ExitCode | Should -Be 0 -Because ($lines -join "`n")
        $lines | Should -Contain 'CHILD DONE'
        $emitted = @($lines | Where-Object { $_ -like 'SLICE *' } | ForEach-Object { $_.Substring(6) })
        $emitted | Should -HaveCount 1
        $slice = Get-MongoSnapshot -Repository $clusterRepository -IncludeIncomplete | Where-Object Id -eq $emitted[0]
        $slice.Status | Should -Be 'Complete'
        $slice.Topology | Should -Be 'Sharded'
        $manifest = Get-Content (Join-Path $slice.Path 'manifest.json') -Raw | ConvertFrom-Json
        @($manifest.cluster.shards | Where-Object oplogEntries -gt 0).Count | Should -Be 2
        (Get-MongoRestoreWindow -Repository $clusterRepository).ToTimestamp | Should -Be $slice.OplogEnd
    }
}

Describe 'SIGTERM to pwsh after Backup-MongoOplog -Continuous has returned' -Skip:$IsWindows {
    It 'keeps its default: the process ends at once (exit 143), the rest of the script not run' {
        $log = Join-Path (New-TestFolder) 'child.log'
        $other = New-TestFolder
        Backup-MongoDatabase -ConnectionString $uri -Repository $other -Database $db | Out-Null
        $child = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$env:MONGOBACKUP_MODULE'
Backup-MongoOplog -ConnectionString '$uri' -Repository '$other' -Continuous -SliceInterval 1h -Duration 1s | Out-Null
'CAPTURE RETURNED'
while (`$true) { Start-Sleep -Milliseconds 100 }
"@
        $process = Start-ChildPwsh $child $log
        try {
            Wait-Until { (Get-ChildLog $log) -contains 'CAPTURE RETURNED' } 'the capture to return' $process
            & kill -s TERM $process.Id
            $process.WaitForExit(60000) | Should -BeTrue
            $process.ExitCode | Should -Be 143 -Because ((Get-ChildLog $log) -join "`n")
        }
        finally { if (-not $process.HasExited) { $process.Kill() } }
    }
}
