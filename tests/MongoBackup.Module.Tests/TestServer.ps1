# Shared by the Pester files: the module under test and one MongoDB to run against (Start-MongoTestServer and
# Stop-MongoTestServer, from the test server's own launcher: MONGOBACKUP_TEST_URI wins, otherwise the in-memory server).
Import-Module (Join-Path $PSScriptRoot '../MongoBackup.TestServer/TestServer.psm1') -Force
. (Join-Path $PSScriptRoot '../Shared/FixturePaths.ps1')

function Import-MongoBackupModule {
    if (-not $env:MONGOBACKUP_MODULE) { throw 'MONGOBACKUP_MODULE is not set: run the tests through build.ps1 -Task Test.' }
    Import-Module $env:MONGOBACKUP_MODULE -Force
    Import-TestDriver
    Register-EngineTypeNames
}

function Get-EngineAssembly {
    # The engine lives in the module's own load context; asking the default context by name goes through the module's
    # resolver, which hands back that very copy (the one the cmdlets use).
    [System.Reflection.Assembly]::Load('MongoBackup.Engine')
}

function Register-EngineTypeNames {
    # PowerShell resolves [Type.Names] only among the default context's assemblies, so the isolated engine's types are
    # unknown by name. The tests build manifests and read error ids with them: give them their full names as accelerators.
    $accelerators = [psobject].Assembly.GetType('System.Management.Automation.TypeAccelerators')
    foreach ($type in (Get-EngineAssembly).GetExportedTypes()) {
        if (-not $type.IsGenericTypeDefinition) { [void] $accelerators::Add($type.FullName, $type) }
    }
}

function Import-TestDriver {
    # The module keeps MongoDB.Driver in its own load context, out of scripts' sight. The tests seed and read data with
    # a copy of the same driver from the module's bin/deps, loaded into the session; the module still uses its own.
    $deps = Join-Path (Split-Path -Parent $env:MONGOBACKUP_MODULE) 'bin/deps'
    foreach ($name in 'MongoDB.Bson', 'MongoDB.Driver') { [void] [System.Reflection.Assembly]::LoadFrom((Join-Path $deps "$name.dll")) }
}

function New-TestFolder {
    $path = Join-Path ([System.IO.Path]::GetTempPath()) ("mongobackup-tests-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $path | Out-Null
    return $path
}

function Edit-SnapshotManifest {
    # Edits a plain snapshot's manifest.json by hand, as someone tampering with it would: $Edit gets it as a hashtable.
    param([string] $SnapshotPath, [scriptblock] $Edit)
    $manifestPath = Join-Path $SnapshotPath 'manifest.json'
    $manifest = Get-Content $manifestPath -Raw | ConvertFrom-Json -AsHashtable
    & $Edit $manifest
    $manifest | ConvertTo-Json -Depth 10 | Set-Content $manifestPath
}

function Wait-ServerClockPast {
    # Polls the server's clock (hello's localTime) until it is past the moment; a write after this is logged later.
    param([string] $Uri, [datetime] $Moment)
    $admin = [MongoDB.Driver.MongoClient]::new($Uri).GetDatabase('admin')
    $deadline = [datetime]::UtcNow.AddSeconds(10)
    while ($admin.RunCommand[MongoDB.Bson.BsonDocument]([MongoDB.Driver.Command[MongoDB.Bson.BsonDocument]] '{hello: 1}', $null, [System.Threading.CancellationToken]::None)['localTime'].ToUniversalTime() -le $Moment) {
        if ([datetime]::UtcNow -gt $deadline) { throw "The server's clock did not pass $($Moment.ToString('o')) within 10 seconds." }
        Start-Sleep -Milliseconds 1
    }
}

function Get-Collection {
    param([string] $Uri, [string] $Database, [string] $Collection)
    $client = [MongoDB.Driver.MongoClient]::new($Uri)
    return $client.GetDatabase($Database).GetCollection[MongoDB.Bson.BsonDocument]($Collection, $null)
}

function Get-AllDocuments {
    # The documents of a collection as JSON strings (ToJson is an extension method PowerShell cannot see), sorted by _id, for comparing two collections.
    param($Collection)
    $sort = [MongoDB.Bson.BsonDocument]::new('_id', 1)
    $options = [MongoDB.Driver.FindOptions[MongoDB.Bson.BsonDocument, MongoDB.Bson.BsonDocument]]::new()
    $options.Sort = [MongoDB.Driver.SortDefinition[MongoDB.Bson.BsonDocument]] $sort
    $cursor = $Collection.FindSync((New-EmptyFilter), $options, [System.Threading.CancellationToken]::None)
    $documents = Read-Cursor $cursor
    return @(foreach ($document in $documents) { $document.ToString() })
}

function Get-IndexKeys {
    # name=key pairs of a collection's indexes, sorted, for comparing two collections.
    param($Collection)
    $indexes = Read-Cursor $Collection.Indexes.List([System.Threading.CancellationToken]::None)
    return @(foreach ($index in $indexes) { "$($index.GetValue('name').ToString())=$($index.GetValue('key').ToString())$(if ($index.Contains('unique')) { ' unique' })" }) | Sort-Object
}

function New-BsonDocument {
    # A BSON document from a hashtable, through JSON so nested arrays and documents keep their shape.
    param([System.Collections.IDictionary] $Values)
    # A BsonDocument is enumerable: keep PowerShell from unrolling it into its elements.
    Write-Output -NoEnumerate ([MongoDB.Bson.BsonDocument]::Parse(($Values | ConvertTo-Json -Depth 10 -Compress)))
}

function Write-BsonFile {
    # Each JSON document written as BSON, one after the other, as mongodump writes a collection's .bson file.
    param([string] $Path, [string[]] $Json)
    $stream = [System.IO.File]::Create($Path)
    try {
        foreach ($text in $Json) {
            $writer = [MongoDB.Bson.IO.BsonBinaryWriter]::new($stream)
            [MongoDB.Bson.Serialization.BsonSerializer]::Serialize($writer, [MongoDB.Bson.BsonDocument], [MongoDB.Bson.BsonDocument]::Parse($text))
            $writer.Flush()
        }
    } finally { $stream.Dispose() }
}

function New-EmptyFilter {
    [MongoDB.Driver.FilterDefinition[MongoDB.Bson.BsonDocument]] [MongoDB.Bson.BsonDocument]::new()
}

function Read-Cursor {
    # The driver's ToList is an extension method, which PowerShell does not see on the cursor itself.
    param($Cursor)
    # Returned whole: PowerShell would otherwise unroll each BsonDocument into its elements.
    Write-Output -NoEnumerate ([MongoDB.Driver.IAsyncCursorExtensions]::ToList($Cursor, [System.Threading.CancellationToken]::None))
}

function Get-DocumentCount {
    param($Collection)
    $Collection.CountDocuments((New-EmptyFilter), $null, [System.Threading.CancellationToken]::None)
}

function Remove-TestRun {
    # A test file's AfterAll: drops the databases it named with its random $Suffix, stops its server, removes its repository.
    param([string] $Uri, [string] $Suffix, $Server, [string] $Repository)
    if ($Uri) {
        $client = [MongoDB.Driver.MongoClient]::new($Uri)
        foreach ($name in Get-DatabaseName $Uri | Where-Object { $_ -like "*_$Suffix*" }) { $client.DropDatabase($name, [System.Threading.CancellationToken]::None) }
    }
    Stop-MongoTestServer $Server
    if ($Repository) { Remove-Item $Repository -Recurse -Force -ErrorAction SilentlyContinue }
}

function Get-DatabaseName {
    param([string] $Uri)
    $names = Read-Cursor ([MongoDB.Driver.MongoClient]::new($Uri).ListDatabaseNames([System.Threading.CancellationToken]::None))
    return @($names)
}

function Invoke-Admin {
    # Runs $Command (a hashtable, [ordered] where the command name must come first) on the admin database of $Uri (a
    # mongos, or any server); returns the reply whole: a BsonDocument is enumerable, and PowerShell would unroll it.
    param([Parameter(Mandatory)] [string] $Uri, [Parameter(Mandatory)] [System.Collections.IDictionary] $Command)
    $admin = [MongoDB.Driver.MongoClient]::new($Uri).GetDatabase('admin')
    return , $admin.RunCommand[MongoDB.Bson.BsonDocument]((New-BsonDocument $Command), $null, [System.Threading.CancellationToken]::None)
}

function Set-PeriodicNoops {
    # Switches a replica-set primary's periodic no-ops on or off (writePeriodicNoops, which mongod lets setParameter change
    # at runtime; repl_server_parameters.idl). An idle primary writes one every periodicNoopIntervalSecs (10 s by default,
    # noop_writer.cpp), and an oplog slice saves it: a test that needs an oplog with nothing new switches them off around it.
    param([Parameter(Mandatory)] [string] $Uri, [Parameter(Mandatory)] [bool] $Enabled)
    Invoke-Admin $Uri ([ordered]@{ setParameter = 1; writePeriodicNoops = $Enabled }) | Out-Null
}

function Get-BalancerMode([string] $Uri) {
    # The balancer's mode as balancerStatus gives it on the mongos at $Uri: 'full' while it runs, 'off' once stopped.
    return (Invoke-Admin $Uri @{ balancerStatus = 1 })['mode'].AsString
}

# shop.orders of a test cluster as the sharded chain tests use it: sharded on _id, orders 1 to 100 {qty: 0}, [MinKey, 50)
# on shard0 and [50, MaxKey) moved to shard1 (a migration that has just ended).
function Initialize-ShardedOrders([string] $Uri) {
    Invoke-Admin $Uri ([ordered]@{ enableSharding = 'shop'; primaryShard = 'shard0' }) | Out-Null
    Invoke-Admin $Uri ([ordered]@{ shardCollection = 'shop.orders'; key = @{ _id = 1 } }) | Out-Null
    (Get-Collection $Uri 'shop' 'orders').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..100) { New-BsonDocument ([ordered]@{ _id = $i; qty = 0 }) }))
    Invoke-Admin $Uri ([ordered]@{ split = 'shop.orders'; middle = @{ _id = 50 } }) | Out-Null
    Invoke-Admin $Uri ([ordered]@{ moveChunk = 'shop.orders'; find = @{ _id = 50 }; to = 'shard1' }) | Out-Null
}

# The _ids of a collection's documents (integers), sorted: Get-AllDocuments gives each as JSON, { "_id" : 7, ... }.
function Get-OrderIds([string] $Uri, [string] $Database, [string] $Collection = 'orders') {
    return @(Get-AllDocuments (Get-Collection $Uri $Database $Collection) | ForEach-Object { [int] ($_ | ConvertFrom-Json)._id } | Sort-Object)
}

function Invoke-ConcurrentPolicyRun {
    # Two Invoke-MongoBackupPolicy runs on one repository released at the same instant, each in its own thread job
    # with the module imported there, as two scheduled jobs overlapping; returns both results. So that the run that
    # took the lease still holds it when the other asks (a backup of a few small collections ends in milliseconds), the
    # engine's test seam (BackupPolicyRunner.LeaseTakenForTests) holds a run that took the lease until the first job
    # has returned; if both took it, neither returns, and after a minute both are let go to show it.
    param([string] $Uri, $Repository)
    if (-not ('MongoBackupTests.HoldGate' -as [type])) {
        Add-Type -TypeDefinition @'
namespace MongoBackupTests
{
    /// <summary>Holds whatever awaits Hold until Release is called.</summary>
    public sealed class HoldGate
    {
        private readonly System.Threading.Tasks.TaskCompletionSource _release =
            new System.Threading.Tasks.TaskCompletionSource(System.Threading.Tasks.TaskCreationOptions.RunContinuationsAsynchronously);

        public System.Threading.Tasks.Task Hold(string location, System.Threading.CancellationToken ct) { return _release.Task.WaitAsync(ct); }

        public void Release() { _release.TrySetResult(); }
    }
}
'@
    }
    $gate = [MongoBackupTests.HoldGate]::new()
    $seam = (Get-EngineAssembly).GetType('MongoBackup.Engine.Policy.BackupPolicyRunner', $true).GetProperty('LeaseTakenForTests', [System.Reflection.BindingFlags] 'NonPublic, Static')
    $seam.SetValue($null, [Delegate]::CreateDelegate($seam.PropertyType, $gate, 'Hold'))
    try {
        $ready = [System.Threading.CountdownEvent]::new(2)
        $start = [System.Threading.ManualResetEventSlim]::new($false)
        $jobs = foreach ($n in 1, 2) {
            Start-ThreadJob -ArgumentList $env:MONGOBACKUP_MODULE, $Uri, $Repository, $ready, $start -ScriptBlock {
                param($module, $uri, $repository, $ready, $start)
                Import-Module $module
                [void] $ready.Signal()
                $start.Wait()
                Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -FullEvery '1.00:00:00' -WarningAction SilentlyContinue
            }
        }
        if (-not $ready.Wait([TimeSpan]::FromMinutes(1))) { throw 'The two policy runs did not get ready within a minute.' }
        $start.Set()
        Wait-Job -Job $jobs -Any -Timeout 60 | Out-Null # the run that did not get the lease, while the other holds it
        $gate.Release()
        return @($jobs | Receive-Job -Wait -AutoRemoveJob -ErrorAction Stop)
    }
    finally {
        $seam.SetValue($null, $null)
        $gate.Release()
    }
}

function Invoke-RunbookWithEnvironment {
    # The shipped runbook in a fresh pwsh as systemd starts it: settings in the environment only (each variable set for the
    # run, then cleared). Under 'dotnet pwsh' the process is dotnet, so pwsh.dll runs through it.
    param([hashtable] $Environment)
    $arguments = @('-NoProfile', '-NonInteractive', '-File', (Resolve-Path (Join-Path $PSScriptRoot '../../examples/Invoke-MongoBackupRunbook.ps1')).Path)
    $exe = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $arguments = @(Join-Path $PSHOME 'pwsh.dll') + $arguments }
    foreach ($name in $Environment.Keys) { [Environment]::SetEnvironmentVariable($name, $Environment[$name]) }
    try { $output = & $exe @arguments 2>&1 | Out-String; [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output } }
    finally { foreach ($name in $Environment.Keys) { [Environment]::SetEnvironmentVariable($name, $null) } }
}

function Invoke-Runbook {
    # The runbook as the cron recipe runs it: settings only in the environment (a $null value unsets a variable), its output
    # appended to a log file; returns the exit code and the log.
    param([hashtable] $Environment, [string[]] $Arguments = @())
    $saved = @{}
    foreach ($name in @($Environment.Keys) + 'MONGOBACKUP_MODULE') { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
    try {
        foreach ($name in $Environment.Keys) { [Environment]::SetEnvironmentVariable($name, $Environment[$name]) }
        # Started as the cron recipe has it, appending to a log file (sh -c '... >> log 2>&1'). Not through PowerShell's own
        # native-command call, whose capture of the output a scheduler does not have.
        $command = @([Environment]::ProcessPath)
        if ([IO.Path]::GetFileNameWithoutExtension($command[0]) -eq 'dotnet') { $command += Join-Path $PSHOME 'pwsh.dll' }
        $runbook = (Resolve-Path (Join-Path $PSScriptRoot '../../examples/Invoke-MongoBackupRunbook.ps1')).Path
        $command += @('-NoProfile', '-NonInteractive', '-File', $runbook) + $Arguments
        $log = Join-Path (New-TestFolder) 'mongobackup.log'
        $info = [System.Diagnostics.ProcessStartInfo]::new('/bin/sh')
        foreach ($a in @('-c', 'exec "$@" >> "$LOG" 2>&1', 'sh') + $command) { $info.ArgumentList.Add($a) }
        $info.Environment['LOG'] = $log
        $info.UseShellExecute = $false
        $process = [System.Diagnostics.Process]::Start($info)
        $process.WaitForExit()
        [pscustomobject]@{ ExitCode = $process.ExitCode; Output = [IO.File]::ReadAllText($log) }
    }
    finally { foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) } }
}
