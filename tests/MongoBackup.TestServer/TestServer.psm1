# The in-memory MongoDB test server from PowerShell: the build's demo and the Pester tests start it here, through its
# launcher (MongoBackup.TestServer.TestServerProcess, the same one the benchmark uses), so every caller runs the one
# command line the same way. .NET tests start it in their own process with MongoTestServer.Start instead.

function Start-MongoTestServer {
    <#
    .SYNOPSIS
        A MongoDB to run against: MONGOBACKUP_TEST_URI's when it is set, otherwise a new in-memory replica set (rs0).
    .DESCRIPTION
        Returns an object with Uri (the connection string), Process (the running server, or $null for
        MONGOBACKUP_TEST_URI's) and Members (for -Sharded: every member's Role, Name and ConnectionString); hand it to
        Stop-MongoTestServer. The server is the build output of
        tests/MongoBackup.TestServer (build.ps1 -Task Build), started on a free loopback port.
    .PARAMETER Arguments
        More options of the server's command line (--auth USER:PASSWORD, --tls FILE.pfx, --oplogSizeMB N, --mongodbVersion 8.0,
        --setParameter NAME=VALUE). They ask for a server only the in-memory one can be, so with any of them it is started
        even when MONGOBACKUP_TEST_URI is set.
    .PARAMETER Sharded
        A sharded cluster in one process instead (--sharded): Uri is its mongos; Members lists the mongos, the config
        server replica set (configRepl) and the shards (shard0, ...). Always the in-memory one.
    .PARAMETER Shards
        With -Sharded, the number of shards (2 by default).
    .PARAMETER Configuration
        The build configuration whose server runs (Release by default, as build.ps1 builds).
    .EXAMPLE
        $server = Start-MongoTestServer
        $deps = Join-Path (Get-Module MongoBackup).ModuleBase 'bin/deps'
        Add-Type -Path (Join-Path $deps 'MongoDB.Bson.dll'), (Join-Path $deps 'MongoDB.Driver.dll')
        $client = [MongoDB.Driver.MongoClient]::new($server.Uri)
        $client.GetDatabase('shop').GetCollection[MongoDB.Bson.BsonDocument]('orders', $null).InsertOne([MongoDB.Bson.BsonDocument]::Parse('{ _id: 1, total: 2 }'))

        Loads data into the test server with the MongoDB.Driver the MongoBackup module ships (import the module first);
        README.md ("Loading data into it") has the whole example, backup included.
    #>
    [CmdletBinding()]
    param(
        [string[]] $Arguments = @(),
        [switch] $Sharded,
        [ValidateRange(1, 16)] [int] $Shards = 2,
        [ValidateSet('Debug', 'Release')] [string] $Configuration = 'Release'
    )
    if ($env:MONGOBACKUP_TEST_URI -and $Arguments.Count -eq 0 -and -not $Sharded) {
        return [pscustomobject]@{ Process = $null; Uri = $env:MONGOBACKUP_TEST_URI; Members = @() }
    }
    if (-not ('MongoBackup.TestServer.TestServerProcess' -as [type])) {
        $dll = Join-Path $PSScriptRoot "bin/$Configuration/net10.0/MongoBackup.TestServer.dll"
        if (-not (Test-Path $dll)) { throw "The test server is not built ('$dll' is missing): run build.ps1 -Task Build first." }
        Add-Type -Path $dll
    }
    $topology = if ($Sharded) { @('--sharded', '--shards', "$Shards") } else { @('--replSet', 'rs0') }
    $process = [MongoBackup.TestServer.TestServerProcess]::Start([string[]] (@('--port', '0') + $topology + $Arguments), $null)
    return [pscustomobject]@{ Process = $process; Uri = $process.ConnectionString; Members = @($process.Members) }
}

function Stop-MongoTestServer {
    <#
    .SYNOPSIS
        Stops a server Start-MongoTestServer started (closing its standard input); nothing for MONGOBACKUP_TEST_URI's.
    #>
    [CmdletBinding()]
    param($Server)
    if ($null -ne $Server -and $null -ne $Server.Process) { $Server.Process.Dispose() }
}

Export-ModuleMember -Function Start-MongoTestServer, Stop-MongoTestServer
