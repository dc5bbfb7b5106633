# The test server's sharded mode as the Pester tests start it: Start-MongoTestServer -Sharded gives the mongos's Uri and
# every member's address, for the cluster backup and restore tests to reach the shards and the config server directly.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer -Sharded -Shards 3
}

AfterAll {
    Stop-MongoTestServer $server
}

Describe 'Start-MongoTestServer -Sharded' {
    It 'starts a mongos, a config server replica set and the shards, and reports each' {
        $server.Uri | Should -Match '^mongodb://127\.0\.0\.1:\d+/$'
        @($server.Members | ForEach-Object Role) | Should -Be @('mongos', 'config', 'shard', 'shard', 'shard')
        @($server.Members | ForEach-Object Name) | Should -Be @('mongos', 'configRepl', 'shard0', 'shard1', 'shard2')
        ($server.Members | Where-Object Name -eq 'shard1').ConnectionString | Should -Match '\?replicaSet=shard1$'
    }

    It 'serves listShards on the mongos, naming each shard with its replica set host' {
        $client = [MongoDB.Driver.MongoClient]::new($server.Uri)
        $reply = $client.GetDatabase('admin').RunCommand[MongoDB.Bson.BsonDocument]([MongoDB.Bson.BsonDocument]::new('listShards', 1), $null, [System.Threading.CancellationToken]::None)
        $hosts = @($reply['shards'] | ForEach-Object { $_['host'].AsString })
        $hosts.Count | Should -Be 3
        $shard0 = ($server.Members | Where-Object Name -eq 'shard0').ConnectionString
        $port = ([uri] $shard0).Port
        $hosts[0] | Should -Be "shard0/127.0.0.1:$port"
    }
}
