# A time-series collection's counts as a DBA reads them: Restore-MongoDatabase's result counts its measurements (what
# countDocuments says on it), with its buckets beside them (what its file and the snapshot's manifest hold, each bucket
# several measurements), and Test-MongoSnapshot -ConnectionString compares its buckets with the manifest's, saying so.
# The data is mongo-tools' own time-series dump (mongorestore/testdata/timeseries_tests/ts_dump, written by mongod).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:suffix = [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:source = "tscount_$suffix"
    $script:repository = New-TestFolder
    $dump = Join-Path (Get-MongoToolsFixturePath) 'mongorestore/testdata/timeseries_tests/ts_dump'
    # Into the source server: the fixture's 10 buckets of 100 measurements each.
    $script:fromDump = Restore-MongoDatabase -Path $dump -ConnectionString $uri -Database timeseries_test -RenameDatabase "timeseries_test=$source" -NoOplogReplay
    $script:measurements = Get-DocumentCount (Get-Collection $uri $source 'foo_ts')
    $script:buckets = Get-DocumentCount (Get-Collection $uri $source 'system.buckets.foo_ts')
    $script:snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $source
}

AfterAll {
    Remove-TestRun -Uri $script:uri -Suffix $script:suffix -Server $script:server -Repository $script:repository
}

Describe 'A time-series collection with several measurements per bucket' {
    It 'holds more measurements than buckets on the source (the premise)' {
        $buckets | Should -Be 10
        $measurements | Should -Be 1000
    }

    It 'Restore-MongoDatabase from a mongodump folder counts its measurements, its buckets beside them' {
        $ts = $fromDump.Namespaces | Where-Object TargetNamespace -eq "$source.foo_ts"
        $ts.Type | Should -Be 'timeseries'
        $ts.Documents | Should -Be $measurements
        $ts.Buckets | Should -Be $buckets
        $ts.FinalDocuments | Should -Be $measurements
        $fromDump.FinalDocuments | Should -Be $measurements
        $fromDump.Buckets | Should -Be $buckets
    }

    It 'Restore-MongoDatabase of a snapshot ends holding as many measurements as the source, and says so' {
        $target = "tscount_copy_$suffix"
        $restore = $snapshot | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$source=$target"
        $restore.Succeeded | Should -BeTrue
        $ts = $restore.Namespaces | Where-Object TargetNamespace -eq "$target.foo_ts"
        $ts.FinalDocuments | Should -Be $measurements
        $ts.Documents | Should -Be $measurements
        $ts.Buckets | Should -Be $buckets
        $restore.FinalDocuments | Should -Be (Get-DocumentCount (Get-Collection $uri $target 'foo_ts'))
        # The default table a DBA reads shows the measurements (grouped, as the view formats numbers).
        $shown = [regex]::Escape(('{0:N0}' -f $measurements))
        ($restore.Namespaces | Format-Table | Out-String -Width 120) | Should -Match "$target\.foo_ts\s+True\s+$shown\s"
    }

    It 'Test-MongoSnapshot -ConnectionString compares its buckets with the manifest and reports its measurements' {
        $tested = $snapshot | Test-MongoSnapshot -ConnectionString $uri
        $tested.Passed | Should -BeTrue
        $tested.RestoreChecked | Should -BeTrue
        $count = $tested.RestoreCounts | Where-Object Namespace -eq "$source.foo_ts"
        $count.Unit | Should -Be 'buckets'
        $count.Expected | Should -Be $buckets
        $count.Restored | Should -Be $buckets
        $count.Measurements | Should -Be $measurements
        "$count" | Should -Be "$source.foo_ts: $buckets/$buckets buckets"
    }

    It 'Restore-MongoPointInTime counts the measurements the replay added to the snapshot''s' {
        # Written after the snapshot (the test server makes one bucket per measurement inserted), then saved as a slice.
        # A list: a BsonDocument written to the pipeline would be unrolled into its elements.
        $added = [System.Collections.Generic.List[MongoDB.Bson.BsonDocument]]::new()
        foreach ($i in 1..5) {
            $measurement = [MongoDB.Bson.BsonDocument]::new()
            $measurement.Add('ts', [MongoDB.Bson.BsonDateTime]::new([datetime]::new(2021, 6, 1, 0, 0, $i, [DateTimeKind]::Utc))) | Out-Null
            $measurement.Add('meta', [MongoDB.Bson.BsonDocument]::new('device', 0)) | Out-Null
            $measurement.Add('measurement', $i) | Out-Null
            $added.Add($measurement)
        }
        (Get-Collection $uri $source 'foo_ts').InsertMany($added)
        Backup-MongoOplog -ConnectionString $uri -Repository $repository | Out-Null
        $target = "tscount_pit_$suffix"

        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime ((Get-MongoRestoreWindow -Repository $repository).ToTimestamp) -RenameDatabase "$source=$target" -WarningAction SilentlyContinue

        $result.Succeeded | Should -BeTrue
        $ts = $result.Namespaces | Where-Object TargetNamespace -eq "$target.foo_ts"
        $ts.Documents | Should -Be $measurements
        $ts.Buckets | Should -Be $buckets
        $ts.FinalDocuments | Should -Be ($measurements + 5)
        $ts.FinalDocuments | Should -Be (Get-DocumentCount (Get-Collection $uri $target 'foo_ts'))
    }
}

Describe 'A dump whose time-series buckets the server refuses' {
    # mongo-tools' ts_dump_invalid_buckets: 5 documents {_id, x} in system.buckets.foo_ts, none a bucket, which MongoDB
    # refuses one by one (mongo-tools' mongorestore test "invalid system.buckets": 5 failures, nothing restored).
    It 'Restore-MongoDatabase counts them as refused, names the collection in its warnings and does not succeed' {
        $dump = Join-Path (Get-MongoToolsFixturePath) 'mongorestore/testdata/timeseries_tests/ts_dump_invalid_buckets'
        $target = "tsinvalid_$suffix"

        $result = Restore-MongoDatabase -Path $dump -ConnectionString $uri -Database timeseries_test -RenameDatabase "timeseries_test=$target" `
            -WarningVariable warned -WarningAction SilentlyContinue -ErrorVariable failed -ErrorAction SilentlyContinue

        # The namespace fails as every namespace with refused documents does: one error record naming it.
        @($failed).Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.NamespaceRestoreFailed*'
        $failed[0].Exception.Message | Should -BeLike "$target.foo_ts *5 of the 5 buckets*"
        $result.Succeeded | Should -BeFalse
        $result.DocumentsRefused | Should -Be 5
        $ts = $result.Namespaces | Where-Object TargetNamespace -eq "$target.foo_ts"
        $ts.DocumentsRefused | Should -Be 5
        $ts.Buckets | Should -Be 0
        $ts.FinalDocuments | Should -Be 0
        ($warned | Where-Object { "$_" -like "$target.foo_ts: a bucket was refused (*): Document failed validation (not a time-series bucket as MongoDB writes one*" }).Count | Should -Be 3
        "$warned" | Should -Match ([regex]::Escape("$target.foo_ts: 2 more buckets of that batch were refused."))
        Get-DocumentCount (Get-Collection $uri $target 'system.buckets.foo_ts') | Should -Be 0
    }
}
