# Faults a DBA new to the module met in a first week of use (helper report newuser-report.md), written as that user
# checks them: what the cmdlet says, what -WhatIf promises against what the run does, what an 80-column table shows.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_nu_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:items = Get-Collection $uri $db 'items'
    $items.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..50) { New-BsonDocument ([ordered]@{ _id = $i; name = "item $i" }) }))
    $script:repository = New-TestFolder
    $script:full = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -WarningAction SilentlyContinue
    $items.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 51..60) { New-BsonDocument ([ordered]@{ _id = $i; name = "item $i" }) }))
    $script:slice = Backup-MongoOplog -ConnectionString $uri -Repository $repository -WarningAction SilentlyContinue
}

AfterAll {
    if ($script:uri) { [MongoDB.Driver.MongoClient]::new($uri).DropDatabase($db, [System.Threading.CancellationToken]::None) }
    Stop-MongoTestServer $server
    Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Remove-MongoSnapshot -WhatIf' {
    It 'says it would refuse a snapshot that another run is still writing, as the real run refuses it' {
        # A backup killed (SIGTERM, a scheduler's timeout) leaves its folder with a writer mark that runs on for a while;
        # -IncludeIncomplete shows it InProgress. The real removal refuses it (it could be a live run); -WhatIf said True.
        $open = Join-Path $repository '20260601T000000Z-full-f00d'
        New-Item -ItemType Directory $open -Force | Out-Null
        $mark = [MongoBackup.Engine.Repository.LeaseRecord]::new('dbhost 4242 (full backup)', 'a1', [datetimeoffset]::UtcNow.AddMinutes(2))
        Set-Content (Join-Path $open '.mongobackup-writer-1') $mark.Serialize()
        try {
            $target = Get-MongoSnapshot -Repository $repository -IncludeIncomplete | Where-Object Id -eq '20260601T000000Z-full-f00d'
            $target.Status | Should -Be 'InProgress'
            { $target | Remove-MongoSnapshot -Confirm:$false -ErrorAction Stop } | Should -Throw '*still being written*'
            $preview = $target | Remove-MongoSnapshot -WhatIf -WarningAction SilentlyContinue
            $preview.WouldRun | Should -BeFalse -Because 'the same removal without -WhatIf refuses it: the preview must not promise it'
        }
        finally { Remove-Item $open -Recurse -Force }
    }
}
