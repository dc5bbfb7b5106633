<#
.SYNOPSIS
    Scheduled MongoDB backup runbook: one Invoke-MongoBackupPolicy run, for Azure Automation, Windows Task
    Scheduler, cron or a systemd timer. Put it where the scheduler starts it (below), set the parameters (or their
    environment variables), schedule it every few minutes.
.DESCRIPTION
    Each run takes the repository lease, then a full snapshot when one is due (-FullEvery), otherwise an oplog
    slice, then applies retention when a -Keep* rule is given. A run that finds another run holding the lease
    ends at once with Action Skipped: that is not a failure.

    Retention: the keep rules come from -KeepLast, -KeepDaily, -KeepWeekly, -KeepMonthly, -KeepWithin and
    -RestoreWindow, or from MONGOBACKUP_KEEP_LAST, MONGOBACKUP_KEEP_DAILY, MONGOBACKUP_KEEP_WEEKLY,
    MONGOBACKUP_KEEP_MONTHLY, MONGOBACKUP_KEEP_WITHIN and MONGOBACKUP_RESTORE_WINDOW (a point-in-time restore window,
    such as 3d: everything a restore to any moment of the last 3 days needs stays). A run with none removes nothing and
    warns, every run, that the repository grows without limit; -KeepAll (MONGOBACKUP_KEEP_ALL=true) says that is meant
    (a store with its own lifecycle rules) and silences it.

    What is backed up: -Database, -ExcludeDatabase, -Collection and -ExcludeCollection (MONGOBACKUP_DATABASE,
    MONGOBACKUP_EXCLUDE_DATABASE, MONGOBACKUP_COLLECTION, MONGOBACKUP_EXCLUDE_COLLECTION), each a comma-separated list
    of names or wildcards (MONGOBACKUP_DATABASE=sales,crm*). -ReadPreference (MONGOBACKUP_READ_PREFERENCE) is primary,
    primaryPreferred, secondary, secondaryPreferred or nearest. -Tag (MONGOBACKUP_TAG) labels every snapshot and slice,
    as name=value pairs separated by commas (MONGOBACKUP_TAG=env=prod,team=dba). For a sharded cluster whose shards
    this machine reaches by other names than config.shards lists, -ShardHostMap (MONGOBACKUP_SHARD_HOST_MAP) maps
    them, as listed=reached pairs of host:port separated by commas
    (MONGOBACKUP_SHARD_HOST_MAP=shard0-a:27018=10.0.1.5:27018,shard1-a:27018=10.0.2.5:27018). -IncludeUsersAndRoles
    (MONGOBACKUP_INCLUDE_USERS_AND_ROLES=true) saves the users and roles of the databases taken with each full backup. A value the runbook
    cannot read (a keep count that is no whole number above 0, a switch that is not true or false, an entry without
    its '=') stops the run before anything is done, naming the variable (or parameter) and how to write it.

    Compression and the lease: -Compression (MONGOBACKUP_COMPRESSION: Zstd, Gzip or None) and -LeaseDuration
    (MONGOBACKUP_LEASE_DURATION: how long a killed run keeps the next ones out, e.g. 5m) are passed only when set, so
    unset they are Invoke-MongoBackupPolicy's own defaults (Zstd; 2 minutes).

    Offsite copy: -CopyTo (MONGOBACKUP_COPY_TO) names a second repository (a folder, az:// or s3://). After a run that
    succeeded (Full, Slice or Nothing; not Skipped, whose lease holder copies), every complete snapshot of the
    repository that the destination does not hold yet is copied to it, as Copy-MongoSnapshot -SkipExisting copies:
    each file's SHA-256 checked as it arrives, the manifest written last, a snapshot already there skipped once proven
    the same (one of the same id that differs is an error). So a copy that failed is caught up by the next run. The
    destination signs in from the same environment as the repository; -CopyToEndpoint (MONGOBACKUP_COPY_TO_ENDPOINT)
    names its own endpoint. Its retention is its own (Invoke-MongoSnapshotRetention -Repository <destination>): what
    the policy's retention removes here stays there. A copy that fails does not hide the backup: the policy's summary
    line and result are written first, then one line "MongoBackup copy: Failed (<error id>): <message>" per snapshot not
    copied, and the run exits 2.

    Unattended by design: no prompt, no host UI. It writes one result object (and a one-line summary to the
    information stream, "MongoBackup policy: Full <id>; removed 0; <reason>"); when its output is redirected to a log
    (cron, systemd, Task Scheduler) the result is its table row, unwrapped however long the reason. It exits 0 on success (Full, Slice,
    Nothing or Skipped, and the offsite copy when one is set), 1 on failure, or 2 when the backup succeeded but the
    offsite copy failed (see above), with one line on the error stream that names the error id:
    "MongoBackup policy: Failed (MongoBackup.ServerUnreachable): <message>" (the id is the module's, listed in
    about_MongoBackup, or the runbook's own MongoBackup.InvalidArgument for a setting it cannot read), so schedulers and
    alerting see failures and a job's log can be searched for them.

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
    # One database only, read from a secondary when there is one, each snapshot tagged: the settings of a systemd
    # EnvironmentFile or a cron line's env file, the runbook started with no arguments.
    MONGOBACKUP_DATABASE=sales MONGOBACKUP_READ_PREFERENCE=secondaryPreferred MONGOBACKUP_TAG=env=prod,app=shop MONGOBACKUP_URI='mongodb://db1:27017/?replicaSet=rs0' MONGOBACKUP_REPOSITORY=/var/backups/sales MONGOBACKUP_KEEP_DAILY=7 pwsh -NonInteractive -NoProfile -File /opt/mongobackup/Invoke-MongoBackupRunbook.ps1
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
    # Retention rules, as Invoke-MongoBackupPolicy takes them (MONGOBACKUP_KEEP_LAST, _DAILY, _WEEKLY, _MONTHLY: whole
    # numbers above 0; MONGOBACKUP_KEEP_WITHIN: a duration such as 30d).
    [int] $KeepLast,
    [int] $KeepDaily,
    [int] $KeepWeekly,
    [int] $KeepMonthly,
    [string] $KeepWithin = $env:MONGOBACKUP_KEEP_WITHIN,
    # The point-in-time restore window (MONGOBACKUP_RESTORE_WINDOW: a duration such as 3d): what a restore to any
    # moment of that span before the newest restorable one needs is kept.
    [string] $RestoreWindow = $env:MONGOBACKUP_RESTORE_WINDOW,
    # Keep every snapshot on purpose (MONGOBACKUP_KEEP_ALL=true): no retention, and no warning that there is none.
    [switch] $KeepAll,
    # An Azure Blob endpoint other than the account's (Azurite, Azure Stack), or an S3-compatible service's URL.
    [string] $Endpoint = $env:MONGOBACKUP_ENDPOINT,
    # S3: address the bucket as ENDPOINT/BUCKET (MinIO and most S3-compatible stores need it).
    [switch] $ForcePathStyle,
    # The name of an Azure Automation credential asset holding the MongoDB user and password.
    [string] $AutomationCredentialName,
    # A file holding the encryption key (32 raw bytes, 64 hex characters or base64); snapshots are encrypted with it.
    [string] $EncryptionKeyFile = $env:MONGOBACKUP_KEY_FILE,
    # Zstd, Gzip (snapshot folders stock mongorestore --gzip restores directly) or None (MONGOBACKUP_COMPRESSION); unset,
    # Invoke-MongoBackupPolicy's own default (Zstd: smaller and faster).
    [ValidateSet('Zstd', 'Gzip', 'None')]
    [string] $Compression,
    # How long a killed run can keep the next ones out (MONGOBACKUP_LEASE_DURATION: '2m', '5m' or a TimeSpan); unset,
    # Invoke-MongoBackupPolicy's own default (2 minutes). Lengthen it only for a store whose writes can stall that long.
    [string] $LeaseDuration,
    # For a sharded cluster (a mongos): a run whose full backup is due stops a running balancer for it and starts it
    # again afterwards; without it such a run fails with MongoBackup.BalancerRunning. MONGOBACKUP_STOP_BALANCER=true
    # (or 1, yes) sets it; false, 0, no or unset leave it off.
    [switch] $StopBalancer,
    # The full backups also save the users and roles of the databases taken (MONGOBACKUP_INCLUDE_USERS_AND_ROLES=true,
    # or 1, yes), as Backup-MongoDatabase -IncludeUsersAndRoles; a restore takes them back with -IncludeUsersAndRoles.
    [switch] $IncludeUsersAndRoles,
    # Where the module is, when it is not installed in a PSModulePath folder (e.g. /opt/mongobackup/MongoBackup).
    [string] $ModulePath = $(if ($env:MONGOBACKUP_MODULE) { $env:MONGOBACKUP_MODULE } else { 'MongoBackup' }),
    # The databases to back up (MONGOBACKUP_DATABASE: names or wildcards separated by commas); all when none is given.
    [string[]] $Database,
    # Databases left out (MONGOBACKUP_EXCLUDE_DATABASE, comma-separated).
    [string[]] $ExcludeDatabase,
    # The collections to back up (MONGOBACKUP_COLLECTION, comma-separated: orders, or shop.orders).
    [string[]] $Collection,
    # Collections left out (MONGOBACKUP_EXCLUDE_COLLECTION, comma-separated).
    [string[]] $ExcludeCollection,
    # Which member is read (MONGOBACKUP_READ_PREFERENCE): primary (the default), primaryPreferred, secondary,
    # secondaryPreferred or nearest.
    [string] $ReadPreference,
    # Labels on every snapshot and slice (MONGOBACKUP_TAG): name=value pairs separated by commas, e.g. env=prod,team=dba.
    [string] $Tag,
    # For a sharded cluster (MONGOBACKUP_SHARD_HOST_MAP): shard members as config.shards lists them mapped to the names
    # this machine reaches them by, as listed=reached pairs of host:port separated by commas, e.g.
    # shard0-a:27018=10.0.1.5:27018,shard1-a:27018=10.0.2.5:27018.
    [string] $ShardHostMap,
    # An offsite repository (MONGOBACKUP_COPY_TO: a folder, az:// or s3://) every complete snapshot is copied to after a
    # successful run, skipping those it already holds (Copy-MongoSnapshot -SkipExisting).
    [string] $CopyTo = $env:MONGOBACKUP_COPY_TO,
    # The -CopyTo repository's own endpoint (MONGOBACKUP_COPY_TO_ENDPOINT): Azurite, MinIO or another S3-compatible store.
    [string] $CopyToEndpoint = $env:MONGOBACKUP_COPY_TO_ENDPOINT
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'   # no progress bars in a job log
Set-StrictMode -Version Latest
# A log file (cron, systemd, Task Scheduler) is no terminal: no ANSI colour codes in it.
if ([Console]::IsOutputRedirected -or [Console]::IsErrorRedirected) { $PSStyle.OutputRendering = 'PlainText' }

function Stop-Runbook([string] $Message) {
    # The runbook's own refusal of a setting, under the module's id for a wrong argument, so the log line names an id.
    $exception = [ArgumentException]::new($Message)
    throw [System.Management.Automation.ErrorRecord]::new($exception, 'MongoBackup.InvalidArgument', 'InvalidArgument', $null)
}

function Get-Setting([string] $Parameter, [string] $Variable) {
    # A parameter given on the command line wins; else the environment variable. Returns the text and where it came from.
    if ($script:Bound.ContainsKey($Parameter)) { return @{ Text = ($script:Bound[$Parameter] -join ','); Name = "-$Parameter" } }
    $text = [Environment]::GetEnvironmentVariable($Variable)
    if ([string]::IsNullOrWhiteSpace($text)) { return $null }
    return @{ Text = $text.Trim(); Name = $Variable }
}

function Read-Switch([string] $Parameter, [string] $Variable) {
    # true, 1, yes or false, 0, no (any case); anything else is refused rather than read as false.
    if ($script:Bound.ContainsKey($Parameter)) { return [bool] $script:Bound[$Parameter] }
    $text = [Environment]::GetEnvironmentVariable($Variable)
    if ([string]::IsNullOrWhiteSpace($text)) { return $false }
    switch ($text.Trim()) {
        { $_ -in 'true', '1', 'yes' } { return $true }
        { $_ -in 'false', '0', 'no' } { return $false }
    }
    Stop-Runbook "$Variable is '$text': set it to true or false."
}

function Read-Count([string] $Parameter, [string] $Variable) {
    # A keep count: a whole number above 0, or nothing.
    $setting = Get-Setting $Parameter $Variable
    if (-not $setting) { return $null }
    $count = 0
    if (-not [int]::TryParse($setting.Text, [Globalization.NumberStyles]::None, [cultureinfo]::InvariantCulture, [ref] $count) -or $count -lt 1) {
        Stop-Runbook "$($setting.Name) is '$($setting.Text)': set it to a whole number above 0 (how many snapshots to keep), or leave it unset."
    }
    return $count
}

function Read-List([string] $Parameter, [string] $Variable) {
    # Names or wildcards separated by commas (sales,crm*); an empty entry is a typo, not "everything".
    $setting = Get-Setting $Parameter $Variable
    if (-not $setting) { return $null }
    $items = @($setting.Text -split ',' | ForEach-Object Trim)
    if ($items -contains '') { Stop-Runbook "$($setting.Name) is '$($setting.Text)', which has an empty entry: write names separated by commas, e.g. sales,crm*." }
    return , [string[]] $items
}

function Read-Pairs([string] $Parameter, [string] $Variable, [string] $Rule, [string] $NamePattern, [string] $ValuePattern) {
    # NAME=VALUE pairs separated by commas, each side (trimmed) matching its pattern; a name given twice is refused.
    $setting = Get-Setting $Parameter $Variable
    if (-not $setting) { return $null }
    $pairs = [ordered]@{}
    foreach ($entry in $setting.Text -split ',') {
        $parts = @($entry -split '=', 2 | ForEach-Object Trim)
        $name = $parts[0]
        $value = if ($parts.Count -gt 1) { $parts[1] } else { $null }
        if ($null -eq $value -or $name -notmatch $NamePattern -or $value -notmatch $ValuePattern) {
            Stop-Runbook "$($setting.Name) has the entry '$($entry.Trim())': $Rule."
        }
        if ($pairs.Contains($name)) { Stop-Runbook "$($setting.Name) names '$name' twice." }
        $pairs[$name] = $value
    }
    return $pairs
}

function Get-EnvironmentSecret([string] $Name) {
    # $env:NAME, or the content of the file $env:NAME_FILE names (systemd credentials, Docker secrets); never both.
    $value = [Environment]::GetEnvironmentVariable($Name)
    $file = [Environment]::GetEnvironmentVariable("$($Name)_FILE")
    if ($value -and $file) { Stop-Runbook "Both $Name and $($Name)_FILE are set: set one." }
    if (-not $file) { return $value }
    if (-not (Test-Path -LiteralPath $file -PathType Leaf)) { Stop-Runbook "$($Name)_FILE names '$file', which is not a readable file." }
    $text = (Get-Content -LiteralPath $file -Raw) -replace '[\r\n]+$', ''
    if (-not $text) { Stop-Runbook "$($Name)_FILE names '$file', which is empty." }
    return $text
}

function Get-RunbookCredential {
    if ($AutomationCredentialName) {
        if (-not (Get-Command Get-AutomationPSCredential -ErrorAction SilentlyContinue)) {
            Stop-Runbook "-AutomationCredentialName '$AutomationCredentialName' was given, but Get-AutomationPSCredential exists only inside Azure Automation."
        }
        return Get-AutomationPSCredential -Name $AutomationCredentialName
    }
    if ($env:MONGOBACKUP_USERNAME) {
        $password = Get-EnvironmentSecret 'MONGOBACKUP_PASSWORD'
        if (-not $password) { Stop-Runbook 'MONGOBACKUP_USERNAME is set but neither MONGOBACKUP_PASSWORD nor MONGOBACKUP_PASSWORD_FILE is.' }
        return [pscredential]::new($env:MONGOBACKUP_USERNAME, (ConvertTo-SecureString $password -AsPlainText -Force))
    }
    return $null
}

function Get-RunbookRepository([string] $Location, [string] $At, [string] $EndpointSetting) {
    # A plain location signs in the default way; a secret or endpoint from the environment makes a New-MongoRepository.
    if ($Location -match '^az://') {
        $secrets = [ordered]@{}
        foreach ($pair in @(('AZURE_STORAGE_CONNECTION_STRING', 'ConnectionString'), ('AZURE_STORAGE_SAS_TOKEN', 'SasToken'), ('AZURE_STORAGE_KEY', 'AccountKey'))) {
            $value = Get-EnvironmentSecret $pair[0]
            if ($value) { $secrets[$pair[0]] = @{ $pair[1] = ConvertTo-SecureString $value -AsPlainText -Force } }
        }
        if ($secrets.Count -gt 1) { Stop-Runbook "Set one Azure Storage secret, not $($secrets.Keys -join ' and ')." }
        $azure = @{ AzureBlob = $Location }
        if ($secrets.Count -eq 1) { $azure += @($secrets.Values)[0] }
        if ($At) { $azure.Endpoint = $At }
        if ($azure.Count -eq 1) { return $Location }
        return New-MongoRepository @azure
    }
    if ($Location -match '^s3://' -and ($At -or $ForcePathStyle)) {
        # Keys, session token and profile still come from the AWS SDK's own environment variables and files.
        $s3 = @{ S3 = $Location; ForcePathStyle = $ForcePathStyle }
        if ($At) { $s3.Endpoint = $At }
        if ($env:AWS_REGION) { $s3.Region = $env:AWS_REGION }
        return New-MongoRepository @s3
    }
    if ($At -and $Location -notmatch '^(az|s3)://') { Stop-Runbook "$EndpointSetting is for az:// and s3:// repositories, not '$Location'." }
    return $Location
}

function Copy-Offsite($Source, $Destination, [string] $DestinationName) {
    # Every complete snapshot the destination lacks, as Copy-MongoSnapshot -SkipExisting copies it; each snapshot's
    # failure collected (not the first alone), so one bad snapshot does not keep the others from their copy. Returns
    # the failures as log lines; the copied snapshots are said in one information line.
    $failures = [System.Collections.Generic.List[string]]::new()
    $copyErrors = @()
    $copied = @()
    try {
        $copied = @(Get-MongoSnapshot -Repository $Source -WarningAction SilentlyContinue |
            Copy-MongoSnapshot -Destination $Destination -SkipExisting -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable copyErrors)
    }
    catch { $copyErrors += $_ }   # a refusal of the whole copy (the destination unreachable or refused)
    foreach ($failure in $copyErrors) {
        $id = ($failure.FullyQualifiedErrorId -split ',')[0]
        if ($id -match '\s') { $id = $failure.Exception.GetType().Name }
        $failures.Add("MongoBackup copy: Failed ($id): $($failure.Exception.Message)")
    }
    $names = if ($copied) { ' ' + ($copied.Id -join ', ') } else { '' }
    Write-Information "MongoBackup copy: $($copied.Count) copied to $DestinationName$names; $($failures.Count) failed" -InformationAction Continue
    return , $failures
}

$script:Bound = $PSBoundParameters
try {
    if (-not $ConnectionString) { Stop-Runbook 'No connection string: give -ConnectionString or set MONGOBACKUP_URI.' }
    if (-not $Repository) { Stop-Runbook 'No repository: give -Repository or set MONGOBACKUP_REPOSITORY.' }
    # Every setting is read, and refused naming its variable, before anything is done.
    $StopBalancer = Read-Switch 'StopBalancer' 'MONGOBACKUP_STOP_BALANCER'
    $KeepAll = Read-Switch 'KeepAll' 'MONGOBACKUP_KEEP_ALL'
    $IncludeUsersAndRoles = Read-Switch 'IncludeUsersAndRoles' 'MONGOBACKUP_INCLUDE_USERS_AND_ROLES'
    $ForcePathStyle = Read-Switch 'ForcePathStyle' 'MONGOBACKUP_S3_FORCE_PATH_STYLE'
    # Settings with a default of the module's own are passed only when set, so the policy's documented default holds
    # (a default copied here would go stale when the module's changes).
    $compressionSetting = Get-Setting 'Compression' 'MONGOBACKUP_COMPRESSION'
    if ($compressionSetting -and $compressionSetting.Text -notin 'Zstd', 'Gzip', 'None') {
        Stop-Runbook "$($compressionSetting.Name) is '$($compressionSetting.Text)': set it to Zstd, Gzip or None."
    }
    $leaseSetting = Get-Setting 'LeaseDuration' 'MONGOBACKUP_LEASE_DURATION'
    $scope = [ordered]@{}
    foreach ($pair in @(('Database', 'MONGOBACKUP_DATABASE'), ('ExcludeDatabase', 'MONGOBACKUP_EXCLUDE_DATABASE'),
            ('Collection', 'MONGOBACKUP_COLLECTION'), ('ExcludeCollection', 'MONGOBACKUP_EXCLUDE_COLLECTION'))) {
        $names = Read-List $pair[0] $pair[1]
        if ($names) { $scope[$pair[0]] = $names }
    }
    $readPreferenceSetting = Get-Setting 'ReadPreference' 'MONGOBACKUP_READ_PREFERENCE'
    $modes = 'primary', 'primaryPreferred', 'secondary', 'secondaryPreferred', 'nearest'
    if ($readPreferenceSetting -and $readPreferenceSetting.Text -notin $modes) {
        Stop-Runbook "$($readPreferenceSetting.Name) is '$($readPreferenceSetting.Text)': set it to $($modes[0..3] -join ', ') or $($modes[4])."
    }
    $tags = Read-Pairs 'Tag' 'MONGOBACKUP_TAG' 'write name=value pairs separated by commas, e.g. env=prod,team=dba' '.' ''
    # A member as config.shards lists it and as this machine reaches it: host:port each, an IPv6 address in brackets.
    $member = '^(\[[0-9A-Fa-f:.]+\]|[^\s:=\[\]]+):\d+$'
    $hostMap = Read-Pairs 'ShardHostMap' 'MONGOBACKUP_SHARD_HOST_MAP' ('write listed=reached pairs of host:port separated by commas, ' +
        'e.g. shard0-a:27018=10.0.1.5:27018 (listed as config.shards names the member, reached as this machine reaches it)') $member $member
    $keepCounts = [ordered]@{}
    foreach ($pair in @(('KeepLast', 'MONGOBACKUP_KEEP_LAST'), ('KeepDaily', 'MONGOBACKUP_KEEP_DAILY'),
            ('KeepWeekly', 'MONGOBACKUP_KEEP_WEEKLY'), ('KeepMonthly', 'MONGOBACKUP_KEEP_MONTHLY'))) {
        $count = Read-Count $pair[0] $pair[1]
        if ($count) { $keepCounts[$pair[0]] = $count }
    }
    Import-Module $ModulePath
    # Durations are read as the module reads them, so a wrong one is named by its variable too.
    foreach ($pair in @(('FullEvery', 'MONGOBACKUP_FULL_EVERY', $FullEvery), ('KeepWithin', 'MONGOBACKUP_KEEP_WITHIN', $KeepWithin),
            ('RestoreWindow', 'MONGOBACKUP_RESTORE_WINDOW', $RestoreWindow),
            ('LeaseDuration', 'MONGOBACKUP_LEASE_DURATION', $(if ($leaseSetting) { $leaseSetting.Text })))) {
        if (-not $pair[2]) { continue }
        $name = if ($PSBoundParameters.ContainsKey($pair[0])) { "-$($pair[0])" } else { $pair[1] }
        try { $null = [MongoBackup.PowerShell.Commands.DurationArgumentAttribute]::Parse([string] $pair[2]) }
        catch { Stop-Runbook "$name is '$($pair[2])': $($_.Exception.InnerException.Message ?? $_.Exception.Message)" }
    }

    if ($CopyToEndpoint -and -not $CopyTo) { Stop-Runbook '-CopyToEndpoint (MONGOBACKUP_COPY_TO_ENDPOINT) is set without -CopyTo (MONGOBACKUP_COPY_TO): set both, or neither.' }
    # The destination is opened before the backup, so a setting it cannot read stops the run before anything is written.
    $destination = if ($CopyTo) { Get-RunbookRepository $CopyTo $CopyToEndpoint '-CopyToEndpoint (MONGOBACKUP_COPY_TO_ENDPOINT)' }
    $policy = @{
        ConnectionString = $ConnectionString
        Repository       = Get-RunbookRepository $Repository $Endpoint '-Endpoint (MONGOBACKUP_ENDPOINT)'
        FullEvery        = $FullEvery
        StopBalancer     = [bool] $StopBalancer
        IncludeUsersAndRoles = [bool] $IncludeUsersAndRoles
        Confirm          = $false
    }
    if ($compressionSetting) { $policy.Compression = $compressionSetting.Text }
    if ($leaseSetting) { $policy.LeaseDuration = $leaseSetting.Text }
    $policy += $keepCounts
    if ($KeepWithin) { $policy.KeepWithin = $KeepWithin }
    if ($RestoreWindow) { $policy.RestoreWindow = $RestoreWindow }
    $policy += $scope
    if ($readPreferenceSetting) { $policy.ReadPreference = $readPreferenceSetting.Text }
    if ($tags) { $policy.Tag = [hashtable] $tags }
    if ($hostMap) { $policy.ShardHostMap = [hashtable] $hostMap }
    $rules = @($policy.Keys) -match '^(Keep|RestoreWindow$)'
    if ($KeepAll -and $rules) { Stop-Runbook '-KeepAll (MONGOBACKUP_KEEP_ALL) keeps every snapshot: give it or keep rules, not both.' }
    if (-not $KeepAll -and -not $rules) {
        Write-Warning ('No keep rule is set, so no snapshot is ever removed and the repository grows without limit. Set ' +
            'MONGOBACKUP_KEEP_DAILY (or _LAST, _WEEKLY, _MONTHLY, _WITHIN, or MONGOBACKUP_RESTORE_WINDOW; or -Keep* parameters), or MONGOBACKUP_KEEP_ALL=true to keep everything on purpose.')
    }
    $credential = Get-RunbookCredential
    if ($credential) { $policy.Credential = $credential }
    if ($EncryptionKeyFile) { $policy.EncryptionKeyFile = $EncryptionKeyFile }

    $result = Invoke-MongoBackupPolicy @policy
    $snapshot = if ($result.Snapshot) { " $($result.Snapshot.Id)" } else { '' }
    # What retention removed and how far back point-in-time restore reaches now, after the reason, when it removed anything.
    $retention = if ($result.Removed.Count -gt 0) { " $($result.RetentionSummary)" } else { '' }
    Write-Information "MongoBackup policy: $($result.Action)$snapshot; removed $($result.Removed.Count); $($result.Reason)$retention" -InformationAction Continue
    if ([Console]::IsOutputRedirected -and $Host.Name -eq 'ConsoleHost') {
        # A log file (cron, systemd, Task Scheduler) has no width: the host would lay the result out at 80 columns and
        # wrap its reason into pieces of a few words (the module's table view wraps it to fit 80 columns itself). Written
        # as text as wide as its row, one row per run, the view's columns with the reason unwrapped.
        $result | Format-Table Action, @{ Label = 'Snapshot'; Expression = { if ($_.Snapshot) { $_.Snapshot.Id } else { '-' } } },
            @{ Label = 'Removed'; Expression = { $_.Removed.Count }; Alignment = 'Right' },
            @{ Label = 'Duration'; Expression = { if ($null -ne $_.Duration) { [MongoBackup.TimeText]::Duration($_.Duration) } }; Alignment = 'Right' },
            @{ Label = 'Reason'; Expression = { if ($_.Removed.Count -gt 0) { "$($_.Reason) $($_.RetentionSummary)" } else { $_.Reason } } } |
            Out-String -Width 4096 -Stream | ForEach-Object TrimEnd
    }
    else { $result }   # an object for whatever runs the script in-process (Azure Automation keeps it as the job's output)
    if ($CopyTo -and $result.Action -ne 'Skipped') {
        # After the backup's own summary and result, so a failed copy never reads as a failed backup.
        $copyFailures = Copy-Offsite $policy.Repository $destination $CopyTo
        if ($copyFailures.Count -gt 0) {
            # Non-terminating (the run's Stop preference would take each for a failure of the backup): one line per snapshot.
            foreach ($line in $copyFailures) { Write-Error -Message $line -ErrorId 'MongoBackup.CopyFailed' -Category WriteError -ErrorAction Continue }
            exit 2
        }
    }
    exit 0
}
catch {
    # One line a job's log can be searched for, parallel to the summary of a run that succeeded: the error id (the
    # module's ErrorIds, listed in about_MongoBackup; the part of FullyQualifiedErrorId before the command name) and
    # the message. Written to the error stream, which Azure Automation, Task Scheduler and systemd report as a failure.
    $id = ($_.FullyQualifiedErrorId -split ',')[0]
    if ($id -match '\s') { $id = $_.Exception.GetType().Name }   # a message thrown as text has no id of its own
    $line = "MongoBackup policy: Failed ($id): $($_.Exception.Message)"
    $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new(
        [System.Exception]::new($line, $_.Exception), $_.FullyQualifiedErrorId, $_.CategoryInfo.Category, $_.TargetObject))
    exit 1
}
