# A backup user without the replSetGetConfig privilege (MongoDB's built-in backup role alone: role_graph_builtins.cpp's
# addBackupPrivileges grants no replSetGetConfig; clusterMonitor does). The replica set's identity (settings.replicaSetId)
# then goes unrecorded: the run says so, naming the privilege, the role that grants it and what is lost, instead of
# recording nothing in silence. Runs on the in-memory server only: it is started with --auth.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $rootPassword = 'Root-password-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:server = Start-MongoTestServer -Arguments '--auth', "root:$rootPassword"
    $script:rootUri = $server.Uri -replace '^mongodb://', "mongodb://root:$rootPassword@"
    $script:db = 'pester_priv_' + [guid]::NewGuid().ToString('N').Substring(0, 6)
    (Get-Collection $rootUri $db 'items').InsertOne((New-BsonDocument @{ _id = 1 }), $null, [System.Threading.CancellationToken]::None)
    function New-BackupUser([string] $Name, [string[]] $Roles) {
        $password = 'Backup-password-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        Invoke-Admin $rootUri ([ordered]@{ createUser = $Name; pwd = $password; roles = [object[]] $Roles }) | Out-Null
        [pscredential]::new($Name, (ConvertTo-SecureString $password -AsPlainText -Force))
    }
    $script:backupOnly = New-BackupUser 'backupOnly' @('backup')
    $script:monitored = New-BackupUser 'backupMonitored' @('backup', 'clusterMonitor')
}

AfterAll {
    Stop-MongoTestServer $server
}

Describe 'A backup user that may not run replSetGetConfig' {
    It 'Backup-MongoDatabase warns naming the privilege, the role that grants it and that no replicaSetId is recorded' {
        $repository = New-TestFolder
        $snapshot = Backup-MongoDatabase -ConnectionString $server.Uri -Credential $backupOnly -Repository $repository -Database $db -WarningVariable warnings -WarningAction SilentlyContinue
        $snapshot.Status | Should -Be 'Complete'
        $warning = @($warnings | Where-Object { "$_" -like '*replSetGetConfig*' })
        $warning.Count | Should -Be 1 -Because ($warnings -join "`n")
        "$($warning[0])" | Should -BeLike '*refused replSetGetConfig to this user (Unauthorized)*clusterMonitor role grants and the backup role does not*The snapshot records no replicaSetId*Grant the user clusterMonitor*'
        $manifest = Get-Content (Join-Path $snapshot.Path 'manifest.json') -Raw | ConvertFrom-Json
        $manifest.source.PSObject.Properties.Name | Should -Not -Contain 'replicaSetId'

        Backup-MongoOplog -ConnectionString $server.Uri -Credential $backupOnly -Repository $repository -WarningVariable sliceWarnings -WarningAction SilentlyContinue | Out-Null
        @($sliceWarnings | Where-Object { "$_" -like '*The slice records no replicaSetId*' }).Count | Should -Be 1 -Because ($sliceWarnings -join "`n")
    }

    It 'with clusterMonitor too, the id is recorded and nothing is said' {
        $repository = New-TestFolder
        $snapshot = Backup-MongoDatabase -ConnectionString $server.Uri -Credential $monitored -Repository $repository -Database $db -WarningVariable warnings -WarningAction SilentlyContinue
        @($warnings | Where-Object { "$_" -like '*replSetGetConfig*' }) | Should -BeNullOrEmpty
        $manifest = Get-Content (Join-Path $snapshot.Path 'manifest.json') -Raw | ConvertFrom-Json
        $manifest.source.replicaSetId | Should -Match '^[0-9a-f]{24}$'
    }
}
