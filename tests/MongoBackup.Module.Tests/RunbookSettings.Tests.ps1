# The scheduling runbook's settings as a DBA writes them in a systemd EnvironmentFile or a cron env file: what to back
# up (MONGOBACKUP_DATABASE, _EXCLUDE_COLLECTION, ...), from which member (MONGOBACKUP_READ_PREFERENCE), with which
# labels (MONGOBACKUP_TAG), reaching a cluster's shards by which names (MONGOBACKUP_SHARD_HOST_MAP); a value it cannot
# read refused, named, before anything is written; and every failure logged with its error id, one line to grep for.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $p = 'pester_rbset_' + [guid]::NewGuid().ToString('N').Substring(0, 6)
    $script:sales = "$($p)_sales"; $script:crm = "$($p)_crm"; $script:hr = "$($p)_hr"
    foreach ($database in $sales, $crm, $hr) {
        (Get-Collection $uri $database 'orders').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..20) { New-BsonDocument ([ordered]@{ _id = $i }) }))
    }
    (Get-Collection $uri $sales 'audit').InsertOne((New-BsonDocument ([ordered]@{ _id = 1 })))
}

AfterAll {
    if ($script:uri) {
        $client = [MongoDB.Driver.MongoClient]::new($uri)
        foreach ($database in $sales, $crm, $hr) { $client.DropDatabase($database, [System.Threading.CancellationToken]::None) }
    }
    Stop-MongoTestServer $script:server
}

Describe 'The scheduling runbook passes what to back up, how to read it and its labels through from the environment' {
    It 'backs up only MONGOBACKUP_DATABASE without MONGOBACKUP_EXCLUDE_COLLECTION, read with MONGOBACKUP_READ_PREFERENCE, every snapshot and slice tagged' {
        $repository = New-TestFolder
        $environment = @{
            MONGOBACKUP_URI = $uri; MONGOBACKUP_REPOSITORY = $repository; MONGOBACKUP_KEEP_LAST = '5'
            MONGOBACKUP_DATABASE = "$sales, $crm"; MONGOBACKUP_EXCLUDE_COLLECTION = 'audit'
            MONGOBACKUP_READ_PREFERENCE = 'secondaryPreferred'; MONGOBACKUP_TAG = 'env=prod, team = dba'
        }
        $full = Invoke-Runbook $environment
        (Get-Collection $uri $sales 'orders').InsertOne((New-BsonDocument ([ordered]@{ _id = 100 })))
        $slice = Invoke-Runbook $environment

        $full.ExitCode | Should -Be 0 -Because $full.Output
        $full.Output | Should -Match 'MongoBackup policy: Full \S+; removed 0;'
        $slice.ExitCode | Should -Be 0 -Because $slice.Output
        $slice.Output | Should -Match 'MongoBackup policy: Slice \S+; removed 0;'
        $snapshot = Get-MongoSnapshot -Repository $repository | Where-Object Kind -eq 'Full'
        $snapshot.Scope | Should -Be "databases $(@($crm, $sales) -join ', '); excluding collections audit"
        @($snapshot.Databases | Sort-Object) | Should -Be @(@($crm, $sales) | Sort-Object)
        $snapshot.Collections | Should -Be 2
        foreach ($taken in Get-MongoSnapshot -Repository $repository) {
            $taken.Tags['env'] | Should -Be 'prod' -Because "$($taken.Kind) $($taken.Id)"
            $taken.Tags['team'] | Should -Be 'dba' -Because "$($taken.Kind) $($taken.Id)"
            @($taken.Tags.Keys).Count | Should -Be 2
        }
    }

    It 'reads with MONGOBACKUP_READ_PREFERENCE: secondary on a set without one fails, and the log line names the error id' {
        $repository = Join-Path (New-TestFolder) 'repo'
        $run = Invoke-Runbook @{ MONGOBACKUP_URI = $uri; MONGOBACKUP_REPOSITORY = $repository; MONGOBACKUP_KEEP_LAST = '5'; MONGOBACKUP_READ_PREFERENCE = 'secondary' }

        $run.ExitCode | Should -Be 1
        $failures = @($run.Output -split "`n" | Select-String 'MongoBackup policy: Failed \((MongoBackup\.\w+)\): (.*)')
        $failures.Count | Should -Be 1 -Because $run.Output
        $failures[0].Matches[0].Groups[1].Value | Should -Be 'MongoBackup.ServerUnreachable'
        $failures[0].Matches[0].Groups[2].Value | Should -BeLike "-ReadPreference secondary cannot be served: replica set 'rs0' has one member*"
        @(Get-MongoSnapshot -Repository $repository -ErrorAction SilentlyContinue -WarningAction SilentlyContinue).Count | Should -Be 0
    }

    It 'logs a failure of the module with its error id, one line: an unreachable server' {
        $run = Invoke-Runbook @{ MONGOBACKUP_URI = 'mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500'; MONGOBACKUP_REPOSITORY = (New-TestFolder); MONGOBACKUP_KEEP_ALL = 'true' }
        $run.ExitCode | Should -Be 1
        @($run.Output -split "`n" | Where-Object { $_ -match 'MongoBackup policy: Failed' }) |
            Should -Be @('Invoke-MongoBackupRunbook.ps1: MongoBackup policy: Failed (MongoBackup.ServerUnreachable): Nothing is listening at 127.0.0.1:1 (connection refused). Check that mongod is running there and the port: mongod listens on 27017 unless configured otherwise.')
    }
}

Describe 'The scheduling runbook keeps a point-in-time restore window: MONGOBACKUP_RESTORE_WINDOW' {
    It 'passes it to retention as a keep rule: a full snapshot inside the window stays beside MONGOBACKUP_KEEP_LAST=1, and no warning' {
        $repository = New-TestFolder
        $older = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $sales
        Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $sales | Out-Null

        $run = Invoke-Runbook @{ MONGOBACKUP_URI = $uri; MONGOBACKUP_REPOSITORY = $repository; MONGOBACKUP_DATABASE = $sales
            MONGOBACKUP_KEEP_LAST = '1'; MONGOBACKUP_RESTORE_WINDOW = '1h' }

        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'MongoBackup policy: \w+( \S+)?; removed 0;'
        $run.Output | Should -Not -Match 'No keep rule is set'
        (Get-MongoSnapshot -Repository $repository -Kind Full).Id | Should -Contain $older.Id
    }

    It 'counts it as a keep rule, so MONGOBACKUP_KEEP_ALL=true beside it is refused' {
        $repository = Join-Path (New-TestFolder) 'repo'
        $run = Invoke-Runbook @{ MONGOBACKUP_URI = $uri; MONGOBACKUP_REPOSITORY = $repository; MONGOBACKUP_RESTORE_WINDOW = '3d'; MONGOBACKUP_KEEP_ALL = 'true' }
        $run.ExitCode | Should -Be 1
        $run.Output | Should -Match 'MONGOBACKUP_KEEP_ALL\) keeps every snapshot: give it or keep rules, not both'
        $repository | Should -Not -Exist
    }
}

Describe 'The scheduling runbook takes the repository lease for the module''s documented 2 minutes' {
    # about_MongoBackup_Scheduling and Invoke-MongoBackupPolicy's help: a run holds the lease for -LeaseDuration (default
    # 2 minutes) past its last renewal, so a killed run keeps the next ones out for 2 minutes. The runbook, the scheduled
    # form of the policy, still passes its own default of '10m' on every run: a runbook killed by its scheduler (Azure
    # Automation's fair share, a systemd TimeoutStopSec) keeps every following run out for ten minutes.
    It 'a runbook run started without -LeaseDuration holds the lease for 2 minutes, not 10' {
        $repository = New-TestFolder
        $started = [DateTimeOffset]::UtcNow
        $run = Invoke-Runbook @{ MONGOBACKUP_URI = $uri; MONGOBACKUP_REPOSITORY = $repository; MONGOBACKUP_KEEP_LAST = '5' } -Arguments @('-Verbose')

        $run.ExitCode | Should -Be 0 -Because $run.Output
        $took = [regex]::Match($run.Output, 'Took the repository lease of .* until (\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ)')
        $took.Success | Should -BeTrue -Because $run.Output
        $until = [DateTimeOffset]::ParseExact($took.Groups[1].Value, 'yyyy-MM-dd HH:mm:ssZ', [cultureinfo]::InvariantCulture, [Globalization.DateTimeStyles]::AssumeUniversal)
        ($until - $started).TotalMinutes | Should -BeLessOrEqual 3 -Because 'the lease lasts the documented 2 minutes (a killed run keeps the next ones out that long)'
    }
}

Describe 'The scheduling runbook refuses a setting it cannot read, naming the variable, before anything is written' {
    It 'refuses <Variable>=<Value>' -ForEach @(
        @{ Variable = 'MONGOBACKUP_KEEP_LAST'; Value = 'seven'; Says = "MONGOBACKUP_KEEP_LAST is 'seven': set it to a whole number above 0*" }
        @{ Variable = 'MONGOBACKUP_KEEP_DAILY'; Value = '0'; Says = "MONGOBACKUP_KEEP_DAILY is '0': set it to a whole number above 0*" }
        @{ Variable = 'MONGOBACKUP_KEEP_WEEKLY'; Value = '4.5'; Says = "MONGOBACKUP_KEEP_WEEKLY is '4.5': set it to a whole number above 0*" }
        @{ Variable = 'MONGOBACKUP_KEEP_ALL'; Value = 'maybe'; Says = "MONGOBACKUP_KEEP_ALL is 'maybe': set it to true or false." }
        @{ Variable = 'MONGOBACKUP_S3_FORCE_PATH_STYLE'; Value = 'ture'; Says = "MONGOBACKUP_S3_FORCE_PATH_STYLE is 'ture': set it to true or false." }
        @{ Variable = 'MONGOBACKUP_COMPRESSION'; Value = 'lz4'; Says = "MONGOBACKUP_COMPRESSION is 'lz4': set it to Zstd, Gzip or None." }
        @{ Variable = 'MONGOBACKUP_FULL_EVERY'; Value = '7'; Says = "MONGOBACKUP_FULL_EVERY is '7': '7' has no unit*" }
        @{ Variable = 'MONGOBACKUP_KEEP_WITHIN'; Value = '2weeks'; Says = "MONGOBACKUP_KEEP_WITHIN is '2weeks': '2weeks' is not a duration*" }
        @{ Variable = 'MONGOBACKUP_RESTORE_WINDOW'; Value = '3'; Says = "MONGOBACKUP_RESTORE_WINDOW is '3': '3' has no unit*" }
        @{ Variable = 'MONGOBACKUP_RESTORE_WINDOW'; Value = '3 days'; Says = "MONGOBACKUP_RESTORE_WINDOW is '3 days': '3 days' is not a duration*" }
        @{ Variable = 'MONGOBACKUP_READ_PREFERENCE'; Value = 'fastest'; Says = "MONGOBACKUP_READ_PREFERENCE is 'fastest': set it to primary, primaryPreferred, secondary, secondaryPreferred or nearest." }
        @{ Variable = 'MONGOBACKUP_DATABASE'; Value = 'sales,,crm'; Says = "MONGOBACKUP_DATABASE is 'sales,,crm', which has an empty entry*" }
        @{ Variable = 'MONGOBACKUP_EXCLUDE_COLLECTION'; Value = 'audit,'; Says = "MONGOBACKUP_EXCLUDE_COLLECTION is 'audit,', which has an empty entry*" }
        @{ Variable = 'MONGOBACKUP_TAG'; Value = 'env=prod,team'; Says = "MONGOBACKUP_TAG has the entry 'team': write name=value pairs*" }
        @{ Variable = 'MONGOBACKUP_TAG'; Value = 'env=prod,env=test'; Says = "MONGOBACKUP_TAG names 'env' twice." }
        @{ Variable = 'MONGOBACKUP_SHARD_HOST_MAP'; Value = 'shard0-a:27018'; Says = "MONGOBACKUP_SHARD_HOST_MAP has the entry 'shard0-a:27018': write listed=reached pairs of host:port*" }
        @{ Variable = 'MONGOBACKUP_SHARD_HOST_MAP'; Value = 'shard0-a:27018=10.0.1.5'; Says = "MONGOBACKUP_SHARD_HOST_MAP has the entry 'shard0-a:27018=10.0.1.5'*" }
    ) {
        $repository = Join-Path (New-TestFolder) 'repo'
        $run = Invoke-Runbook @{ MONGOBACKUP_URI = $uri; MONGOBACKUP_REPOSITORY = $repository; $Variable = $Value }

        $run.ExitCode | Should -Be 1
        $line = @($run.Output -split "`n" | Where-Object { $_ -match 'MongoBackup policy: Failed' })
        $line.Count | Should -Be 1 -Because $run.Output
        $line[0] | Should -BeLike "*MongoBackup policy: Failed (MongoBackup.InvalidArgument): $Says"
        $repository | Should -Not -Exist
    }

    It 'refuses a parameter given on the command line the same way, naming the parameter' {
        $run = Invoke-Runbook @{ MONGOBACKUP_URI = $uri; MONGOBACKUP_REPOSITORY = (New-TestFolder) } -Arguments @('-KeepLast', '0')
        $run.ExitCode | Should -Be 1
        $run.Output | Should -Match "MongoBackup policy: Failed \(MongoBackup\.InvalidArgument\): -KeepLast is '0'"
    }
}

Describe 'The scheduling runbook on a sharded cluster reached by other names: MONGOBACKUP_SHARD_HOST_MAP' {
    BeforeAll {
        $script:cluster = Start-MongoTestServer -Sharded -Shards 2
        Initialize-ShardedOrders $cluster.Uri
        $script:shard0 = ($cluster.Members | Where-Object Name -eq 'shard0').ConnectionString -replace '^mongodb://([^/]+)/.*$', '$1'
        $script:shard1 = ($cluster.Members | Where-Object Name -eq 'shard1').ConnectionString -replace '^mongodb://([^/]+)/.*$', '$1'
    }

    AfterAll { Stop-MongoTestServer $script:cluster }

    It 'reaches a shard by the name the map gives it, and a map entry pointing at another shard is refused, named, with its id' {
        $environment = @{ MONGOBACKUP_URI = $cluster.Uri; MONGOBACKUP_KEEP_LAST = '2'; MONGOBACKUP_STOP_BALANCER = 'true' }
        $wrong = Invoke-Runbook ($environment + @{ MONGOBACKUP_REPOSITORY = (Join-Path (New-TestFolder) 'wrong'); MONGOBACKUP_SHARD_HOST_MAP = "$shard0=$shard1" })
        $repository = New-TestFolder
        $renamed = "localhost:$(($shard0 -split ':')[-1])"
        $right = Invoke-Runbook ($environment + @{ MONGOBACKUP_REPOSITORY = $repository; MONGOBACKUP_SHARD_HOST_MAP = "$shard0=$renamed" })

        $wrong.ExitCode | Should -Be 1
        $wrong.Output | Should -Match ([regex]::Escape("MongoBackup policy: Failed (MongoBackup.InvalidArgument): Shard shard0 is replica set 'shard0' (config.shards), but $shard1 (-ShardHostMap maps '$shard0' to it) answers as replica set 'shard1'"))
        $right.ExitCode | Should -Be 0 -Because $right.Output
        $right.Output | Should -Match 'MongoBackup policy: Full '
        $snapshot = Get-MongoSnapshot -Repository $repository -Latest
        $snapshot.Topology | Should -Be 'Sharded'
        @($snapshot.Shards.Name | Sort-Object) | Should -Be @('shard0', 'shard1')
    }
}
