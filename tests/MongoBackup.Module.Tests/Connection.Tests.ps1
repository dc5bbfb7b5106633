# Connection errors as a DBA meets them: each leads with the cause and the fix (the driver's dump of its cluster view stays
# in the inner exception); host:port works without mongodb://; -ConnectTimeout bounds the wait.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:hostPort = ([uri] ($uri -replace '^mongodb', 'http')).Authority
    $script:db = 'pester_conn_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    (Get-Collection $uri $db 'items').InsertOne((New-BsonDocument @{ _id = 1 }), $null, [System.Threading.CancellationToken]::None)
    $script:repository = New-TestFolder

    function Get-BackupError([string] $ConnectionString, [hashtable] $More = @{}) {
        # The error a DBA sees from a backup with this connection string, and how long it took to come.
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        try { Backup-MongoDatabase -ConnectionString $ConnectionString -Repository $repository -Database $db -ErrorAction Stop @More | Out-Null; $caught = $null }
        catch { $caught = $_ }
        [pscustomobject]@{ Error = $caught; Message = "$($caught.Exception.Message)"; Seconds = $watch.Elapsed.TotalSeconds; Id = "$($caught.FullyQualifiedErrorId)" }
    }
}

AfterAll {
    if ($script:uri) { [MongoDB.Driver.MongoClient]::new($uri).DropDatabase($db, [System.Threading.CancellationToken]::None) }
    Stop-MongoTestServer $server
    Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Connection errors lead with the cause and the fix' {
    It 'a wrong port: nothing is listening (connection refused), not a cut-off driver dump' {
        $result = Get-BackupError 'mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=1500'
        $result.Id | Should -BeLike 'MongoBackup.ServerUnreachable,*'
        $result.Message | Should -Be 'Nothing is listening at 127.0.0.1:1 (connection refused). Check that mongod is running there and the port: mongod listens on 27017 unless configured otherwise.'
        ($result.Error | Out-String) | Should -Not -Match 'CompositeServerSelector|Client view of cluster state'
    }

    It 'a port where another service answers: says it is not MongoDB, not the driver''s message' {
        # A wrong port (an HTTP service, a proxy) answered; a new user saw "The size of the message is invalid." after 17 s.
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $port = $listener.LocalEndpoint.Port
        $job = Start-ThreadJob -ArgumentList $listener -ScriptBlock {
            param($l)
            while ($true) {
                try { $c = $l.AcceptTcpClient() } catch { break }
                $s = $c.GetStream(); $b = [byte[]]::new(4096)
                try { $null = $s.Read($b, 0, $b.Length) } catch { }
                $reply = [Text.Encoding]::ASCII.GetBytes("HTTP/1.1 400 Bad Request`r`nContent-Length: 0`r`nConnection: close`r`n`r`n")
                $s.Write($reply, 0, $reply.Length); $c.Close()
            }
        }
        try { $result = Get-BackupError "mongodb://127.0.0.1:$port/?serverSelectionTimeoutMS=60000" }
        finally { $listener.Stop(); $job | Remove-Job -Force }
        $result.Id | Should -BeLike 'MongoBackup.ServerUnreachable,*'
        $result.Message | Should -BeLike "127.0.0.1:$port answered, but not as a MongoDB server*Check the port*"
        $result.Message | Should -Not -Match 'size of the message is invalid'
        # Known at the first check: the error carries that check's failure, not the selection timeout's (60 s allowed).
        $result.Error.Exception.InnerException.GetType().FullName | Should -Be 'MongoDB.Driver.MongoConnectionException'
    }

    It 'a wrong replicaSet name: names the set the server belongs to' {
        $result = Get-BackupError "mongodb://$hostPort/?replicaSet=wrongset&serverSelectionTimeoutMS=1500"
        $result.Id | Should -BeLike 'MongoBackup.ServerUnreachable,*'
        $result.Message | Should -Be "The server at $hostPort is a member of replica set 'rs0', not 'wrongset' as replicaSet=wrongset in the connection string says. Correct replicaSet= (replicaSet=rs0)."
    }

    It '-ReadPreference secondary on a set without a secondary: says so at once, with the read preference that works' {
        $result = Get-BackupError $uri @{ ReadPreference = 'secondary' }
        $result.Message | Should -BeLike "-ReadPreference secondary cannot be served: replica set 'rs0' has one member, $hostPort, its primary, and no secondary. Use -ReadPreference secondaryPreferred*"
        $result.Seconds | Should -BeLessThan 5 -Because 'the set is known to have no secondary after one hello, so there is nothing to wait for'
    }

    It 'a host that does not resolve: says DNS' {
        $result = Get-BackupError 'mongodb://no-such-host.invalid:27017/?serverSelectionTimeoutMS=1500'
        $result.Message | Should -BeLike 'The host of no-such-host.invalid:27017 does not resolve (DNS:*). Check the host name in the connection string.'
    }

    It 'a string with another scheme: says which scheme it has and which it needs, once' {
        $result = Get-BackupError 'http://db1:27017'
        $result.Id | Should -BeLike 'MongoBackup.InvalidConnectionString,*'
        $result.Message | Should -Be "'http://db1:27017' is not a MongoDB connection string: it starts with http://. A MongoDB connection string starts with mongodb:// or mongodb+srv://."
    }

    It 'a port that is not a number is named' {
        (Get-BackupError 'mongodb://db1:27O17/').Message | Should -BeLike "*the port '27O17' of 'db1:27O17' is not a number*"
    }

    It 'a password in a refused string stays hidden' {
        (Get-BackupError 'http://backup:S3cretPass@db1').Message | Should -Not -Match 'S3cretPass'
    }
}

Describe 'host:port without mongodb://' {
    It 'Backup-MongoDatabase -ConnectionString host:port backs up' {
        $snapshot = Backup-MongoDatabase -ConnectionString $hostPort -Repository (New-TestFolder) -Database $db
        $snapshot.Status | Should -Be 'Complete'
        $snapshot.Documents | Should -Be 1
    }

    It 'host:port/?replicaSet=rs0 reads the options too' {
        (Backup-MongoDatabase -ConnectionString "$hostPort/?replicaSet=rs0" -Repository (New-TestFolder) -Database $db).ReplicaSetName | Should -Be 'rs0'
    }
}

Describe '-ConnectTimeout' {
    It 'a server that accepts the connection but never answers fails after -ConnectTimeout seconds, saying so' {
        # A listener that never accepts: the operating system completes the TCP handshake, then nothing answers.
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try {
            $port = $listener.LocalEndpoint.Port
            $result = Get-BackupError "mongodb://127.0.0.1:$port/" @{ ConnectTimeout = 2 }
        }
        finally { $listener.Stop() }
        $result.Id | Should -BeLike 'MongoBackup.ServerUnreachable,*'
        # The port answered (the handshake completed): the message says so rather than blaming a firewall.
        $result.Message | Should -BeLike "127.0.0.1:$port accepted the connection but did not answer MongoDB's hello within 2 s: a service that is not MongoDB (a wrong port?)*"
        $result.Seconds | Should -BeLessThan 6
        $result.Seconds | Should -BeGreaterOrEqual 1.5
    }

    It 'is on every cmdlet that connects' {
        foreach ($command in Get-Command -Module MongoBackup | Where-Object { $_.Parameters.ContainsKey('ConnectionString') -and $_.Name -ne 'New-MongoRepository' }) {
            $command.Parameters.ContainsKey('ConnectTimeout') | Should -BeTrue -Because $command.Name
        }
    }
}
