@{
    RootModule           = 'bin/MongoBackup.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.4'
    GUID                 = '5b0b7f64-3f5e-4c39-9a55-0f1f3b2d7c41'
    Author               = 'MongoBackup contributors'
    CompanyName          = 'MongoBackup'
    Copyright            = '(c) MongoBackup contributors. MIT License (LICENSE).'
    Description          = 'Hot, consistent MongoDB backups, restores and point-in-time recovery for DBAs.'
    # No RequiredAssemblies: the engine and its libraries (MongoDB.Driver, Azure, AWS...) live in bin/deps and load into
    # the module's own load context, so other modules' versions of them cannot collide with ours (about_MongoBackup).
    NestedModules        = @('bin/MongoBackup.EngineLoader.psm1')
    FormatsToProcess     = @('MongoBackup.Format.ps1xml')
    CmdletsToExport      = @(
        'Backup-MongoDatabase'
        'Backup-MongoOplog'
        'Copy-MongoSnapshot'
        'Export-MongoSnapshot'
        'Find-MongoOplogEntry'
        'Get-MongoRestoreWindow'
        'Get-MongoSnapshot'
        'Invoke-MongoBackupPolicy'
        'Invoke-MongoSnapshotRetention'
        'New-MongoRepository'
        'Remove-MongoSnapshot'
        'Restore-MongoDatabase'
        'Restore-MongoPointInTime'
        'Set-MongoRepository'
        'Test-MongoSnapshot'
        'Update-MongoSnapshotKey'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('MongoDB', 'Backup', 'Restore', 'PointInTime', 'DBA', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            # The project's home: the PowerShell Gallery page links it, and each cmdlet's Get-Help -Online opens its
            # docs/ page under it (build/Docs.ps1).
            ProjectUri   = 'https://github.com/MongoBackup/MongoBackup'
            LicenseUri   = 'https://github.com/MongoBackup/MongoBackup/blob/main/LICENSE'
            ReleaseNotes = @'
0.1.0
- Hot, consistent backups in mongodump's layout (zstd by default; -Compression Gzip for folders stock mongorestore
  restores directly) of replica sets and standalone servers into folder, Azure Blob and S3 repositories; oplog slices and continuous capture; point-in-time restore; retention, verification, copy, encryption
  at rest and key rotation; one scheduled policy command under a repository lease.
- Tested against the module's in-memory MongoDB test server, which speaks as MongoDB 7.0, and MongoDB's oplog forms of
  4.4 to 8.0.
- Sharded clusters: a full backup through the mongos to one cluster time across the shards, restored into a replica
  set or standalone server, or into a sharded cluster through its mongos (shard keys, primary shards and zones as the
  source had them); oplog slices of a cluster are not supported yet.
'@
        }
    }
}
