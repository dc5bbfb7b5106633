# Shared by the Pester files: the module under test and one MongoDB to run against.
# MONGOBACKUP_TEST_URI wins (any real server); otherwise the in-memory wire-protocol server is started.

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

function Start-MongoTestServer {
    # -Arguments (e.g. --auth USER:PASSWORD, --tls FILE.pfx) asks for a server mode only the in-memory server is started in.
    param([string[]] $Arguments = @())
    if ($env:MONGOBACKUP_TEST_URI -and $Arguments.Count -eq 0) { return [pscustomobject]@{ Process = $null; Uri = $env:MONGOBACKUP_TEST_URI } }
    $repo = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $dll = Join-Path $repo 'tests/MongoBackup.TestServer/bin/Release/net10.0/MongoBackup.TestServer.dll'
    $info = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @($dll, '--port', '0', '--replSet', 'rs0') + $Arguments) { $info.ArgumentList.Add($a) }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardInput = $true
    $info.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($info)
    $line = $process.StandardOutput.ReadLine()
    if ($line -notmatch '^ready (mongodb://\S+)$') {
        if (-not $process.HasExited) { $process.Kill() }
        throw "The in-memory test server did not start; it said: '$line'."
    }
    return [pscustomobject]@{ Process = $process; Uri = $Matches[1] }
}

function Stop-MongoTestServer {
    param($Server)
    if ($null -eq $Server -or $null -eq $Server.Process) { return }
    # Closing stdin is the server's signal to stop.
    $Server.Process.StandardInput.Close()
    if (-not $Server.Process.WaitForExit(10000)) { $Server.Process.Kill() }
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

function Get-DatabaseName {
    param([string] $Uri)
    $names = Read-Cursor ([MongoDB.Driver.MongoClient]::new($Uri).ListDatabaseNames([System.Threading.CancellationToken]::None))
    return @($names)
}

function Invoke-ConcurrentPolicyRun {
    # Two Invoke-MongoBackupPolicy runs on one repository released at the same instant, each in its own thread job
    # with the module imported there, as two scheduled jobs overlapping; returns both results. So that the first run
    # still holds the lease when the second asks for it (a backup of a few small collections ends in milliseconds),
    # the server gets a database of 48 MiB of incompressible data for the length of the two runs.
    param([string] $Uri, $Repository)
    $bulk = 'pester_bulk_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $blobs = Get-Collection $Uri $bulk 'blobs'
    $blobs.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..48) {
        $document = [MongoDB.Bson.BsonDocument]::new('_id', [MongoDB.Bson.BsonInt32]::new($i))
        Write-Output -NoEnumerate $document.Add('data', [MongoDB.Bson.BsonBinaryData]::new([System.Security.Cryptography.RandomNumberGenerator]::GetBytes(1MB)))
    }))
    try {
        $start = [System.Threading.ManualResetEventSlim]::new($false)
        $jobs = foreach ($n in 1, 2) {
            Start-ThreadJob -ArgumentList $env:MONGOBACKUP_MODULE, $Uri, $Repository, $start -ScriptBlock {
                param($module, $uri, $repository, $start)
                Import-Module $module
                $start.Wait()
                Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -FullEvery '1.00:00:00' -WarningAction SilentlyContinue
            }
        }
        Start-Sleep -Seconds 2   # both jobs have imported the module and wait at the gate
        $start.Set()
        return @($jobs | Receive-Job -Wait -AutoRemoveJob -ErrorAction Stop)
    }
    finally { [MongoDB.Driver.MongoClient]::new($Uri).DropDatabase($bulk, [System.Threading.CancellationToken]::None) }
}
