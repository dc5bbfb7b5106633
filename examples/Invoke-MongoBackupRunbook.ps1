<#
.SYNOPSIS
    Scheduled MongoDB backup runbook: one Invoke-MongoBackupPolicy run, for Azure Automation, Windows Task
    Scheduler, cron or a systemd timer. Put it where the scheduler starts it (below), set the parameters (or their
    environment variables), schedule it every few minutes.
.DESCRIPTION
    Each run takes the repository lease, then a full snapshot when one is due (-FullEvery), otherwise an oplog
    slice, then applies retention when a -Keep* rule is given. A run that finds another run holding the lease
    ends at once with Action Skipped: that is not a failure.

    Retention: the keep rules come from -KeepLast, -KeepDaily, -KeepWeekly, -KeepMonthly and -KeepWithin, or from
    MONGOBACKUP_KEEP_LAST, MONGOBACKUP_KEEP_DAILY, MONGOBACKUP_KEEP_WEEKLY, MONGOBACKUP_KEEP_MONTHLY and
    MONGOBACKUP_KEEP_WITHIN. A run with none removes nothing and warns, every run, that the repository grows without
    limit; -KeepAll (MONGOBACKUP_KEEP_ALL=true) says that is meant (a store with its own lifecycle rules) and silences it.

    Unattended by design: no prompt, no host UI. It writes one result object (and a one-line summary to the
    information stream), and exits 0 on success (Full, Slice, Nothing or Skipped) or 1 on failure with the error
    on the error stream, so schedulers and alerting see failures.

    The MongoDB credential comes from, in order: the Azure Automation credential asset named by
    -AutomationCredentialName (Get-AutomationPSCredential); MONGOBACKUP_USERNAME with MONGOBACKUP_PASSWORD, or with
    MONGOBACKUP_PASSWORD_FILE (the path of a file holding the password, as systemd credentials and Docker secrets
    give it); or none (a connection string without a password, or x.509 / a secret-free setup).

    The repository signs in as New-MongoRepository would, from the environment (secrets never on the command line,
    which every user of the machine can read; none is ever written to the log):
    - az://: AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_SAS_TOKEN or AZURE_STORAGE_KEY (the account key), at most
      one, each also readable from a file named by the same name with _FILE appended; with none, DefaultAzureCredential
      (in Azure Automation, the account's managed identity). -Endpoint (MONGOBACKUP_ENDPOINT) names another blob
      endpoint (Azurite, Azure Stack, a sovereign cloud).
    - s3://: the AWS SDK's own AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION,
      AWS_ENDPOINT_URL_S3, AWS_PROFILE and AWS_SHARED_CREDENTIALS_FILE (or the instance role); -Endpoint
      (MONGOBACKUP_ENDPOINT) with -ForcePathStyle (MONGOBACKUP_S3_FORCE_PATH_STYLE=true) for MinIO and other
      S3-compatible stores.
    The log holds no ANSI colour codes when the output is not a terminal (cron, systemd, a redirected file).

    Where it goes. The module ships this file as examples/Invoke-MongoBackupRunbook.ps1 under its base folder:
        Join-Path (Get-Module MongoBackup -ListAvailable)[0].ModuleBase 'examples/Invoke-MongoBackupRunbook.ps1'
    That folder is named by the module's version and replaced when the module is updated, so a scheduler should not
    start the file there: copy it to a fixed path that only the backup account (and administrators) can change.
    - Windows Task Scheduler: C:\ProgramData\MongoBackup\Invoke-MongoBackupRunbook.ps1, started as
      pwsh.exe -NoProfile -NonInteractive -File C:\ProgramData\MongoBackup\Invoke-MongoBackupRunbook.ps1 <parameters>
    - systemd timer or cron: /opt/mongobackup/Invoke-MongoBackupRunbook.ps1 (root-owned, mode 0644), started as
      /usr/bin/pwsh -NoProfile -NonInteractive -File /opt/mongobackup/Invoke-MongoBackupRunbook.ps1, its settings in
      an EnvironmentFile (systemd) or a mode-0600 environment file the cron line sources (cron).
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
    # Retention rules, as Invoke-MongoBackupPolicy takes them (MONGOBACKUP_KEEP_LAST, _DAILY, _WEEKLY, _MONTHLY, _WITHIN).
    [int] $KeepLast = $env:MONGOBACKUP_KEEP_LAST,
    [int] $KeepDaily = $env:MONGOBACKUP_KEEP_DAILY,
    [int] $KeepWeekly = $env:MONGOBACKUP_KEEP_WEEKLY,
    [int] $KeepMonthly = $env:MONGOBACKUP_KEEP_MONTHLY,
    [string] $KeepWithin = $env:MONGOBACKUP_KEEP_WITHIN,
    # Keep every snapshot on purpose (MONGOBACKUP_KEEP_ALL=true): no retention, and no warning that there is none.
    [switch] $KeepAll = ($env:MONGOBACKUP_KEEP_ALL -in 'true', '1', 'yes'),
    # An Azure Blob endpoint other than the account's (Azurite, Azure Stack), or an S3-compatible service's URL.
    [string] $Endpoint = $env:MONGOBACKUP_ENDPOINT,
    # S3: address the bucket as ENDPOINT/BUCKET (MinIO and most S3-compatible stores need it).
    [switch] $ForcePathStyle = ($env:MONGOBACKUP_S3_FORCE_PATH_STYLE -in 'true', '1', 'yes'),
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
# A log file (cron, systemd, Task Scheduler) is no terminal: no ANSI colour codes in it.
if ([Console]::IsOutputRedirected -or [Console]::IsErrorRedirected) { $PSStyle.OutputRendering = 'PlainText' }

function Get-EnvironmentSecret([string] $Name) {
    # $env:NAME, or the content of the file $env:NAME_FILE names (systemd credentials, Docker secrets); never both.
    $value = [Environment]::GetEnvironmentVariable($Name)
    $file = [Environment]::GetEnvironmentVariable("$($Name)_FILE")
    if ($value -and $file) { throw "Both $Name and $($Name)_FILE are set: set one." }
    if (-not $file) { return $value }
    if (-not (Test-Path -LiteralPath $file -PathType Leaf)) { throw "$($Name)_FILE names '$file', which is not a readable file." }
    $text = (Get-Content -LiteralPath $file -Raw) -replace '[\r\n]+$', ''
    if (-not $text) { throw "$($Name)_FILE names '$file', which is empty." }
    return $text
}

function Get-RunbookCredential {
    if ($AutomationCredentialName) {
        if (-not (Get-Command Get-AutomationPSCredential -ErrorAction SilentlyContinue)) {
            throw "-AutomationCredentialName '$AutomationCredentialName' was given, but Get-AutomationPSCredential exists only inside Azure Automation."
        }
        return Get-AutomationPSCredential -Name $AutomationCredentialName
    }
    if ($env:MONGOBACKUP_USERNAME) {
        $password = Get-EnvironmentSecret 'MONGOBACKUP_PASSWORD'
        if (-not $password) { throw 'MONGOBACKUP_USERNAME is set but neither MONGOBACKUP_PASSWORD nor MONGOBACKUP_PASSWORD_FILE is.' }
        return [pscredential]::new($env:MONGOBACKUP_USERNAME, (ConvertTo-SecureString $password -AsPlainText -Force))
    }
    return $null
}

function Get-RunbookRepository {
    # A plain location signs in the default way; a secret or endpoint from the environment makes a New-MongoRepository.
    if ($Repository -match '^az://') {
        $secrets = [ordered]@{}
        foreach ($pair in @(('AZURE_STORAGE_CONNECTION_STRING', 'ConnectionString'), ('AZURE_STORAGE_SAS_TOKEN', 'SasToken'), ('AZURE_STORAGE_KEY', 'AccountKey'))) {
            $value = Get-EnvironmentSecret $pair[0]
            if ($value) { $secrets[$pair[0]] = @{ $pair[1] = ConvertTo-SecureString $value -AsPlainText -Force } }
        }
        if ($secrets.Count -gt 1) { throw "Set one Azure Storage secret, not $($secrets.Keys -join ' and ')." }
        $azure = @{ AzureBlob = $Repository }
        if ($secrets.Count -eq 1) { $azure += @($secrets.Values)[0] }
        if ($Endpoint) { $azure.Endpoint = $Endpoint }
        if ($azure.Count -eq 1) { return $Repository }
        return New-MongoRepository @azure
    }
    if ($Repository -match '^s3://' -and ($Endpoint -or $ForcePathStyle)) {
        # Keys, session token and profile still come from the AWS SDK's own environment variables and files.
        $s3 = @{ S3 = $Repository; ForcePathStyle = $ForcePathStyle }
        if ($Endpoint) { $s3.Endpoint = $Endpoint }
        if ($env:AWS_REGION) { $s3.Region = $env:AWS_REGION }
        return New-MongoRepository @s3
    }
    if ($Endpoint -and $Repository -notmatch '^(az|s3)://') { throw "-Endpoint (MONGOBACKUP_ENDPOINT) is for az:// and s3:// repositories, not '$Repository'." }
    return $Repository
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
        Repository       = Get-RunbookRepository
        FullEvery        = $FullEvery
        Compression      = $Compression
        LeaseDuration    = $LeaseDuration
        StopBalancer     = [bool] $StopBalancer
        Confirm          = $false
    }
    $rules = [ordered]@{ KeepLast = $KeepLast; KeepDaily = $KeepDaily; KeepWeekly = $KeepWeekly; KeepMonthly = $KeepMonthly; KeepWithin = $KeepWithin }
    foreach ($rule in @($rules.Keys)) { if ($rules[$rule]) { $policy[$rule] = $rules[$rule] } }
    if ($KeepAll -and (@($policy.Keys) -match '^Keep')) { throw '-KeepAll (MONGOBACKUP_KEEP_ALL) keeps every snapshot: give it or keep rules, not both.' }
    if (-not $KeepAll -and -not (@($policy.Keys) -match '^Keep')) {
        Write-Warning ('No keep rule is set, so no snapshot is ever removed and the repository grows without limit. Set ' +
            'MONGOBACKUP_KEEP_DAILY (or _LAST, _WEEKLY, _MONTHLY, _WITHIN; or -Keep* parameters), or MONGOBACKUP_KEEP_ALL=true to keep everything on purpose.')
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
