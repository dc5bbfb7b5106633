# Invoke-MongoBackupPolicy as a scheduler runs it, and the shipped runbook (examples/Invoke-MongoBackupRunbook.ps1)
# run as a scheduler starts it: a fresh pwsh -NonInteractive -File process with no host UI.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_pol_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $items = Get-Collection $uri $db 'items'
    $items.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..200) { New-BsonDocument ([ordered]@{ _id = $i; name = "item $i" }) }))
    $script:runbook = (Resolve-Path (Join-Path $PSScriptRoot '../../examples/Invoke-MongoBackupRunbook.ps1')).Path

    function Write-LeaseFile {
        # What a run leaves behind in a folder repository's lease file (a crashed run's, when Expires is past).
        param([string] $Repository, [string] $Holder, [datetimeoffset] $Expires)
        $lease = [ordered]@{ holder = $Holder; token = [guid]::NewGuid().ToString('N'); expires = $Expires.ToString('o') }
        Set-Content -Path (Join-Path $Repository '.mongobackup-lease') -Value ($lease | ConvertTo-Json)
    }

    function Assert-LeaseReleased {
        # A released lease is an expired record (as on Azure and S3: removing it could remove a successor's), free for the next run.
        param([string] $Repository, [string] $NotHolder)
        $lease = Get-Content -Raw (Join-Path $Repository '.mongobackup-lease') | ConvertFrom-Json
        [datetimeoffset] $lease.expires | Should -BeLessOrEqual ([datetimeoffset]::UtcNow)
        if ($NotHolder) { $lease.holder | Should -Not -Be $NotHolder }
    }

    function Invoke-Pwsh {
        # A fresh pwsh as a scheduler starts one; under 'dotnet pwsh' the process is dotnet, so run pwsh.dll through it.
        param([string[]] $Arguments)
        $exe = [Environment]::ProcessPath
        if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $Arguments = @(Join-Path $PSHOME 'pwsh.dll') + $Arguments }
        $output = & $exe @Arguments 2>&1
        return [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output | Out-String) }
    }
}

AfterAll {
    if ($script:uri) { [MongoDB.Driver.MongoClient]::new($uri).DropDatabase($db, [System.Threading.CancellationToken]::None) }
    Stop-MongoTestServer $script:server
}

Describe 'Invoke-MongoBackupPolicy' {
    It 'takes a full first, and a second run at once does nothing and writes nothing' {
        $repository = New-TestFolder
        $first = Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -FullEvery '1.00:00:00'
        $second = Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -FullEvery '1.00:00:00'

        $first.PSObject.TypeNames | Should -Contain 'MongoBackup.MongoPolicyResult'
        $first.Action | Should -Be 'Full'
        $first.Snapshot.Kind | Should -Be 'Full'
        $second.Action | Should -Be 'Nothing'
        $second.Snapshot | Should -BeNullOrEmpty
        # No slice exists yet: the reason names the full snapshot, not "the last slice".
        $second.Reason | Should -BeLike "*the oplog holds nothing newer than full snapshot $($first.Snapshot.Id) (no slice yet)"
        @(Get-MongoSnapshot -Repository $repository).Count | Should -Be 1
        Assert-LeaseReleased $repository
    }

    It 'takes an oplog slice once the full is not due and there are new writes' {
        $repository = New-TestFolder
        Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -FullEvery '1.00:00:00' | Out-Null
        (Get-Collection $uri $db 'items').InsertOne((New-BsonDocument @{ _id = 1000; name = 'after the full' }))

        $slice = Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -FullEvery '1.00:00:00'

        $slice.Action | Should -Be 'Slice'
        $slice.Snapshot.Kind | Should -Be 'Oplog'
    }

    It 'applies retention after the backup and reports what it removed' {
        # Two fulls, the second taken directly (a FullEvery under a minute is refused); their start times differ by milliseconds.
        $repository = New-TestFolder
        $old = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db
        $kept = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db
        # The policy backs up what the fulls took, so a recent one of them makes no full due.
        $run = Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -FullEvery '1d' -Database $db -KeepLast 1

        $run.Action | Should -BeIn 'Slice', 'Nothing'
        $run.Removed | Should -Be @($old.Id)
        (Get-MongoSnapshot -Repository $repository -Kind Full).Id | Should -Be $kept.Id
    }

    It 'passes -RestoreWindow to retention: a full snapshot inside the window stays beside -KeepLast 1' {
        $repository = New-TestFolder
        $older = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db
        $newer = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db

        $run = Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -FullEvery '1d' -Database $db -KeepLast 1 -RestoreWindow '1h'

        $run.Removed | Should -BeNullOrEmpty
        (Get-MongoSnapshot -Repository $repository -Kind Full).Id | Should -Contain $older.Id
        $preview = Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -FullEvery '1d' -Database $db -KeepLast 1 -WhatIf
        ($preview | Where-Object Action -eq Remove).Target | Should -Contain $older.Id   # without the window, KeepLast 1 alone removes it
        $newer.Id | Should -Not -BeNullOrEmpty
    }

    It 'of two concurrent runs on one repository, exactly one does the work and the other reports Skipped' {
        $repository = New-TestFolder
        $results = Invoke-ConcurrentPolicyRun $uri $repository

        $results.Count | Should -Be 2
        @($results | Where-Object Action -EQ 'Full').Count | Should -Be 1
        $skipped = @($results | Where-Object Action -EQ 'Skipped')
        $skipped.Count | Should -Be 1
        $skipped[0].Reason | Should -Match 'another run holds the repository lease \(.+, until .+\)'
        $skipped[0].LeaseHeldBy | Should -Not -BeNullOrEmpty
        @(Get-MongoSnapshot -Repository $repository).Count | Should -Be 1
    }

    It 'stands aside for a live lease, naming the holder, without an error' {
        $repository = New-TestFolder
        Write-LeaseFile $repository 'nightly on host-b' ([datetimeoffset]::UtcNow.AddMinutes(5))

        $result = Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -FullEvery '1.00:00:00' -ErrorVariable errors

        $errors | Should -BeNullOrEmpty
        $result.Action | Should -Be 'Skipped'
        $result.LeaseHeldBy | Should -Be 'nightly on host-b'
        $result.Reason | Should -Match 'another run holds the repository lease \(nightly on host-b, until'
        @(Get-MongoSnapshot -Repository $repository).Count | Should -Be 0
    }

    It 'takes over the expired lease a crashed run left behind' {
        $repository = New-TestFolder
        Write-LeaseFile $repository 'crashed run' ([datetimeoffset]::UtcNow.AddMinutes(-1))

        $result = Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -FullEvery '1.00:00:00'

        $result.Action | Should -Be 'Full'
        Assert-LeaseReleased $repository -NotHolder 'crashed run'
    }

    It '-WhatIf says what a run would do and writes nothing' {
        $repository = New-TestFolder
        (Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -FullEvery '1.00:00:00' -WhatIf).Action | Should -Be 'Full'
        @(Get-ChildItem $repository -Force).Count | Should -Be 0
    }

    It 'refuses a FullEvery of zero, naming the parameter' {
        { Invoke-MongoBackupPolicy -ConnectionString $uri -Repository (New-TestFolder) -FullEvery '0:00:00' } |
            Should -Throw -ExpectedMessage "*'FullEvery'*shortest allowed is 1 minute*"
    }
}

Describe '-WhatIf of retention and of the policy: each step said once, as a planned action' {
    It 'writes a planned action per snapshot and no What if line repeating it, as Invoke-MongoBackupPolicy -WhatIf does' {
        $repository = New-TestFolder
        $older = Backup-MongoDatabase -ConnectionString $uri -Repository $repository
        $newer = Backup-MongoDatabase -ConnectionString $uri -Repository $repository
        # The host's What if lines, as a console shows them: a child pwsh whose host writes them to its standard output.
        $script = @"
Import-Module '$($env:MONGOBACKUP_MODULE)'
`$retention = @(Invoke-MongoSnapshotRetention -Repository '$repository' -KeepLast 1 -WhatIf)
'RETENTION-OBJECTS ' + ((`$retention | ForEach-Object { `$_.Action + '=' + `$_.Target }) -join ',')
'---'
`$policy = @(Invoke-MongoBackupPolicy -ConnectionString '$uri' -Repository '$repository' -FullEvery 1d -KeepLast 1 -WhatIf)
'POLICY-OBJECTS ' + ((`$policy | ForEach-Object { `$_.Action + '=' + `$_.Target }) -join ',')
"@
        $run = Invoke-Pwsh @('-NoProfile', '-NonInteractive', '-Command', $script)
        $retentionPart, $policyPart = $run.Output -split '(?m)^---\r?$'
        $retentionLines = @($retentionPart -split '\r?\n' | Where-Object { $_ -match '^What if:' })
        $policyLines = @($policyPart -split '\r?\n' | Where-Object { $_ -match '^What if:' })

        $retentionPart | Should -Match "RETENTION-OBJECTS (Keep=$($newer.Id),Remove=$($older.Id)|Remove=$($older.Id),Keep=$($newer.Id))"
        $retentionLines.Count | Should -Be 0 -Because $run.Output
        $policyPart | Should -Match "POLICY-OBJECTS (Nothing|Slice)=[^,]+,Remove=$($older.Id)"
        $policyLines.Count | Should -Be 0 -Because $run.Output
        @(Get-MongoSnapshot -Repository $repository).Count | Should -Be 2
    }
}

Describe 'The scheduling runbook (examples/Invoke-MongoBackupRunbook.ps1)' {
    It 'runs end to end in a fresh non-interactive pwsh: a full, then nothing, each exiting 0' {
        $repository = New-TestFolder
        $arguments = @('-NoProfile', '-NonInteractive', '-File', $runbook, '-ConnectionString', $uri, '-Repository', $repository,
            '-FullEvery', '1.00:00:00', '-KeepDaily', '7', '-ModulePath', $env:MONGOBACKUP_MODULE)

        $first = Invoke-Pwsh $arguments
        $second = Invoke-Pwsh $arguments

        $first.ExitCode | Should -Be 0 -Because $first.Output
        $first.Output | Should -Match 'MongoBackup policy: Full '
        $second.ExitCode | Should -Be 0 -Because $second.Output
        $second.Output | Should -Match 'MongoBackup policy: Nothing;'
        $snapshots = @(Get-MongoSnapshot -Repository $repository)
        $snapshots.Count | Should -Be 1
        $snapshots[0].Compression | Should -Be 'Zstd'
    }

    It 'takes its settings from environment variables, as cron and systemd units pass them' {
        $repository = New-TestFolder
        $env:MONGOBACKUP_URI = $uri; $env:MONGOBACKUP_REPOSITORY = $repository; $env:MONGOBACKUP_FULL_EVERY = '12:00:00'
        $env:MONGOBACKUP_COMPRESSION = 'Gzip'
        try {
            $run = Invoke-Pwsh @('-NoProfile', '-NonInteractive', '-File', $runbook)
        }
        finally { Remove-Item Env:MONGOBACKUP_URI, Env:MONGOBACKUP_REPOSITORY, Env:MONGOBACKUP_FULL_EVERY, Env:MONGOBACKUP_COMPRESSION }

        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'MongoBackup policy: Full '
        (Get-MongoSnapshot -Repository $repository -Latest).Compression | Should -Be 'Gzip'
    }

    It 'takes its keep rules from the environment, as the systemd and cron recipes set them, and removes what they do not keep' {
        $repository = New-TestFolder
        $older = Backup-MongoDatabase -ConnectionString $uri -Repository $repository
        Backup-MongoDatabase -ConnectionString $uri -Repository $repository | Out-Null
        $run = Invoke-Runbook @{ MONGOBACKUP_URI = $uri; MONGOBACKUP_REPOSITORY = $repository; MONGOBACKUP_KEEP_LAST = '1' }

        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'MongoBackup policy: \w+.*; removed 1;'
        $run.Output | Should -Not -Match 'No keep rule'
        (Get-MongoSnapshot -Repository $repository).Id | Should -Not -Contain $older.Id
    }

    It 'warns on every run that has no keep rule, and not when MONGOBACKUP_KEEP_ALL says keeping everything is meant' {
        $repository = New-TestFolder
        $environment = @{ MONGOBACKUP_URI = $uri; MONGOBACKUP_REPOSITORY = $repository }
        $first = Invoke-Runbook $environment
        $second = Invoke-Runbook $environment
        $kept = Invoke-Runbook ($environment + @{ MONGOBACKUP_KEEP_ALL = 'true' })

        foreach ($run in $first, $second) {
            $run.ExitCode | Should -Be 0 -Because $run.Output
            $run.Output | Should -Match 'WARNING: No keep rule is set, so no snapshot is ever removed and the repository grows without limit'
        }
        $kept.ExitCode | Should -Be 0 -Because $kept.Output
        $kept.Output | Should -Not -Match 'No keep rule'
        @(Get-MongoSnapshot -Repository $repository).Count | Should -BeGreaterOrEqual 1
    }

    It 'writes no ANSI colour codes into a log (its output redirected, as cron and systemd have it): not in a result, a warning or an error' {
        $environment = @{ MONGOBACKUP_REPOSITORY = (New-TestFolder); TERM = 'xterm-256color'; NO_COLOR = $null }
        $ok = Invoke-Runbook ($environment + @{ MONGOBACKUP_URI = $uri })
        $failed = Invoke-Runbook ($environment + @{ MONGOBACKUP_URI = 'mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500' })

        foreach ($run in $ok, $failed) { $run.Output | Should -Not -Match "`e\[" -Because $run.Output }
        $ok.ExitCode | Should -Be 0 -Because $ok.Output
        $ok.Output | Should -Match 'WARNING: No keep rule'
        $failed.ExitCode | Should -Be 1
        $failed.Output | Should -Match '127\.0\.0\.1:1'
    }

    It 'writes its result into a log as one row per run, the reason whole on it, not wrapped at 80 columns into pieces' {
        $repository = New-TestFolder
        $run = Invoke-Runbook @{ MONGOBACKUP_URI = $uri; MONGOBACKUP_REPOSITORY = $repository; MONGOBACKUP_KEEP_LAST = '2' }

        $run.ExitCode | Should -Be 0 -Because $run.Output
        $id = (Get-MongoSnapshot -Repository $repository -Latest).Id
        $reason = [regex]::Match($run.Output, "MongoBackup policy: Full $id; removed 0; (.+)").Groups[1].Value.TrimEnd()
        $reason.Length | Should -BeGreaterThan 60 -Because 'a reason that fits in 80 columns would not show the wrapping'
        $rows = @($run.Output -split '\r?\n' | Where-Object { $_ -match "^Full\s+$id\s" })
        $rows.Count | Should -Be 1 -Because $run.Output
        $rows[0] | Should -Match "^Full\s+$id\s+0\s+[\d.]+ \w+\s+$([regex]::Escape($reason))$"
    }

    It 'exits 1 with the error when the run fails, so the scheduler sees the failure' {
        $run = Invoke-Pwsh @('-NoProfile', '-NonInteractive', '-File', $runbook, '-ConnectionString', 'mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500',
            '-Repository', (New-TestFolder), '-ModulePath', $env:MONGOBACKUP_MODULE)
        $run.ExitCode | Should -Be 1
        $run.Output | Should -Match 'MongoBackup\.ServerUnreachable|127\.0\.0\.1:1'
    }

    It 'says in its own help where it goes for each scheduler, the places about_MongoBackup_Scheduling copies it to' {
        $help = ((Get-Help $runbook -Full).description | ForEach-Object Text) -join "`n"
        $scheduling = Get-Content (Join-Path $PSScriptRoot '../../docs/about_MongoBackup_Scheduling.md') -Raw
        foreach ($place in 'C:\ProgramData\MongoBackup\Invoke-MongoBackupRunbook.ps1', '/opt/mongobackup/Invoke-MongoBackupRunbook.ps1', 'Import a runbook') {
            $help | Should -BeLike "*$place*"
            $scheduling | Should -BeLike "*$place*"
        }
        $help | Should -BeLike "*examples/Invoke-MongoBackupRunbook.ps1*"
    }

    It 'outside Azure Automation, a credential asset name is refused with a clear message' {
        $run = Invoke-Pwsh @('-NoProfile', '-NonInteractive', '-File', $runbook, '-ConnectionString', $uri, '-Repository', (New-TestFolder),
            '-AutomationCredentialName', 'MongoBackup', '-ModulePath', $env:MONGOBACKUP_MODULE)
        $run.ExitCode | Should -Be 1
        $run.Output | Should -Match 'Get-AutomationPSCredential exists only inside Azure Automation'
    }
}

Describe 'The scheduling runbook on a sharded cluster' {
    BeforeAll {
        $script:cluster = Start-MongoTestServer -Sharded -Shards 2
        Initialize-ShardedOrders $cluster.Uri
        $script:mongos = [MongoDB.Driver.MongoClient]::new($cluster.Uri)
        function Get-BalancerMode {
            $status = New-BsonDocument @{ balancerStatus = 1 }
            $mongos.GetDatabase('admin').RunCommand[MongoDB.Bson.BsonDocument]($status, $null, [System.Threading.CancellationToken]::None)['mode'].AsString
        }
    }

    AfterAll {
        if ($script:mongos) { $mongos.Dispose() }
        Stop-MongoTestServer $script:cluster
    }

    It 'without -StopBalancer, a due full backup is refused while the balancer runs, and the run exits 1' {
        Get-BalancerMode | Should -Be 'full'
        $run = Invoke-Pwsh @('-NoProfile', '-NonInteractive', '-File', $runbook, '-ConnectionString', $cluster.Uri, '-Repository', (New-TestFolder),
            '-FullEvery', '1d', '-ModulePath', $env:MONGOBACKUP_MODULE)
        $run.ExitCode | Should -Be 1
        $run.Output | Should -Match "The cluster's balancer is running \(mode 'full'\)"
    }

    It 'passes -StopBalancer through: the full cluster backup is taken and the balancer runs again afterwards' {
        $repository = New-TestFolder
        $run = Invoke-Pwsh @('-NoProfile', '-NonInteractive', '-File', $runbook, '-ConnectionString', $cluster.Uri, '-Repository', $repository,
            '-FullEvery', '1d', '-StopBalancer', '-ModulePath', $env:MONGOBACKUP_MODULE)
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'MongoBackup policy: Full '
        (Get-MongoSnapshot -Repository $repository -Latest).Kind | Should -Be 'Full'
        Get-BalancerMode | Should -Be 'full'
    }

    It 'takes MONGOBACKUP_STOP_BALANCER=true from the environment, as a systemd EnvironmentFile sets it' {
        $repository = New-TestFolder
        $env:MONGOBACKUP_STOP_BALANCER = 'true'
        try {
            $run = Invoke-Pwsh @('-NoProfile', '-NonInteractive', '-File', $runbook, '-ConnectionString', $cluster.Uri, '-Repository', $repository,
                '-FullEvery', '1d', '-ModulePath', $env:MONGOBACKUP_MODULE)
        }
        finally { Remove-Item Env:MONGOBACKUP_STOP_BALANCER }
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'MongoBackup policy: Full '
        Get-BalancerMode | Should -Be 'full'
    }

    It 'refuses a MONGOBACKUP_STOP_BALANCER it cannot read, naming it, rather than leaving the balancer running' {
        $env:MONGOBACKUP_STOP_BALANCER = 'ture'
        try {
            $run = Invoke-Pwsh @('-NoProfile', '-NonInteractive', '-File', $runbook, '-ConnectionString', $cluster.Uri, '-Repository', (New-TestFolder),
                '-FullEvery', '1d', '-ModulePath', $env:MONGOBACKUP_MODULE)
        }
        finally { Remove-Item Env:MONGOBACKUP_STOP_BALANCER }
        $run.ExitCode | Should -Be 1
        $run.Output | Should -Match "MONGOBACKUP_STOP_BALANCER is 'ture': set it to true or false"
    }
}
