# Get-MongoSnapshot -Latest takes the newest full snapshot whatever it covers. When that one is narrowed (a -Database
# backup) and the repository also holds full snapshots of other scopes, it is only part of what is backed up there:
# a warning says so, naming the newest of each other scope, instead of handing on the part silently.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:repository = New-TestFolder
    $suffix = [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:shop = "latest_shop_$suffix"
    $script:hr = "latest_hr_$suffix"
    (Get-Collection $uri $shop 'orders').InsertOne((New-BsonDocument @{ _id = 1 }))
    (Get-Collection $uri $hr 'people').InsertOne((New-BsonDocument @{ _id = 1 }))
    $script:whole = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -WarningAction SilentlyContinue
    $script:shopOnly = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $shop
}

AfterAll {
    if ($script:uri) {
        $client = [MongoDB.Driver.MongoClient]::new($uri)
        foreach ($name in $shop, $hr) { $client.DropDatabase($name, [System.Threading.CancellationToken]::None) }
    }
    Stop-MongoTestServer $server
    Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-MongoSnapshot -Latest in a repository with full snapshots of several scopes' {
    It 'returns the newest full snapshot, and warns that it covers only its own scope, naming the newest of the others' {
        $latest = Get-MongoSnapshot -Repository $repository -Latest -WarningVariable warnings -WarningAction SilentlyContinue
        $latest.Id | Should -Be $shopOnly.Id
        $latest.Databases | Should -Be @($shop)
        $warnings.Count | Should -Be 1
        "$($warnings[0])" | Should -BeLike "-Latest returned $($shopOnly.Id)*covers only 'databases $shop'*also holds full snapshots of other scopes: 'all databases' (newest $($whole.Id))*-Database NAME*-Kind Full*"
    }

    It 'with -Database, returns the newest full snapshot holding it, without the warning' {
        $latest = Get-MongoSnapshot -Repository $repository -Latest -Database $hr -WarningVariable warnings -WarningAction SilentlyContinue
        $latest.Id | Should -Be $whole.Id
        $warnings | Should -BeNullOrEmpty
    }

    It 'does not warn when the newest full snapshot covers all databases' {
        $newest = Backup-MongoDatabase -ConnectionString $uri -Repository $repository
        $latest = Get-MongoSnapshot -Repository $repository -Latest -WarningVariable warnings -WarningAction SilentlyContinue
        $latest.Id | Should -Be $newest.Id
        $warnings | Should -BeNullOrEmpty
    }
}
