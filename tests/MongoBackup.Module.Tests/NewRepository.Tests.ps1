# A mistyped -Repository as a DBA meets it: a first backup and a typo both start a new repository, so every command
# that may start one says so on the warning stream (a scheduled job's log shows it), creates one folder level only, and
# an oplog slice, meaningless without a full snapshot, refuses a repository that has none.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_newrepo_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    (Get-Collection $uri $db 'orders').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..10) { New-BsonDocument ([ordered]@{ _id = $i }) }))
    $script:root = New-TestFolder
    $script:repository = Join-Path $root 'mongo'
    $script:first = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -WarningVariable firstWarnings -WarningAction SilentlyContinue
    $script:firstWarnings = @($firstWarnings)
}

AfterAll {
    if ($script:uri) { [MongoDB.Driver.MongoClient]::new($uri).DropDatabase($db, [System.Threading.CancellationToken]::None) }
    Remove-Item $root -Recurse -Force -ErrorAction SilentlyContinue
    Stop-MongoTestServer $server
}

Describe 'A backup that starts a new repository' {
    It 'the first backup warns that it starts a new repository, naming the folder' {
        $first.Status | Should -Be 'Complete'
        @($firstWarnings | Where-Object { $_.Message -like '*holds no snapshot yet*' }).Count | Should -Be 1
        ($firstWarnings.Message -join "`n") | Should -BeLike "*$repository holds no snapshot yet: this backup starts a new repository there*check -Repository*"
    }

    It 'a backup into a repository that holds snapshots does not warn' {
        $null = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -WarningVariable again -WarningAction SilentlyContinue
        @($again | Where-Object { $_.Message -like '*holds no snapshot yet*' }).Count | Should -Be 0
    }

    It 'a mistyped folder (mongoo for mongo) warns naming the folder it starts, as a job log shows it' {
        $typo = Join-Path $root 'mongoo'
        $log = & { Backup-MongoDatabase -ConnectionString $uri -Repository $typo -Database $db } 3>&1 | Out-String
        $log | Should -BeLike "*$typo holds no snapshot yet: this backup starts a new repository there*"
    }

    It 'refuses a folder whose parent does not exist, naming both, and creates nothing' {
        $deep = Join-Path $root 'bakups/mongo'
        $failure = $null
        try { Backup-MongoDatabase -ConnectionString $uri -Repository $deep -Database $db -ErrorAction Stop } catch { $failure = $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.RepositoryNotFound*'
        $failure.Exception.Message | Should -BeLike "*'$deep' does not exist, and neither does its parent '$(Join-Path $root 'bakups')'*"
        Join-Path $root 'bakups' | Should -Not -Exist
    }

    It '-WhatIf says the run would start a new repository, and creates nothing' {
        $planned = Join-Path $root 'planned'
        $plan = Backup-MongoDatabase -ConnectionString $uri -Repository $planned -Database $db -WhatIf -WarningVariable dry -WarningAction SilentlyContinue
        @($plan).Count | Should -BeGreaterThan 0
        ($dry.Message -join "`n") | Should -BeLike "*$planned holds no snapshot yet: this backup would start a new repository there*"
        $planned | Should -Not -Exist
    }
}

Describe 'Sibling commands that may start a repository' {
    It 'Invoke-MongoBackupPolicy warns on its first run into a new folder, and not on the next' {
        $policyRepository = Join-Path $root 'policy'
        $run = Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $policyRepository -FullEvery 1d -Confirm:$false -WarningVariable firstRun -WarningAction SilentlyContinue
        $run.Action | Should -Be 'Full'
        ($firstRun.Message -join "`n") | Should -BeLike "*$policyRepository holds no snapshot yet: this policy's first run starts a new repository there*"
        $null = Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $policyRepository -FullEvery 1d -Confirm:$false -WarningVariable nextRun -WarningAction SilentlyContinue
        @($nextRun | Where-Object { $_.Message -like '*holds no snapshot yet*' }).Count | Should -Be 0
    }

    It 'Invoke-MongoBackupPolicy refuses a folder whose parent does not exist' {
        { Invoke-MongoBackupPolicy -ConnectionString $uri -Repository (Join-Path $root 'nowhere/mongo') -FullEvery 1d -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.RepositoryNotFound*'
        Join-Path $root 'nowhere' | Should -Not -Exist
    }

    It 'Copy-MongoSnapshot warns when its -Destination starts a new repository' {
        $offsite = Join-Path $root 'offsite'
        $copy = Copy-MongoSnapshot -Repository $repository -Id $first.Id -Destination $offsite -WarningVariable copied -WarningAction SilentlyContinue
        $copy.Id | Should -Be $first.Id
        ($copied.Message -join "`n") | Should -BeLike "*$offsite holds no snapshot yet: this copy starts a new repository there*check -Destination*"
    }

    It 'Copy-MongoSnapshot -WhatIf says its -Destination would start a new repository, once for every snapshot piped, and creates nothing' {
        $planned = Join-Path $root 'offsite-planned'
        $second = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db
        $plan = Get-MongoSnapshot -Repository $repository | Where-Object Id -in $first.Id, $second.Id |
            Copy-MongoSnapshot -Destination $planned -WhatIf -WarningVariable dry -WarningAction SilentlyContinue
        @($plan).Count | Should -Be 2
        $notices = @($dry | Where-Object { $_.Message -like '*holds no snapshot yet*' })
        $notices.Count | Should -Be 1
        $notices[0].Message | Should -BeLike "*$planned holds no snapshot yet: this copy would start a new repository there*check -Destination*"
        $planned | Should -Not -Exist
    }

    It 'Set-MongoRepository -WhatIf says its settings would start a new repository, and creates nothing' {
        $planned = Join-Path $root 'rules-planned'
        $null = Set-MongoRepository -Repository $planned -RequireEncryption -WhatIf -WarningVariable dry -WarningAction SilentlyContinue
        ($dry.Message -join "`n") | Should -BeLike "*$planned holds no snapshot yet: setting these rules would start a new repository there*"
        $planned | Should -Not -Exist
    }

    It 'Set-MongoRepository warns when its settings start a new repository' {
        $rules = Join-Path $root 'rules'
        $null = Set-MongoRepository -Repository $rules -RequireEncryption -Confirm:$false -WarningVariable settings -WarningAction SilentlyContinue
        ($settings.Message -join "`n") | Should -BeLike "*$rules holds no snapshot yet: setting these rules starts a new repository there*"
    }

    It 'Backup-MongoOplog refuses a mistyped folder (SourceNotFound) and creates nothing' {
        $typo = Join-Path $root 'mongo-oplog-typo'
        { Backup-MongoOplog -ConnectionString $uri -Repository $typo -ErrorAction Stop } | Should -Throw -ErrorId 'MongoBackup.SourceNotFound*'
        $typo | Should -Not -Exist
    }

    It 'Backup-MongoOplog refuses a repository with no full snapshot (NoBaseSnapshot) and writes nothing there' {
        $empty = New-Item -ItemType Directory -Path (Join-Path $root 'empty')
        { Backup-MongoOplog -ConnectionString $uri -Repository $empty.FullName -ErrorAction Stop } | Should -Throw -ErrorId 'MongoBackup.NoBaseSnapshot*'
        @(Get-ChildItem $empty.FullName -Force).Count | Should -Be 0
    }
}

Describe 'New-MongoRepository -Path for a folder that is not there yet' {
    It 'creates the folder and its missing parents (mkdir -p), says so on the verbose stream, and a backup into it works' {
        $deep = Join-Path $root 'nas/mongo/prod'
        $repo = New-MongoRepository -Path $deep -Verbose 4>&1 | Tee-Object -Variable said | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
        $deep | Should -Exist
        ($said | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message |
            Should -Be "Created the repository folder '$deep' inside '$root': it holds no snapshot yet."
        $repo.Location | Should -Be $deep
        (Backup-MongoDatabase -ConnectionString $uri -Repository $repo -Database $db -WarningAction SilentlyContinue).Status | Should -Be 'Complete'
    }

    It 'says nothing and changes nothing for a folder that exists' {
        $existing = New-MongoRepository -Path $repository -Verbose 4>&1
        @($existing | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Count | Should -Be 0
        @(Get-MongoSnapshot -Repository $existing).Count | Should -BeGreaterThan 0
    }

    It 'a folder that cannot be created is RepositoryNotWritable naming it and the folder it was to go in' {
        $file = Join-Path $root 'a-file'
        Set-Content $file 'not a folder'
        $inside = Join-Path $file 'mongo'
        $failure = $null
        try { New-MongoRepository -Path $inside -ErrorAction Stop } catch { $failure = $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.RepositoryNotWritable,*'
        $failure.Exception.Message | Should -BeLike "Cannot create the repository folder '$inside' inside '$root':*"
        $file | Should -Exist
    }
}
