# Get-MongoSnapshot's help, Example 5, as an auditor runs it: the CSV it writes has plain columns (ISO 8601 UTC times,
# seconds, bytes) whatever the session's culture, and no cell with every file's path.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_audit_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    (Get-Collection $uri $db 'orders').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..1500) { New-BsonDocument ([ordered]@{ _id = $i; n = "order $i" }) }))
    $script:root = New-TestFolder
    $script:repository = Join-Path $root 'mongo'
    $script:full = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -WarningAction SilentlyContinue
    (Get-Collection $uri $db 'orders').InsertOne((New-BsonDocument ([ordered]@{ _id = 0 })), $null, [System.Threading.CancellationToken]::None)
    $script:slice = Backup-MongoOplog -ConnectionString $uri -Repository $repository
    # The example's code, as the help shows it, pointed at this repository and a scratch CSV.
    $help = Get-Content (Join-Path $PSScriptRoot '../../docs/Get-MongoSnapshot.md') -Raw
    $code = [regex]::Match($help, '(?s)### Example 5:[^\n]*\n```powershell\n(.*?)```').Groups[1].Value
    $script:csv = Join-Path $root 'audit.csv'
    $script:example = [scriptblock]::Create($code.Replace('/backups/mongo', $repository).Replace('./mongo-backups-audit.csv', $csv))
}

AfterAll {
    if ($script:uri) { [MongoDB.Driver.MongoClient]::new($uri).DropDatabase($db, [System.Threading.CancellationToken]::None) }
    Remove-Item $root -Recurse -Force -ErrorAction SilentlyContinue
    Stop-MongoTestServer $server
}

Describe 'Get-MongoSnapshot help Example 5 (an audit CSV)' {
    It 'writes one row per snapshot with ISO 8601 UTC times, seconds and bytes, under a German culture too' {
        $culture = [cultureinfo]::CurrentCulture
        try {
            [cultureinfo]::CurrentCulture = 'de-DE'
            & $example
        } finally { [cultureinfo]::CurrentCulture = $culture }
        $rows = @(Import-Csv $csv)
        $rows.Count | Should -Be 2
        @($rows[0].PSObject.Properties.Name) | Should -Not -Contain 'Files'
        $row = $rows | Where-Object Id -EQ $full.Id
        $row.StartTimeUtc | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$'
        [DateTimeOffset]::Parse($row.StartTimeUtc, [cultureinfo]::InvariantCulture) | Should -Be $full.StartTime.ToUniversalTime().AddTicks(-($full.StartTime.Ticks % 10000))
        $row.ConsistentAtUtc | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$'
        $row.DurationSeconds | Should -Match '^\d+(\.\d{1,3})?$'
        [double]::Parse($row.DurationSeconds, [cultureinfo]::InvariantCulture) | Should -BeLessOrEqual ($full.Duration.TotalSeconds + 0.001)
        $row.SizeBytes | Should -Be "$($full.SizeBytes)"
        $row.Documents | Should -Be '1500'
        $row.Databases | Should -Be $db
        ($rows | Where-Object Id -EQ $slice.Id).Entries | Should -Be "$($slice.Entries)"
        (Get-Content $csv | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessThan 400
    }
}
