# Commands that ask for confirmation, run where no one can answer (pwsh -NonInteractive, as this suite and a scheduled
# job run): a clear MongoBackup.ConfirmationRequired naming the cmdlet and -Confirm:$false, nothing done; not
# PowerShell's bare "NonInteractive mode. Read and Prompt functionality is not available".
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_unattended_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    (Get-Collection $uri $db 'orders').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..5) { New-BsonDocument @{ _id = $i } }))
    $script:repository = New-TestFolder
    $script:first = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db
    $script:second = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db
    $ConfirmPreference = 'High' # PowerShell's default: a High-impact command asks

    function Assert-ConfirmationRequired([scriptblock] $Command, [string] $Cmdlet) {
        $failure = { & $Command } | Should -Throw -PassThru -ErrorId "MongoBackup.ConfirmationRequired,*"
        $failure.Exception.Message | Should -BeLike "$Cmdlet asks for confirmation*cannot prompt*add -Confirm:`$false to $Cmdlet*"
        $failure.Exception.Message | Should -Not -BeLike '*Read and Prompt functionality*'
    }
}

AfterAll {
    if ($script:uri) { [MongoDB.Driver.MongoClient]::new($uri).DropDatabase($db, [System.Threading.CancellationToken]::None) }
    Stop-MongoTestServer $server
    Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Confirmation in a session that cannot prompt' {
    It 'the session is non-interactive, as the failure needs' {
        [Environment]::GetCommandLineArgs() | Should -Contain '-NonInteractive'
    }

    It 'Remove-MongoSnapshot without -Confirm:$false names itself and -Confirm:$false, and removes nothing' {
        Assert-ConfirmationRequired { Remove-MongoSnapshot -Repository $repository -Id $first.Id } 'Remove-MongoSnapshot'
        @(Get-MongoSnapshot -Repository $repository).Count | Should -Be 2
    }

    It 'Invoke-MongoSnapshotRetention without -Confirm:$false does the same' {
        Assert-ConfirmationRequired { Invoke-MongoSnapshotRetention -Repository $repository -KeepLast 1 } 'Invoke-MongoSnapshotRetention'
        @(Get-MongoSnapshot -Repository $repository).Count | Should -Be 2
    }

    It 'Restore-MongoDatabase -Drop without -Confirm:$false does the same, and the target keeps its data' {
        (Get-Collection $uri $db 'orders').InsertOne((New-BsonDocument @{ _id = 'added after the backup' }))
        Assert-ConfirmationRequired { $second | Restore-MongoDatabase -ConnectionString $uri -Drop } 'Restore-MongoDatabase'
        Get-DocumentCount (Get-Collection $uri $db 'orders') | Should -Be 6
    }

    It 'with -Confirm:$false they run unattended' {
        $second | Restore-MongoDatabase -ConnectionString $uri -Drop -Confirm:$false | Out-Null
        Get-DocumentCount (Get-Collection $uri $db 'orders') | Should -Be 5
        Remove-MongoSnapshot -Repository $repository -Id $first.Id -Confirm:$false
        @(Get-MongoSnapshot -Repository $repository).Id | Should -Be @($second.Id)
    }
}
