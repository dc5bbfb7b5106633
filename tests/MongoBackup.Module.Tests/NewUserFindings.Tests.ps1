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
    It 'shows why a removal would be refused in an 80-column terminal' {
        # The base of a restore window is refused (SnapshotInUse); the table's Detail column showed 'MongoBackup.Snapsh…'.
        $preview = Get-MongoSnapshot -Repository $repository -Id $full.Id | Remove-MongoSnapshot -WhatIf -WarningAction SilentlyContinue
        $preview.WouldRun | Should -BeFalse
        $preview | Out-String -Width 80 | Should -Match 'MongoBackup\.SnapshotInUse'
    }
}

Describe 'Invoke-MongoSnapshotRetention -WhatIf table' {
    It 'keeps a snapshot id whole in its Reason at 80 columns' {
        # The slice's Reason names the full snapshot it is based on; at 80 columns the Reason column is 14 characters
        # wide and wraps every id mid-word ('2026120' / '2T084817Z-full' / '-bb33'); at 100 and 120 it still splits ids.
        $plan = Invoke-MongoSnapshotRetention -Repository $repository -KeepLast 1 -WhatIf
        ($plan | Where-Object Id -eq $slice.Id).Reason | Should -Match ([regex]::Escape($full.Id))
        # Whitespace a wrap inserts between words is collapsed: only an id cut in the middle fails this.
        (($plan | Out-String -Width 80) -replace '\s+', ' ') | Should -Match ('full snapshot ' + [regex]::Escape($full.Id))
    }
}

Describe 'Connecting to something that is not MongoDB' {
    It 'says the port answered but not as MongoDB, instead of a driver message' {
        # A wrong port (an HTTP service, a proxy) answered; the user saw "The size of the message is invalid." after 17 s.
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
        try {
            $err = $null
            try { Backup-MongoDatabase -ConnectionString "mongodb://127.0.0.1:$port/" -Repository (New-TestFolder) -ErrorAction Stop }
            catch { $err = $_ }
            $err | Should -Not -BeNullOrEmpty
            $err.Exception.Message | Should -Match "127\.0\.0\.1:$port"
            $err.Exception.Message | Should -Not -Match 'size of the message is invalid'
            $err.Exception.Message | Should -Match 'not .*MongoDB'
        }
        finally { $listener.Stop(); $job | Remove-Job -Force }
    }
}
