# The scheduling runbook's offsite copy as a DBA sets it up (MONGOBACKUP_COPY_TO in the cron env file): after a
# successful backup every complete snapshot the destination lacks is copied there (Copy-MongoSnapshot -SkipExisting);
# a copy that fails fails the run with its own exit code and log line, after the backup's own summary, never hiding it.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_rbcopy_' + [guid]::NewGuid().ToString('N').Substring(0, 6)
    (Get-Collection $uri $db 'orders').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..40) { New-BsonDocument ([ordered]@{ _id = $i }) }))

    function Get-LogLines([string] $Output, [string] $Pattern) { @($Output -split "`n" | ForEach-Object TrimEnd | Where-Object { $_ -match $Pattern }) }
}

AfterAll {
    if ($script:uri) { [MongoDB.Driver.MongoClient]::new($uri).DropDatabase($db, [System.Threading.CancellationToken]::None) }
    Stop-MongoTestServer $script:server
}

Describe 'The scheduling runbook copies offsite after each successful run: MONGOBACKUP_COPY_TO' {
    It 'copies the full snapshot, then the next run''s slice alone, each copy whole in the destination' {
        $repository = New-TestFolder
        $offsite = Join-Path (New-TestFolder) 'offsite'
        $environment = @{ MONGOBACKUP_URI = $uri; MONGOBACKUP_REPOSITORY = $repository; MONGOBACKUP_DATABASE = $db; MONGOBACKUP_KEEP_LAST = '3'
            MONGOBACKUP_COPY_TO = $offsite }

        $first = Invoke-Runbook $environment
        (Get-Collection $uri $db 'orders').InsertOne((New-BsonDocument ([ordered]@{ _id = 1000 })))
        $second = Invoke-Runbook $environment

        $first.ExitCode | Should -Be 0 -Because $first.Output
        $full = Get-MongoSnapshot -Repository $repository -Kind Full
        $lines = @(Get-LogLines $first.Output '^MongoBackup (policy|copy):')
        $lines.Count | Should -Be 2 -Because $first.Output
        $lines[0] | Should -BeLike "MongoBackup policy: Full $($full.Id); removed 0; *"
        $lines[1] | Should -Be "MongoBackup copy: 1 copied to $offsite $($full.Id); 0 failed"
        $second.ExitCode | Should -Be 0 -Because $second.Output
        $slice = Get-MongoSnapshot -Repository $repository -Kind Oplog
        Get-LogLines $second.Output '^MongoBackup copy:' | Should -Be @("MongoBackup copy: 1 copied to $offsite $($slice.Id); 0 failed")
        @((Get-MongoSnapshot -Repository $offsite).Id | Sort-Object) | Should -Be @(@($full.Id, $slice.Id) | Sort-Object)
        foreach ($copy in Get-MongoSnapshot -Repository $offsite) { (Test-MongoSnapshot -InputObject $copy).Passed | Should -BeTrue -Because $copy.Id }
    }

    It 'a copy the destination refuses fails the run with exit 2 after the backup''s own summary; the next run catches up' {
        $repository = New-TestFolder
        $offsite = New-TestFolder
        # The destination takes encrypted snapshots only: the runbook's unencrypted ones are refused there.
        Set-MongoRepository -Repository $offsite -RequireEncryption -AnyKey -Confirm:$false | Out-Null
        $environment = @{ MONGOBACKUP_URI = $uri; MONGOBACKUP_REPOSITORY = $repository; MONGOBACKUP_DATABASE = $db; MONGOBACKUP_KEEP_LAST = '3'
            MONGOBACKUP_COPY_TO = $offsite }

        $refused = Invoke-Runbook $environment

        $refused.ExitCode | Should -Be 2 -Because $refused.Output
        $full = Get-MongoSnapshot -Repository $repository -Kind Full
        $full.Status | Should -Be 'Complete'
        (Get-LogLines $refused.Output '^MongoBackup policy:') | Should -BeLike "MongoBackup policy: Full $($full.Id); removed 0;*"
        Get-LogLines $refused.Output 'MongoBackup policy: Failed' | Should -BeNullOrEmpty
        Get-LogLines $refused.Output '^MongoBackup copy: 0 copied' | Should -Be @("MongoBackup copy: 0 copied to $offsite; 1 failed")
        $failure = @(Get-LogLines $refused.Output 'MongoBackup copy: Failed')
        $failure.Count | Should -Be 1 -Because $refused.Output
        $failure[0] | Should -Match "MongoBackup copy: Failed \(MongoBackup\.\w+\): .*$([regex]::Escape($full.Id))"
        # The policy's result row is in the log too, before the copy's lines.
        $refused.Output.IndexOf("MongoBackup policy: Full") | Should -BeLessThan $refused.Output.IndexOf('MongoBackup copy: Failed')

        Remove-Item -LiteralPath (Join-Path $offsite '.mongobackup-settings.json') -Force
        $caughtUp = Invoke-Runbook $environment

        $caughtUp.ExitCode | Should -Be 0 -Because $caughtUp.Output
        (Get-MongoSnapshot -Repository $offsite -Kind Full).Id | Should -Be $full.Id
    }

    It 'copies what earlier runs left uncopied: a destination set after the first backups catches up' {
        $repository = New-TestFolder
        $offsite = Join-Path (New-TestFolder) 'offsite'
        $environment = @{ MONGOBACKUP_URI = $uri; MONGOBACKUP_REPOSITORY = $repository; MONGOBACKUP_DATABASE = $db; MONGOBACKUP_KEEP_LAST = '3' }
        (Invoke-Runbook $environment).ExitCode | Should -Be 0
        $environment.MONGOBACKUP_COPY_TO = $offsite

        $run = Invoke-Runbook $environment

        $run.ExitCode | Should -Be 0 -Because $run.Output
        $taken = @((Get-MongoSnapshot -Repository $repository).Id | Sort-Object)
        $taken.Count | Should -BeGreaterOrEqual 1
        @((Get-MongoSnapshot -Repository $offsite).Id | Sort-Object) | Should -Be $taken
    }

    It 'refuses MONGOBACKUP_COPY_TO_ENDPOINT <Case>, naming the variable, before anything is written' -ForEach @(
        @{ Case = 'without MONGOBACKUP_COPY_TO'; CopyTo = $null; Message = '-CopyToEndpoint (MONGOBACKUP_COPY_TO_ENDPOINT) is set without -CopyTo (MONGOBACKUP_COPY_TO)*' }
        @{ Case = 'for a folder'; CopyTo = 'folder'; Message = "-CopyToEndpoint (MONGOBACKUP_COPY_TO_ENDPOINT) is for az:// and s3:// repositories, not '*'*" }
    ) {
        $repository = Join-Path (New-TestFolder) 'repo'
        $copyTo = if ($CopyTo) { Join-Path (New-TestFolder) 'offsite' }
        $run = Invoke-Runbook @{ MONGOBACKUP_URI = $uri; MONGOBACKUP_REPOSITORY = $repository; MONGOBACKUP_KEEP_LAST = '3'
            MONGOBACKUP_COPY_TO = $copyTo; MONGOBACKUP_COPY_TO_ENDPOINT = 'http://127.0.0.1:1' }

        $run.ExitCode | Should -Be 1
        $failure = @(Get-LogLines $run.Output 'MongoBackup policy: Failed \(MongoBackup\.InvalidArgument\): (.*)')
        $failure.Count | Should -Be 1 -Because $run.Output
        ($failure[0] -replace '^.*MongoBackup policy: Failed \(MongoBackup\.InvalidArgument\): ', '') | Should -BeLike $Message
        Test-Path $repository | Should -BeFalse
    }
}
