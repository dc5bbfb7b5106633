# A time-series collection created after the base snapshot, restored to a later moment: the replay creates it, writes
# its measurements and builds its indexes from the oplog, where MongoDB logs them on system.buckets.NAME already
# translated to the buckets (breaker8 finding 5: they were translated a second time and refused, failing the restore).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:suffix = [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:none = [System.Threading.CancellationToken]::None

    function script:Invoke-DatabaseCommand([string] $Database, [string] $Json) {
        Write-Output -NoEnumerate ([MongoDB.Driver.MongoClient]::new($uri).GetDatabase($Database).RunCommand[MongoDB.Bson.BsonDocument](
            [MongoDB.Driver.Command[MongoDB.Bson.BsonDocument]] $Json, $null, $none))
    }
}

AfterAll {
    Remove-TestRun -Uri $uri -Suffix $suffix -Server $server
}

Describe 'Restore-MongoPointInTime of a time-series collection created after the base snapshot' {
    BeforeAll {
        $script:source = "tspit_$suffix"
        $script:target = "tspitr_$suffix"
        $repository = New-TestFolder
        (Get-Collection $uri $source 'a').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
        Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $source -WarningAction SilentlyContinue | Out-Null
        Invoke-DatabaseCommand $source "{create: 'm', timeseries: {timeField: 't', metaField: 'k'}}" | Out-Null
        $now = [datetime]::UtcNow
        foreach ($i in 1..5) {
            Invoke-DatabaseCommand $source ("{insert: 'm', documents: [{t: {`$date: '" + $now.AddSeconds($i).ToString('o') + "'}, k: $($i % 2), v: $i}]}") | Out-Null
        }
        Invoke-DatabaseCommand $source "{createIndexes: 'm', indexes: [{key: {k: 1, v: 1}, name: 'kv'}]}" | Out-Null
        $slice = Backup-MongoOplog -ConnectionString $uri -Repository $repository -WarningAction SilentlyContinue

        $script:result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime $slice.OplogEnd `
            -RenameDatabase @{ $source = $target } -ErrorAction SilentlyContinue -ErrorVariable problems
        $script:problems = @($problems | ForEach-Object { $_.Exception.Message })
    }

    It 'succeeds, with no namespace failed' {
        $problems | Should -BeNullOrEmpty
        $result.Succeeded | Should -BeTrue
    }

    It 'restores all its measurements' {
        Get-DocumentCount (Get-Collection $uri $target 'm') | Should -Be 5
    }

    It 'restores its indexes as the source has them: the default meta and time index and the one created on it' {
        $expected = @('k_1_t_1={ "k" : 1, "t" : 1 }', 'kv={ "k" : 1, "v" : 1 }')
        Get-IndexKeys (Get-Collection $uri $source 'm') | Should -Be $expected
        Get-IndexKeys (Get-Collection $uri $target 'm') | Should -Be $expected
    }
}
