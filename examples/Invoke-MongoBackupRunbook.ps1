<#
.SYNOPSIS
    Scheduled MongoDB backup runbook: one Invoke-MongoBackupPolicy run, for Azure Automation, Windows Task
    Scheduler, cron or a systemd timer. Put it where the scheduler starts it (below), set the parameters (or their
    environment variables), schedule it every few minutes.
.DESCRIPTION
    Each run takes the repository lease, then a full snapshot when one is due (-FullEvery), otherwise an oplog
    slice, then applies retention when a -Keep* rule is given. A run that finds another run holding the lease
    ends at once with Action Skipped: that is not a failure.

    Unattended by design: no prompt, no host UI. It writes one result object (and a one-line summary to the
    information stream), and exits 0 on success (Full, Slice, Nothing or Skipped) or 1 on failure with the error
    on the error stream, so schedulers and alerting see failures.

    The MongoDB credential comes from, in order: the Azure Automation credential asset named by
    -AutomationCredentialName (Get-AutomationPSCredential); the MONGOBACKUP_USERNAME and MONGOBACKUP_PASSWORD
    environment variables; or none (a connection string without a password, or x.509 / a secret-free setup).
    An az:// repository with no key signs in with DefaultAzureCredential: the Automation account's managed identity.

    Where it goes. The module ships this file as examples/Invoke-MongoBackupRunbook.ps1 under its base folder:
        Join-Path (Get-Module MongoBackup -ListAvailable)[0].ModuleBase 'examples/Invoke-MongoBackupRunbook.ps1'
    That folder is named by the module's version and replaced when the module is updated, so a scheduler should not
    start the file there: copy it to a fixed path that only the backup account (and administrators) can change.
    - Windows Task Scheduler: C:\ProgramData\MongoBackup\Invoke-MongoBackupRunbook.ps1, started as
      pwsh.exe -NoProfile -NonInteractive -File C:\ProgramData\MongoBackup\Invoke-MongoBackupRunbook.ps1 <parameters>
    - systemd timer or cron: /opt/mongobackup/Invoke-MongoBackupRunbook.ps1 (root-owned, mode 0644), started as
      /usr/bin/pwsh -NoProfile -NonInteractive -File /opt/mongobackup/Invoke-MongoBackupRunbook.ps1, its settings in
      an EnvironmentFile (systemd) or on the command line (cron).
    - Azure Automation: not a path at all. Import this file as a runbook (Runbooks, Import a runbook, type PowerShell,
      runtime 7.4), publish it, and upload the module zip to the
      same account's modules; the schedule passes the parameters.
    about_MongoBackup_Scheduling gives each recipe in full.
.EXAMPLE
    pwsh -NonInteractive -NoProfile -File ./Invoke-MongoBackupRunbook.ps1 -ConnectionString 'mongodb://db1:27017/?replicaSet=rs0' -Repository /var/backups/mongo -FullEvery 1.00:00:00 -KeepDaily 7
.EXAMPLE
    # A sharded cluster, through its mongos: a due full backup stops a running balancer and starts it again afterwards.
    pwsh -NonInteractive -NoProfile -File /opt/mongobackup/Invoke-MongoBackupRunbook.ps1 -ConnectionString 'mongodb://mongos1:27017/' -Repository /var/backups/cluster -FullEvery 1d -StopBalancer
.EXAMPLE
    # Azure Automation (PowerShell 7.4 runtime): the credential is an Automation credential asset, the repository
    # a container the account's managed identity may write (Storage Blob Data Contributor).
    ./Invoke-MongoBackupRunbook.ps1 -ConnectionString 'mongodb://db1:27017/?replicaSet=rs0' -AutomationCredentialName MongoBackup -Repository az://backupsacct/mongo -FullEvery 1.00:00:00 -KeepDaily 7 -KeepWeekly 4
#>
[CmdletBinding()]
param(
    # mongodb:// or mongodb+srv:// URI, without a password (the credential carries it).
    [string] $ConnectionString = $env:MONGOBACKUP_URI,
    # A folder, az://account/container[/prefix] or s3://bucket[/prefix].
    [string] $Repository = $env:MONGOBACKUP_REPOSITORY,
    # How often a full snapshot is taken ('1d', '12h', or a TimeSpan such as '1.00:00:00'); oplog slices fill the time
    # between (replica sets). Kept as text: Invoke-MongoBackupPolicy reads the units.
    [string] $FullEvery = $(if ($env:MONGOBACKUP_FULL_EVERY) { $env:MONGOBACKUP_FULL_EVERY } else { '1d' }),
    [int] $KeepLast,
    [int] $KeepDaily,
    [int] $KeepWeekly,
    [int] $KeepMonthly,
    [string] $KeepWithin,
    # The name of an Azure Automation credential asset holding the MongoDB user and password.
    [string] $AutomationCredentialName,
    # A file holding the encryption key (32 raw bytes, 64 hex characters or base64); snapshots are encrypted with it.
    [string] $EncryptionKeyFile = $env:MONGOBACKUP_KEY_FILE,
    # Zstd (the default: smaller and faster), Gzip (snapshot folders stock mongorestore --gzip restores directly) or None.
    [ValidateSet('Zstd', 'Gzip', 'None')]
    [string] $Compression = $(if ($env:MONGOBACKUP_COMPRESSION) { $env:MONGOBACKUP_COMPRESSION } else { 'Zstd' }),
    [string] $LeaseDuration = '10m',
    # For a sharded cluster (a mongos): a run whose full backup is due stops a running balancer for it and starts it
    # again afterwards; without it such a run fails with MongoBackup.BalancerRunning. MONGOBACKUP_STOP_BALANCER=true
    # (or 1, yes) sets it; false, 0, no or unset leave it off.
    [switch] $StopBalancer,
    # Where the module is, when it is not installed in a PSModulePath folder (e.g. /opt/mongobackup/MongoBackup).
    [string] $ModulePath = $(if ($env:MONGOBACKUP_MODULE) { $env:MONGOBACKUP_MODULE } else { 'MongoBackup' })
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'   # no progress bars in a job log
Set-StrictMode -Version Latest

function Get-RunbookCredential {
    if ($AutomationCredentialName) {
        if (-not (Get-Command Get-AutomationPSCredential -ErrorAction SilentlyContinue)) {
            throw "-AutomationCredentialName '$AutomationCredentialName' was given, but Get-AutomationPSCredential exists only inside Azure Automation."
        }
        return Get-AutomationPSCredential -Name $AutomationCredentialName
    }
    if ($env:MONGOBACKUP_USERNAME) {
        if (-not $env:MONGOBACKUP_PASSWORD) { throw 'MONGOBACKUP_USERNAME is set but MONGOBACKUP_PASSWORD is not.' }
        $secret = ConvertTo-SecureString $env:MONGOBACKUP_PASSWORD -AsPlainText -Force
        return [pscredential]::new($env:MONGOBACKUP_USERNAME, $secret)
    }
    return $null
}

try {
    if (-not $ConnectionString) { throw 'No connection string: give -ConnectionString or set MONGOBACKUP_URI.' }
    if (-not $Repository) { throw 'No repository: give -Repository or set MONGOBACKUP_REPOSITORY.' }
    if (-not $PSBoundParameters.ContainsKey('StopBalancer') -and $env:MONGOBACKUP_STOP_BALANCER) {
        $StopBalancer = switch ($env:MONGOBACKUP_STOP_BALANCER.Trim()) {
            { $_ -in 'true', '1', 'yes' } { $true; break }
            { $_ -in 'false', '0', 'no' } { $false; break }
            default { throw "MONGOBACKUP_STOP_BALANCER is '$env:MONGOBACKUP_STOP_BALANCER': set it to true or false." }
        }
    }
    Import-Module $ModulePath

    $policy = @{
        ConnectionString = $ConnectionString
        Repository       = $Repository
        FullEvery        = $FullEvery
        Compression      = $Compression
        LeaseDuration    = $LeaseDuration
        StopBalancer     = [bool] $StopBalancer
        Confirm          = $false
    }
    foreach ($rule in 'KeepLast', 'KeepDaily', 'KeepWeekly', 'KeepMonthly', 'KeepWithin') {
        if ($PSBoundParameters.ContainsKey($rule)) { $policy[$rule] = $PSBoundParameters[$rule] }
    }
    $credential = Get-RunbookCredential
    if ($credential) { $policy.Credential = $credential }
    if ($EncryptionKeyFile) { $policy.EncryptionKeyFile = $EncryptionKeyFile }

    $result = Invoke-MongoBackupPolicy @policy
    $snapshot = if ($result.Snapshot) { " $($result.Snapshot.Id)" } else { '' }
    Write-Information "MongoBackup policy: $($result.Action)$snapshot; removed $($result.Removed.Count); $($result.Reason)" -InformationAction Continue
    $result
    exit 0
}
catch {
    Write-Error -ErrorRecord $_ -ErrorAction Continue
    exit 1
}
