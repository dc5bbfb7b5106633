# Durations as a DBA types them: -FullEvery '1d', '12h', '30m' or a TimeSpan; a bare number has no unit and is refused,
# and so is a full backup more often than once a minute.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_dur_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    (Get-Collection $uri $db 'items').InsertOne((New-BsonDocument @{ _id = 1 }), $null, [System.Threading.CancellationToken]::None)

    function Get-NextFullDue([string] $Reason) {
        # The policy's reason names when the next full is due: "... due at 2026-11-24 14:05:00Z; ..."
        if ($Reason -notmatch 'due at (\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ)') { throw "No due time in: $Reason" }
        [datetimeoffset]::ParseExact($Matches[1], 'yyyy-MM-dd HH:mm:ssZ', [cultureinfo]::InvariantCulture, 'AssumeUniversal')
    }
}

AfterAll {
    if ($script:uri) { [MongoDB.Driver.MongoClient]::new($uri).DropDatabase($db, [System.Threading.CancellationToken]::None) }
    Stop-MongoTestServer $server
}

Describe 'Invoke-MongoBackupPolicy -FullEvery' {
    It "-FullEvery <Typed> schedules the next full <Expected> after the last one started" -ForEach @(
        @{ Typed = '1d'; Expected = [timespan]::FromDays(1) }
        @{ Typed = '12h'; Expected = [timespan]::FromHours(12) }
        @{ Typed = '30m'; Expected = [timespan]::FromMinutes(30) }
        @{ Typed = '1h30m'; Expected = [timespan]::FromMinutes(90) }
        @{ Typed = '1.00:00:00'; Expected = [timespan]::FromDays(1) }
        @{ Typed = '06:00:00'; Expected = [timespan]::FromHours(6) }
    ) {
        $repository = New-TestFolder
        $full = Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -FullEvery $Typed
        $next = Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -FullEvery $Typed

        $full.Action | Should -Be 'Full'
        $next.Action | Should -BeIn 'Slice', 'Nothing'
        $due = Get-NextFullDue $next.Reason
        # The reason shows whole seconds; the full started within that second.
        ($due - $full.Snapshot.StartTime) | Should -BeGreaterThan ($Expected - [timespan]::FromSeconds(1))
        ($due - $full.Snapshot.StartTime) | Should -BeLessOrEqual $Expected
    }

    It '-FullEvery 1d typed without quotes (PowerShell reads it as the decimal 1) is one day' {
        $repository = New-TestFolder
        $full = Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -FullEvery 1d
        $next = Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -FullEvery 1d
        $due = Get-NextFullDue $next.Reason
        ($due - $full.Snapshot.StartTime) | Should -BeGreaterThan ([timespan]::FromHours(24) - [timespan]::FromSeconds(1))
    }

    It '-FullEvery 30s typed without quotes (PowerShell reads it as the short 30) is 30 seconds, under the minimum' {
        { Invoke-MongoBackupPolicy -ConnectionString $uri -Repository (New-TestFolder) -FullEvery 30s -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*'FullEvery'*is 30 seconds; the shortest allowed is 1 minute*"
    }

    It '-FullEvery 24 (no unit) is refused, saying how to write it, and nothing is backed up' {
        $repository = New-TestFolder
        { Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -FullEvery 24 -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*'FullEvery'*'24' has no unit: write it as '24h'*"
        @(Get-ChildItem $repository -Force).Count | Should -Be 0
    }

    It "-FullEvery '24' (a string of digits, which TimeSpan would read as 24 days) is refused too" {
        { Invoke-MongoBackupPolicy -ConnectionString $uri -Repository (New-TestFolder) -FullEvery '24' -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*'24' has no unit*"
    }

    It "-FullEvery '<Typed>' (under a minute) is refused, naming the minimum" -ForEach @(
        @{ Typed = '30s' }, @{ Typed = '00:00:01' }, @{ Typed = '0m' }
    ) {
        { Invoke-MongoBackupPolicy -ConnectionString $uri -Repository (New-TestFolder) -FullEvery $Typed -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*'FullEvery'*shortest allowed is 1 minute*"
    }

    It "-FullEvery 'daily' is not a duration, and the message shows the forms that are" {
        { Invoke-MongoBackupPolicy -ConnectionString $uri -Repository (New-TestFolder) -FullEvery 'daily' -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*'daily' is not a duration: write '1d', '12h', '30m'*"
    }

    It "the runbook takes -FullEvery '1d' from the command line" {
        $repository = New-TestFolder
        $runbook = (Resolve-Path (Join-Path $PSScriptRoot '../../examples/Invoke-MongoBackupRunbook.ps1')).Path
        $exe = [Environment]::ProcessPath
        $arguments = @('-NoProfile', '-NonInteractive', '-File', $runbook, '-ConnectionString', $uri, '-Repository', $repository,
            '-FullEvery', '1d', '-KeepWithin', '7d', '-ModulePath', $env:MONGOBACKUP_MODULE)
        if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $arguments = @(Join-Path $PSHOME 'pwsh.dll') + $arguments }
        $output = & $exe @arguments 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 0 -Because $output
        $output | Should -Match 'MongoBackup policy: Full '
    }
}

Describe 'Other durations' {
    It "Invoke-MongoSnapshotRetention -KeepWithin '7d' keeps a snapshot of today and says why" {
        $repository = New-TestFolder
        $snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db
        $decision = Invoke-MongoSnapshotRetention -Repository $repository -KeepWithin '7d' -WhatIf
        $decision.Target | Should -Be $snapshot.Id
        $decision.Action | Should -Be 'Keep'
    }

    It "Invoke-MongoSnapshotRetention -KeepWithin 7 (no unit) is refused" {
        { Invoke-MongoSnapshotRetention -Repository (New-TestFolder) -KeepWithin 7 -WhatIf -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*'KeepWithin'*'7' has no unit*"
    }

    It "Backup-MongoOplog -SliceInterval 5 (no unit) suggests every unit it takes, seconds and weeks too" {
        # newuser finding: the suggestion named '5h', '5m' and '5d' only, though the help lists '30s'.
        { Backup-MongoOplog -ConnectionString $uri -Repository (New-TestFolder) -Continuous -SliceInterval 5 -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*'SliceInterval'*'5' has no unit: write it as '5h', '5m', '5s', '5d' or '5w'*"
    }

    It "a parameter with a minimum suggests only the forms it takes: -KeepWithin 7 (at least a minute) is not told '7s'" {
        $failure = $null
        try { Invoke-MongoSnapshotRetention -Repository (New-TestFolder) -KeepWithin 7 -WhatIf -ErrorAction Stop } catch { $failure = $_ }
        $failure.Exception.Message | Should -BeLike "*'7' has no unit: write it as '7h', '7m', '7d' or '7w'*"
        $failure.Exception.Message | Should -Not -BeLike "*'7s'*"
    }

    It "Backup-MongoOplog -SliceInterval 'often' is not a duration, and the forms shown include seconds" {
        { Backup-MongoOplog -ConnectionString $uri -Repository (New-TestFolder) -Continuous -SliceInterval 'often' -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*'often' is not a duration: write '1d', '12h', '30m', '45s', '1h30m', '2w'*"
    }

    It "Backup-MongoOplog -Continuous takes -Duration '2s' and -SliceInterval '1s'" {
        $repository = New-TestFolder
        Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db | Out-Null
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        Backup-MongoOplog -ConnectionString $uri -Repository $repository -Continuous -Duration '2s' -SliceInterval '1s' | Out-Null
        $watch.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 1.9
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 15
    }
}

Describe 'Backup-MongoOplog -Continuous -ReconnectTimeout' {
    BeforeAll {
        function Invoke-CaptureLosingItsServer($Server, [string] $Repository, [string] $ReconnectTimeout) {
            # The server is stopped the moment the first slice is committed (the cmdlet emits it then): no sleep, no race.
            # The clock starts before the stop, so the capture cannot have counted any of its wait before it.
            # A short server selection timeout stands for the default 30 s: each failed attempt comes the same way, sooner.
            $quick = $Server.Uri + $(if ($Server.Uri -match '\?') { '&' } else { '?' }) + 'serverSelectionTimeoutMS=1000'
            $watch = [System.Diagnostics.Stopwatch]::new()
            $caught = $null
            try {
                Backup-MongoOplog -ConnectionString $quick -Repository $Repository -Continuous -SliceInterval '1s' -ReconnectTimeout $ReconnectTimeout -ErrorAction Stop -WarningAction SilentlyContinue |
                    ForEach-Object { if (-not $watch.IsRunning) { $watch.Start(); Stop-MongoTestServer $Server } }
            }
            catch { $caught = $_ }
            [pscustomobject]@{ Error = $caught; Waited = $watch.Elapsed; Slices = @(Get-MongoSnapshot -Repository $Repository -Kind Oplog).Count }
        }

        function Assert-GaveUp($Run, [int] $Seconds, [string] $Message) {
            # ServerUnreachable once the timeout has passed, well before the default 10 minutes, the slices before kept.
            $Run.Error.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.ServerUnreachable,*'
            $Run.Error.Exception.Message | Should -BeLike $Message
            $Run.Waited.TotalSeconds | Should -BeGreaterOrEqual $Seconds
            $Run.Waited.TotalSeconds | Should -BeLessThan 60
            $Run.Slices | Should -BeGreaterOrEqual 1
        }
    }

    It 'a capture whose server goes away stops with ServerUnreachable after -ReconnectTimeout, not the default 10 minutes, keeping its slices' {
        $lost = Start-MongoTestServer
        try {
            $repository = New-TestFolder
            $items = Get-Collection $lost.Uri $db 'items'
            $items.InsertOne((New-BsonDocument @{ _id = 1 }), $null, [System.Threading.CancellationToken]::None)
            Backup-MongoDatabase -ConnectionString $lost.Uri -Repository $repository -Database $db | Out-Null
            $items.InsertOne((New-BsonDocument @{ _id = 2 }), $null, [System.Threading.CancellationToken]::None)
            Assert-GaveUp (Invoke-CaptureLosingItsServer $lost $repository '3s') 3 '*(more than the 00:00:03 a continuous capture waits)*'
        }
        finally { Stop-MongoTestServer $lost }
    }

    It 'a cluster capture (given a mongos) whose cluster goes away stops the same way, after -ReconnectTimeout, keeping its slices' {
        $cluster = Start-MongoTestServer -Sharded -Shards 2
        try {
            $repository = New-TestFolder
            Initialize-ShardedOrders $cluster.Uri
            Invoke-Admin $cluster.Uri @{ balancerStop = 1 } | Out-Null
            Backup-MongoDatabase -ConnectionString $cluster.Uri -Repository $repository | Out-Null
            (Get-Collection $cluster.Uri 'shop' 'orders').InsertOne((New-BsonDocument @{ _id = 1001 }), $null, [System.Threading.CancellationToken]::None)
            Assert-GaveUp (Invoke-CaptureLosingItsServer $cluster $repository '2s') 2 '*or a shard could not be reached*(more than the 00:00:02 a continuous capture waits)*slice(s) committed before are kept*'
        }
        finally { Stop-MongoTestServer $cluster }
    }

    It '-ReconnectTimeout <Given> is refused naming the parameter' -ForEach @(@{ Given = '0s' }, @{ Given = '-00:00:05' }) {
        { Backup-MongoOplog -ConnectionString $uri -Repository (New-TestFolder) -Continuous -ReconnectTimeout $Given -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*-ReconnectTimeout must be longer than zero*'
    }

    It '-ReconnectTimeout belongs to -Continuous: without it PowerShell asks for -Continuous' {
        { Backup-MongoOplog -ConnectionString $uri -Repository (New-TestFolder) -ReconnectTimeout '1m' -ErrorAction Stop } |
            Should -Throw -ErrorId 'MissingMandatoryParameter*' -ExpectedMessage '*Continuous*'
    }
}
