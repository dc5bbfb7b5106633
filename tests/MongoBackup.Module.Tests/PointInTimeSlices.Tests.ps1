# Which oplog slices a point-in-time restore reads: only those up to the one that holds the moment (breaker8 finding 1).
# A slice after the moment is neither read, verified, leased nor reported, so a damaged newest slice (bit rot, a bad copy:
# the likeliest one to be hit during an incident) does not take away the restores to earlier moments.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:suffix = [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:none = [System.Threading.CancellationToken]::None
    $script:db = "pitslices_$suffix"
    $script:repository = New-TestFolder

    # A full backup and three slices, one write in each.
    $items = Get-Collection $uri $db 'items'
    $items.InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
    $script:full = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -WarningAction SilentlyContinue
    $items.InsertOne((New-BsonDocument @{ _id = 2 }), $null, $none)
    $script:first = Backup-MongoOplog -ConnectionString $uri -Repository $repository -WarningAction SilentlyContinue
    $items.InsertOne((New-BsonDocument @{ _id = 3 }), $null, $none)
    $script:second = Backup-MongoOplog -ConnectionString $uri -Repository $repository -WarningAction SilentlyContinue
    $items.InsertOne((New-BsonDocument @{ _id = 4 }), $null, $none)
    $script:third = Backup-MongoOplog -ConnectionString $uri -Repository $repository -WarningAction SilentlyContinue

    function script:Get-Items([string] $Database) { Get-AllDocuments (Get-Collection $uri $Database 'items') }
}

AfterAll {
    Remove-TestRun -Uri $uri -Suffix $suffix -Server $server -Repository $repository
}

Describe 'Restore-MongoPointInTime replays only the slices up to the moment' {
    It 'lists in SliceIds only the slices it replayed, not the newer slice after the moment' {
        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime $second.OplogEnd -RenameDatabase @{ $db = "$($db)_a" }

        $result.Succeeded | Should -BeTrue
        @($result.SliceIds) | Should -Be @($first.Id, $second.Id) -Because "slice $($third.Id) starts after the moment"
        $result.SlicesApplied | Should -Be 2
        Get-Items "$($db)_a" | Should -Be @('{ "_id" : 1 }', '{ "_id" : 2 }', '{ "_id" : 3 }')
    }

    It 'restores the base snapshot''s own moment with no slice at all' {
        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime $full.ConsistentAtTimestamp -RenameDatabase @{ $db = "$($db)_base" }

        $result.Succeeded | Should -BeTrue
        @($result.SliceIds) | Should -BeNullOrEmpty
        Get-Items "$($db)_base" | Should -Be @('{ "_id" : 1 }')
    }

    Context 'when the newest slice is damaged' {
        BeforeAll {
            # One bit flipped in the middle of the newest slice's oplog file.
            $file = (Get-ChildItem (Join-Path $repository $third.Id) -Filter 'oplog.bson*').FullName
            $bytes = [System.IO.File]::ReadAllBytes($file)
            $bytes[[int]($bytes.Length / 2)] = $bytes[[int]($bytes.Length / 2)] -bxor 0x40
            [System.IO.File]::WriteAllBytes($file, $bytes)
        }

        It 'Test-MongoSnapshot finds it, naming the slice''s file' {
            Get-MongoSnapshot -Repository $repository -Id $third.Id | Test-MongoSnapshot -ErrorVariable problems -ErrorAction SilentlyContinue | Out-Null
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.SnapshotTestFailed*'
            "$($problems[0])" | Should -BeLike "*$($third.Id)*oplog.bson*"
        }

        It 'restores a moment before it, which does not need it' {
            $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime $second.OplogEnd -RenameDatabase @{ $db = "$($db)_b" }

            $result.Succeeded | Should -BeTrue
            @($result.SliceIds) | Should -Be @($first.Id, $second.Id)
            Get-Items "$($db)_b" | Should -Be @('{ "_id" : 1 }', '{ "_id" : 2 }', '{ "_id" : 3 }')
        }

        It 'refuses a moment inside it, naming that slice, and writes nothing' {
            { Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime $third.OplogEnd -RenameDatabase @{ $db = "$($db)_c" } -ErrorAction Stop } |
                Should -Throw -ErrorId 'MongoBackup.CorruptFile*' -ExpectedMessage "*$($third.Id)*"
            Get-DatabaseName $uri | Should -Not -Contain "$($db)_c"
        }

        It 'Get-MongoRestoreWindow still shows the window to its end: windows come from the manifests, the files are not read' {
            $window = Get-MongoRestoreWindow -Repository $repository | Where-Object BaseSnapshotId -eq $full.Id
            $window.ToTimestamp | Should -Be $third.OplogEnd
            $window.SliceIds | Should -Contain $third.Id
        }
    }
}

Describe 'The result of a point-in-time restore of a collection created after the base snapshot' {
    It 'lists the collection and counts its documents in FinalDocuments' {
        $source = "pit_created_$suffix"
        $target = "pit_createdt_$suffix"
        $repo = New-TestFolder
        (Get-Collection $uri $source 'a').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
        Backup-MongoDatabase -ConnectionString $uri -Repository $repo -Database $source -WarningAction SilentlyContinue | Out-Null
        foreach ($i in 1..3) { (Get-Collection $uri $source 'c').InsertOne((New-BsonDocument @{ _id = $i }), $null, $none) }
        $slice = Backup-MongoOplog -ConnectionString $uri -Repository $repo -WarningAction SilentlyContinue

        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repo -ClusterTime $slice.OplogEnd -RenameDatabase @{ $source = $target } -Collection c

        Get-DocumentCount (Get-Collection $uri $target 'c') | Should -Be 3
        @($result.Namespaces.TargetNamespace) | Should -Be @("$target.c")
        $result.FinalDocuments | Should -Be 3
    }
}
