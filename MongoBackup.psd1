@{
    RootModule           = 'bin/MongoBackup.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.4'
    GUID                 = '5b0b7f64-3f5e-4c39-9a55-0f1f3b2d7c41'
    Author               = 'MongoBackup contributors'
    CompanyName          = 'MongoBackup'
    Copyright            = '(c) MongoBackup contributors. All rights reserved.'
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
        'Get-MongoRestoreWindow'
        'Get-MongoSnapshot'
        'Invoke-MongoBackupPolicy'
        'Invoke-MongoSnapshotRetention'
        'New-MongoRepository'
        'Remove-MongoSnapshot'
        'Restore-MongoDatabase'
        'Restore-MongoPointInTime'
        'Test-MongoSnapshot'
        'Update-MongoSnapshotKey'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('MongoDB', 'Backup', 'Restore', 'PointInTime', 'DBA')
        }
    }
}
