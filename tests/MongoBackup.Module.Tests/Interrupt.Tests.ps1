# Ctrl+C as a DBA presses it: the command runs in a pipeline that is stopped while it works (PowerShell's Stop(), what
# Ctrl+C does), must end within a second, says what it left behind, and an interrupted restore is finished by running
# the same command again with -Resume.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_int_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $none = [System.Threading.CancellationToken]::None

    function Add-RandomDocuments([string] $Collection, [int] $Count, [int] $Bytes) {
        # Incompressible documents, so that neither compression nor the wire makes the run too quick to stop in.
        $target = Get-Collection $uri $db $Collection
        for ($start = 0; $start -lt $Count; $start += 20) {
            $target.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in $start..([Math]::Min($Count, $start + 20) - 1)) {
                $document = [MongoDB.Bson.BsonDocument]::new('_id', [MongoDB.Bson.BsonInt32]::new($i))
                Write-Output -NoEnumerate $document.Add('data', [MongoDB.Bson.BsonBinaryData]::new([System.Security.Cryptography.RandomNumberGenerator]::GetBytes($Bytes)))
            }))
        }
    }
    Add-RandomDocuments 'a_small' 10 1KB
    Add-RandomDocuments 'b_big' 300 512KB
    Add-RandomDocuments 'c_after' 10 1KB

    function Stop-WhenReady {
        # Runs $Script in its own pipeline, stops it (as Ctrl+C does) once $Ready says the work is under way, and returns
        # how long Stop() took, the pipeline's state and what it said; a deadline instead of a sleep.
        param([string] $Script, [scriptblock] $Ready)
        $ps = [powershell]::Create()
        [void] $ps.AddScript("Import-Module '$env:MONGOBACKUP_MODULE'; $Script")
        $handle = $ps.BeginInvoke()
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (-not (& $Ready) -and -not $handle.IsCompleted -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 10 }
        $finishedFirst = $handle.IsCompleted
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $ps.Stop()
        $stopped = $watch.Elapsed
        $result = [pscustomobject]@{
            FinishedBeforeStop = $finishedFirst
            StopTime           = $stopped
            State              = "$($ps.InvocationStateInfo.State)"
            Warnings           = @($ps.Streams.Warning | ForEach-Object Message)
            Errors             = @($ps.Streams.Error | ForEach-Object { "$_" })
        }
        $ps.Dispose()
        return $result
    }
}

AfterAll {
    if ($script:uri) {
        $client = [MongoDB.Driver.MongoClient]::new($uri)
        foreach ($name in $db, "$($db)_r") { $client.DropDatabase($name, [System.Threading.CancellationToken]::None) }
    }
    Stop-MongoTestServer $server
}

Describe 'Ctrl+C during Backup-MongoDatabase' {
    BeforeAll {
        $script:repository = New-TestFolder
        $script:backup = Stop-WhenReady "Backup-MongoDatabase -ConnectionString '$uri' -Repository '$repository' -Database $db -ParallelCollections 1" {
            @(Get-ChildItem $repository -Recurse -File -Filter 'b_big.bson*' | Where-Object Length -gt 0).Count -gt 0
        }
    }

    It 'was stopped while it wrote' {
        $backup.FinishedBeforeStop | Should -BeFalse
        $backup.State | Should -Be 'Stopped'
    }

    It 'stops within a second' {
        $backup.StopTime.TotalSeconds | Should -BeLessThan 1
    }

    It 'says that nothing was kept, and keeps nothing' {
        # The first backup into the folder first says it starts a new repository there, then what the stop left.
        $backup.Warnings | Should -HaveCount 2
        $backup.Warnings[0] | Should -BeLike "$repository holds no snapshot yet: this backup starts a new repository there.*"
        $backup.Warnings[1] | Should -BeLike 'Stopped: the backup of mongodb://* was cancelled after *: nothing was kept. Run the backup again.'
        @(Get-ChildItem $repository -Directory).Count | Should -Be 0
    }
}

Describe 'Ctrl+C during Restore-MongoDatabase, then -Resume' {
    BeforeAll {
        $script:snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository (New-TestFolder) -Database $db
        $bigCopy = Get-Collection $uri "$($db)_r" 'b_big'
        $script:restore = Stop-WhenReady "Get-MongoSnapshot -Repository '$($snapshot.Repository)' -Latest | Restore-MongoDatabase -ConnectionString '$uri' -RenameDatabase '$db=$($db)_r' -ParallelCollections 1 -InsertionWorkers 1" {
            (Get-DocumentCount $bigCopy) -gt 0
        }
        $script:leftBehind = Get-DocumentCount $bigCopy
        $script:cAfterExists = @([MongoDB.Driver.IAsyncCursorExtensions]::ToList($bigCopy.Database.ListCollectionNames($null, $none), $none)) -contains 'c_after'
        $script:readMarks = @(Get-ChildItem -Force $snapshot.Path -Filter '.mongobackup-reader-*')
    }

    It 'was stopped while it inserted' {
        $restore.FinishedBeforeStop | Should -BeFalse
        $restore.State | Should -Be 'Stopped'
        $leftBehind | Should -BeGreaterThan 0
        $leftBehind | Should -BeLessThan 300
    }

    It 'stops within a second' {
        $restore.StopTime.TotalSeconds | Should -BeLessThan 1
    }

    It 'says which namespaces are whole, which in part (as many documents as the target holds), which begun empty, and how to finish' {
        $restore.Warnings | Should -HaveCount 1
        $said = $restore.Warnings[0]
        $said | Should -BeLike "Stopped: the restore from snapshot $($snapshot.Id)* was interrupted.*"
        # The count is what the server acknowledged: exactly what the target holds after the stop (not a batch short).
        $said | Should -BeLike "*Restored in part: $($db)_r.a_small (all 10 documents, indexes not built), $($db)_r.b_big ($('{0:N0}' -f $leftBehind) documents so far).*"
        # Every target is created before data goes in: c_after exists (empty), so it is begun, not "not begun".
        $cAfterExists | Should -BeTrue
        $said | Should -BeLike "*Begun, created empty with no documents yet: $($db)_r.c_after.*"
        $said | Should -Not -BeLike '*Not begun*' 
        $said | Should -BeLike '*with -Resume to finish it*'
    }

    It 'releases its read lease: no reader mark is left on the snapshot, so removing it is not refused as being read' {
        $readMarks | Should -HaveCount 0
    }

    It 'a plain re-run is refused for the partial targets, and the error says -Resume' {
        $again = $snapshot | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$db=$($db)_r" -ErrorVariable refused -ErrorAction SilentlyContinue
        $again.Succeeded | Should -BeFalse
        ($refused | ForEach-Object { "$_" }) -join "`n" | Should -Match 'b_big already holds \d+ documents; use -Drop to replace it, -Resume to finish a restore into it that was interrupted'
    }

    It '-Resume finishes it: every namespace whole, every document once, the documents already there kept (and counted against the manifest)' {
        $result = $snapshot | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$db=$($db)_r" -Resume
        $result.Succeeded | Should -BeTrue
        $result.Failures | Should -Be 0
        ($result.Namespaces | Where-Object TargetNamespace -eq "$($db)_r.b_big").Documents | Should -Be 300
        foreach ($name in 'a_small', 'b_big', 'c_after') {
            Get-AllDocuments (Get-Collection $uri "$($db)_r" $name) | Should -Be (Get-AllDocuments (Get-Collection $uri $db $name)) -Because $name
        }
    }

    It '-Resume with -Drop is refused' {
        { $snapshot | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$db=$($db)_r" -Resume -Drop -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ExpectedMessage 'Give -Drop (start the targets over) or -Resume*'
    }
}

Describe 'Ctrl+C during Backup-MongoOplog -Continuous' {
    It 'keeps the open slice: Complete, up to the last entry it appended' {
        $repository = New-TestFolder
        $orders = Get-Collection $uri $db 'orders'
        $orders.InsertOne((New-BsonDocument @{ _id = 0 }))
        Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -Collection orders | Out-Null
        $orders.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..20) { New-BsonDocument @{ _id = $i } }))
        $last = (Get-MongoRestoreWindow -Repository $repository).ToTimestamp
        $ps = [powershell]::Create()
        [void] $ps.AddScript("Import-Module '$env:MONGOBACKUP_MODULE'; Backup-MongoOplog -ConnectionString '$uri' -Repository '$repository' -Continuous -SliceInterval 1h -Debug")
        $handle = $ps.BeginInvoke()
        try {
            # Stopped once the capture says (at -Debug) it has appended a batch of the writes above: a slice with entries is open.
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not @($ps.Streams.Debug | Where-Object { $_.Message -like 'Captured * oplog entries into slice*' }).Count -and -not $handle.IsCompleted) {
                if ([DateTime]::UtcNow -gt $deadline) { throw 'The capture appended nothing within 60 s.' }
                Start-Sleep -Milliseconds 20
            }
            $ps.Stop()
            "$($ps.InvocationStateInfo.State)" | Should -Be 'Stopped'
        }
        finally { $ps.Dispose() }
        $slices = @(Get-MongoSnapshot -Repository $repository -IncludeIncomplete | Where-Object Kind -eq 'Oplog')
        $slices | Should -HaveCount 1
        $slices[0].Status | Should -Be 'Complete'
        $slices[0].OplogEnd | Should -BeGreaterThan $last
        ($slices[0] | Test-MongoSnapshot).Passed | Should -BeTrue
    }
}
