# SIGTERM as `systemctl stop` and `kill` send it to a pwsh running Backup-MongoOplog -Continuous: the capture stops as
# Ctrl+C stops it, closing and keeping its last slice, and the process ends on its own. POSIX signals: not on Windows.
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

    function Get-NewestOplogTime {
        $oplog = Get-Collection $uri 'local' 'oplog.rs'
        $newest = [MongoDB.Driver.IAsyncCursorSourceExtensions]::First($oplog.Find([MongoDB.Bson.BsonDocument]::new()).Sort(
            [MongoDB.Bson.BsonDocument]::new('$natural', -1)))
        $newest['ts'].AsBsonTimestamp
    }

    function Wait-Until([scriptblock] $Condition, [string] $What, [int] $Seconds = 60) {
        $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
        while (-not (& $Condition)) {
            if ([DateTime]::UtcNow -gt $deadline) { throw "Timed out after $Seconds s waiting for $What." }
            Start-Sleep -Milliseconds 50
        }
    }
}

AfterAll {
    if ($script:uri) { [MongoDB.Driver.MongoClient]::new($uri).DropDatabase($db, [System.Threading.CancellationToken]::None) }
    Stop-MongoTestServer $server
}

Describe 'SIGTERM to pwsh running Backup-MongoOplog -Continuous' -Skip:$IsWindows {
    BeforeAll {
        $child = @"
`$ErrorActionPreference = 'Stop'
`$DebugPreference = 'Continue'
`$VerbosePreference = 'Continue'
Import-Module '$env:MONGOBACKUP_MODULE'
Backup-MongoOplog -ConnectionString '$uri' -Repository '$repository' -Continuous -SliceInterval 1h | ForEach-Object { "SLICE `$(`$_.Id)" }
'CHILD DONE'
"@
        $exe = [Environment]::ProcessPath
        $start = [System.Diagnostics.ProcessStartInfo]::new($exe)
        if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
        foreach ($argument in '-NoProfile', '-NonInteractive', '-Command', $child) { $start.ArgumentList.Add($argument) }
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $start.UseShellExecute = $false
        $script:process = [System.Diagnostics.Process]::Start($start)
        $script:stderr = $process.StandardError.ReadToEndAsync()
        $script:lines = [System.Collections.Generic.List[string]]::new()
        $script:reading = $process.StandardOutput.ReadLineAsync()
        function Receive-ChildLines {
            while ($reading.IsCompleted -and $null -ne $reading.Result) {
                $lines.Add($reading.Result)
                $script:reading = $process.StandardOutput.ReadLineAsync()
            }
        }

        # The capture runs once it has opened its slice: a slice folder appears, its writer mark inside.
        Wait-Until { @(Get-ChildItem $repository -Directory -Filter '*-oplog-*').Count -gt 0 -or $process.HasExited } 'the capture to open its slice'
        $process.HasExited | Should -BeFalse -Because "the capture runs until stopped: $($stderr.Result)"
        $orders.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 6..25) { New-BsonDocument @{ _id = $i } }))
        $written = Get-NewestOplogTime
        # The capture says at -Debug what it has appended; wait until it has the last insert.
        Wait-Until {
            Receive-ChildLines
            @($lines | Where-Object { $_ -match 'Captured \d+ oplog entries into slice .*, up to Timestamp\((\d+), (\d+)\)' -and
                    ([uint] $Matches[1] -gt $written.Timestamp -or ([uint] $Matches[1] -eq $written.Timestamp -and [uint] $Matches[2] -ge $written.Increment)) }).Count -gt 0
        } 'the capture to append the documents written'

        & kill -s TERM $process.Id
        $script:exited = $process.WaitForExit(60000)
        if (-not $exited) { $process.Kill() }
        while ($null -ne ($line = $process.StandardOutput.ReadLine())) { $lines.Add($line) }
        if (-not $reading.IsCompleted -or $null -ne $reading.Result) { Receive-ChildLines }
    }

    AfterAll {
        if ($process -and -not $process.HasExited) { $process.Kill() }
    }

    It 'ends the process on its own, with exit code 0, after the rest of its script' {
        $exited | Should -BeTrue
        $process.ExitCode | Should -Be 0 -Because ($lines -join "`n") + $stderr.Result
        $lines | Should -Contain 'CHILD DONE'
        @($lines | Where-Object { $_ -like '*SIGTERM received: the capture stopped and closed its last slice*' }) | Should -HaveCount 1
    }

    It 'closes its last slice: Complete, listed, and it passes Test-MongoSnapshot' {
        $emitted = @($lines | Where-Object { $_ -like 'SLICE *' } | ForEach-Object { $_.Substring(6) })
        $emitted | Should -HaveCount 1
        $slice = Get-MongoSnapshot -Repository $repository -IncludeIncomplete | Where-Object Id -eq $emitted[0]
        $slice.Status | Should -Be 'Complete'
        @(Get-MongoSnapshot -Repository $repository -IncludeIncomplete | Where-Object Status -ne 'Complete') | Should -HaveCount 0
        ($slice | Test-MongoSnapshot).Passed | Should -BeTrue
    }

    It 'holds the documents written before the signal' {
        $window = Get-MongoRestoreWindow -Repository $repository
        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime $window.ToTimestamp -RenameDatabase "$db=$($db)_sig" -WarningAction SilentlyContinue
        $result.Succeeded | Should -BeTrue
        Get-DocumentCount (Get-Collection $uri "$($db)_sig" 'orders') | Should -Be 25
    }
}
