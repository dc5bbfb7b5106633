# Time as a DBA off UTC meets it: a child pwsh with TZ=America/New_York (as the machine of a DBA in New York) filters
# snapshots with Get-Date, copies a moment from the restore window table into -PointInTime, and types local times that
# the clock skips or repeats at a daylight-saving change.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_time_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $none = [System.Threading.CancellationToken]::None
    $items = Get-Collection $uri $db 'items'
    $items.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..20) { New-BsonDocument @{ _id = $i } }))
    $script:repository = New-TestFolder
    $script:full = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db
    $items.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 21..25) { New-BsonDocument @{ _id = $i } }))
    $script:slice = Backup-MongoOplog -ConnectionString $uri -Repository $repository

    function Invoke-InZone {
        # Runs a script in a fresh pwsh whose time zone is $Zone, with the module imported and $uri, $repository and $db
        # set; returns what the script writes as JSON (each value converted with ConvertTo-Json -Depth 5).
        param([string] $Zone, [string] $Script)
        $file = Join-Path ([IO.Path]::GetTempPath()) ("mongobackup-tz-" + [guid]::NewGuid().ToString('N') + '.ps1')
        Set-Content $file @"
`$ErrorActionPreference = 'Stop'
Import-Module '$env:MONGOBACKUP_MODULE'
`$PSStyle.OutputRendering = 'PlainText'
`$uri = '$uri'; `$repository = '$repository'; `$db = '$db'
`$result = & { $Script }
`$result | ConvertTo-Json -Depth 5 -Compress
"@
        $exe = [Environment]::ProcessPath
        $arguments = @('-NoProfile', '-NonInteractive', '-File', $file)
        if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $arguments = @(Join-Path $PSHOME 'pwsh.dll') + $arguments }
        $previous = $env:TZ
        $env:TZ = $Zone
        try { $output = & $exe @arguments 2>&1 | Out-String }
        finally { $env:TZ = $previous; Remove-Item $file }
        if ($LASTEXITCODE -ne 0) { throw "The child pwsh failed: $output" }
        $json = ($output -split "`r?`n" | Where-Object { $_ -match '^[\[{"]' } | Select-Object -Last 1)
        return $json | ConvertFrom-Json
    }
}

AfterAll {
    if ($script:uri) {
        $client = [MongoDB.Driver.MongoClient]::new($uri)
        foreach ($suffix in '', '_ny', '_nyl') { $client.DropDatabase("$db$suffix", [System.Threading.CancellationToken]::None) }
    }
    Stop-MongoTestServer $server
    Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'In New York (TZ=America/New_York)' {
    BeforeAll {
        $script:ny = Invoke-InZone 'America/New_York' {
            $snapshots = @(Get-MongoSnapshot -Repository $repository)
            $window = Get-MongoRestoreWindow -Repository $repository | Select-Object -Last 1
            $table = $window | Format-Table | Out-String -Width 120
            # The DBA copies the To column of the window table and pastes it into -PointInTime.
            # (From and To are both shown to the millisecond with their offset: To is the second moment on the row.)
            $shown = [regex]::Matches($table, '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d\d:\d\d')
            $copied = $shown[1].Value
            $restore = Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -PointInTime $copied -RenameDatabase "$db=$($db)_ny" -Verbose 4>&1
            $result = $restore | Where-Object { $_ -is [MongoBackup.MongoRestoreResult] }
            # The DBA reads From off Format-List and pastes it back; then types a local time one millisecond earlier.
            $list = $window | Format-List | Out-String -Width 120
            $listedFrom = [regex]::Match($list, '(?m)^From\s*: (.+?)\s*$').Groups[1].Value
            $fromList = Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -PointInTime $listedFrom -RenameDatabase "$db=$($db)_nyl"
            $early = $window.From.AddMilliseconds(-1).ToString('yyyy-MM-dd HH:mm:ss.fff')
            $refusal = try { Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -PointInTime $early -WhatIf; 'no error' } catch { $_.Exception.Message }
            [ordered]@{
                Zone          = [TimeZoneInfo]::Local.Id
                Offset        = (Get-Date).ToString('zzz')
                Recent        = @($snapshots | Where-Object StartTime -gt (Get-Date).AddHours(-3)).Count
                InTheFuture   = @($snapshots | Where-Object StartTime -gt (Get-Date).AddHours(2)).Count
                OlderThan3h   = @($snapshots | Where-Object StartTime -lt (Get-Date).AddHours(-3)).Count
                StartOffset   = $snapshots[0].StartTime.ToString('zzz')
                SnapshotTable = $snapshots | Format-Table | Out-String -Width 120
                SnapshotList  = $snapshots[0] | Format-List | Out-String -Width 120
                ShownInTable  = $shown.Count
                Table         = $table
                Copied        = $copied
                WindowTo      = $window.To.ToString('o')
                Succeeded     = $result.Succeeded
                PointInTime   = $result.PointInTime.ToString('o')
                List          = $list
                ListedFrom    = $listedFrom
                WindowFrom    = $window.From.ToString('o')
                FromListOk    = $fromList.Succeeded
                FromListAt    = $fromList.PointInTime.ToString('o')
                Early         = $early
                Refusal       = $refusal
                Verbose       = @($restore | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
            }
        }
    }

    It 'runs in that zone, off UTC' {
        $ny.Zone | Should -Be 'America/New_York'
        $ny.Offset | Should -BeIn '-05:00', '-04:00'
    }

    It "compares snapshot times with Get-Date correctly: Where-Object StartTime -gt (Get-Date).AddHours(-3)" {
        $ny.Recent | Should -Be 2
        $ny.InTheFuture | Should -Be 0
        $ny.OlderThan3h | Should -Be 0
    }

    It 'shows moments in local time with their offset, in objects and tables' {
        $ny.StartOffset | Should -Be $ny.Offset
        # The snapshot table (Id | Status | Size | Documents | Contents) shows no time; its list view shows StartTime.
        $ny.SnapshotList | Should -Match ('(?m)^StartTime\s*: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d ' + [regex]::Escape($ny.Offset) + '$') -Because $ny.SnapshotList
        $ny.SnapshotList | Should -Not -Match '\+00:00' -Because $ny.SnapshotList
        $ny.SnapshotTable | Should -Not -Match '\+00:00' -Because $ny.SnapshotTable
        # The window table shows From and To alike, each with the local offset.
        $ny.ShownInTable | Should -Be 2 -Because $ny.Table
        $ny.Table | Should -Match ([regex]::Escape(" $($ny.Offset)"))
        $ny.Table | Should -Not -Match '\+00:00'
    }

    It 'restores to a moment copied from the window table: the instant shown, not five hours off' {
        $ny.Succeeded | Should -BeTrue -Because "the copied moment '$($ny.Copied)' is the window's end"
        ([datetimeoffset] $ny.PointInTime) | Should -Be ([datetimeoffset] $ny.WindowTo)
        Get-DocumentCount (Get-Collection $uri "$($db)_ny" 'items') | Should -Be 25
    }

    It 'Format-List shows From with milliseconds and offset, and that text restores to exactly that instant' {
        $ny.ListedFrom | Should -Match ('^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} ' + [regex]::Escape($ny.Offset) + '$') -Because $ny.List
        $ny.FromListOk | Should -BeTrue
        ([datetimeoffset] $ny.FromListAt) | Should -Be ([datetimeoffset] $ny.WindowFrom)
        Get-DocumentCount (Get-Collection $uri "$($db)_nyl" 'items') | Should -Be 20
    }

    It 'a local time one millisecond before the window is refused naming the start to the millisecond, in UTC and in local time' {
        $from = [datetimeoffset] $ny.WindowFrom
        $utc = $from.UtcDateTime.ToString('yyyy-MM-dd HH:mm:ss.fff') + 'Z'
        $local = $ny.ListedFrom   # the start in New York time, exactly as Format-List showed it
        $ny.Refusal | Should -BeLike "*$($ny.Early)*outside every restore window*" -Because $ny.Refusal
        $ny.Refusal | Should -BeLike "*the oldest restore window starts at $utc ($local)*" -Because $ny.Refusal
    }

    It 'echoes the instant -PointInTime was read as, with its offset, zone and UTC' {
        $echo = $ny.Verbose | Where-Object { $_ -like '-PointInTime is *' }
        $echo | Should -Not -BeNullOrEmpty
        $utc = ([datetimeoffset] $ny.WindowTo).UtcDateTime.ToString('yyyy-MM-dd HH:mm:ss.fff')
        $echo | Should -BeLike "*$($ny.Copied) (America/New_York), which is $($utc)Z*"
    }
}

Describe 'Local times the clock skips or repeats (America/New_York, 2026)' {
    BeforeAll {
        $script:dst = Invoke-InZone 'America/New_York' {
            function Get-Refusal([scriptblock] $Command) {
                try { & $Command; 'no error' } catch { $_.Exception.Message }
            }
            [ordered]@{
                Skipped  = Get-Refusal { Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -PointInTime '2026-03-08 02:30:00' -WhatIf }
                Repeated = Get-Refusal { Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -PointInTime (Get-Date '2026-11-01 01:30:00') -WhatIf }
                Outside  = Get-Refusal { Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -PointInTime '2026-11-01 00:30:00' -WhatIf }
                WithOffset = Get-Refusal { Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -PointInTime '2026-11-01 01:30:00 -05:00' -WhatIf }
            }
        }
    }

    It '02:30 on the night the clocks skip from 02:00 to 03:00 is refused, naming both UTC instants it could mean' {
        $dst.Skipped | Should -BeLike "*2026-03-08 02:30:00 does not exist in local time (America/New_York)*"
        $dst.Skipped | Should -BeLike '*2026-03-08 07:30:00Z (at -05:00) or 2026-03-08 06:30:00Z (at -04:00)*'
    }

    It '01:30 on the night the clocks repeat 01:00-02:00 is refused, naming both UTC instants' {
        $dst.Repeated | Should -BeLike "*2026-11-01 01:30:00 happens twice in local time (America/New_York)*"
        $dst.Repeated | Should -BeLike '*2026-11-01 05:30:00Z (at -04:00) or 2026-11-01 06:30:00Z (at -05:00)*'
    }

    It 'an ordinary local time is read, and a moment outside every window says how it was read before blaming the window' {
        $dst.Outside | Should -BeLike '-PointInTime was read as 2026-11-01 00:30:00.000 -04:00 (America/New_York), which is 2026-11-01 04:30:00.000Z. That moment is outside every restore window of *'
        # The moment is named once, not again in the refusal after the echo.
        [regex]::Matches($dst.Outside, '2026-11-01 04:30:00\.000Z').Count | Should -Be 1 -Because $dst.Outside
        [regex]::Matches($dst.Outside, '00:30:00\.000 -04:00').Count | Should -Be 1 -Because $dst.Outside
    }

    It 'the repeated time with its offset is accepted as that instant' {
        $dst.WithOffset | Should -BeLike '-PointInTime was read as 2026-11-01 01:30:00.000 -05:00 (America/New_York), which is 2026-11-01 06:30:00.000Z.*'
    }
}
