# Pipelines and completion as a DBA used to dbatools types them: repositories piped as strings and folders, snapshots by
# property name, wildcard ids everywhere -Id is taken, a folder that is no repository, and Tab on restore filters.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $suffix = [guid]::NewGuid().ToString('N').Substring(0, 6)
    $script:crm = "crm_$suffix"; $script:billing = "billing_$suffix"
    $none = [System.Threading.CancellationToken]::None
    (Get-Collection $uri $crm 'customers').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
    (Get-Collection $uri $crm 'leads').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
    (Get-Collection $uri $billing 'invoices').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
    $script:parent = New-TestFolder
    $script:repo1 = Join-Path $parent 'repo1'
    $script:repo2 = Join-Path $parent 'repo2'
    $script:first = Backup-MongoDatabase -ConnectionString $uri -Repository $repo1 -Database $crm
    $script:second = Backup-MongoDatabase -ConnectionString $uri -Repository $repo2 -Database $billing

    function Complete([string] $line) {
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
    }
}

AfterAll {
    if ($script:uri) {
        $client = [MongoDB.Driver.MongoClient]::new($uri)
        foreach ($name in $crm, $billing) { $client.DropDatabase($name, [System.Threading.CancellationToken]::None) }
    }
    Stop-MongoTestServer $server
    Remove-Item $parent -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Repositories down the pipeline' {
    It "'repo1','repo2' | Get-MongoSnapshot lists both" {
        ($repo1, $repo2 | Get-MongoSnapshot).Id | Sort-Object | Should -Be (@($first.Id, $second.Id) | Sort-Object)
    }

    It 'Get-ChildItem -Directory | Get-MongoSnapshot lists every repository folder' {
        (Get-ChildItem $parent -Directory | Get-MongoSnapshot).Id | Sort-Object | Should -Be (@($first.Id, $second.Id) | Sort-Object)
    }

    It 'Get-ChildItem -Directory | Get-MongoRestoreWindow reads each folder' {
        @(Get-ChildItem $parent -Directory | Get-MongoRestoreWindow).BaseSnapshotId | Sort-Object | Should -Be (@($first.Id, $second.Id) | Sort-Object)
    }

    It 'Get-MongoSnapshot on a folder that is no repository says so' {
        $dump = Join-Path $parent 'dump'
        New-Item -ItemType Directory (Join-Path $dump $crm) -Force | Out-Null
        $listed = Get-MongoSnapshot -Repository $dump -WarningVariable warnings -WarningAction SilentlyContinue
        $listed | Should -BeNullOrEmpty
        $warnings[0].Message | Should -BeLike "'$dump' is not a MongoBackup repository: none of its 1 folder(s) is a snapshot*Restore-MongoDatabase -Path*"
    }

    It 'Get-MongoSnapshot on an empty folder says it is empty' {
        $empty = New-Item -ItemType Directory (Join-Path $parent 'empty') -Force
        Get-MongoSnapshot -Repository $empty.FullName -WarningVariable warnings -WarningAction SilentlyContinue | Should -BeNullOrEmpty
        $warnings[0].Message | Should -Be "'$($empty.FullName)' holds no snapshots: it is empty."
    }
}

Describe 'Snapshots by property name and by wildcard id' {
    It 'Test-MongoSnapshot binds Repository and Id by property name (from a CSV, a hashtable, anything)' {
        $tested = [pscustomobject]@{ Repository = $repo1; Id = $first.Id } | Test-MongoSnapshot
        $tested.SnapshotId | Should -Be $first.Id
        $tested.Passed | Should -BeTrue
    }

    It 'Test-MongoSnapshot -Id takes a wildcard, as Get-MongoSnapshot -Id does' {
        (Test-MongoSnapshot -Repository $repo2 -Id '*-full-*').SnapshotId | Should -Be $second.Id
    }

    It 'Test-MongoSnapshot -Id with a wildcard works newest first, in the order Get-MongoSnapshot lists them' {
        $ordered = Join-Path $parent 'ordered'
        $older = Backup-MongoDatabase -ConnectionString $uri -Repository $ordered -Database $crm -WarningAction SilentlyContinue
        $newer = Backup-MongoDatabase -ConnectionString $uri -Repository $ordered -Database $crm
        $listed = (Get-MongoSnapshot -Repository $ordered -Id '*-full-*').Id
        $listed | Should -Be @($newer.Id, $older.Id)
        (Test-MongoSnapshot -Repository $ordered -Id '*-full-*').SnapshotId | Should -Be $listed
    }

    It 'Remove-MongoSnapshot -Id takes a wildcard' {
        $scratch = Join-Path $parent 'scratch'
        $one = Backup-MongoDatabase -ConnectionString $uri -Repository $scratch -Database $crm
        Remove-MongoSnapshot -Repository $scratch -Id '*-full-*' -Confirm:$false
        Get-MongoSnapshot -Repository $scratch -WarningAction SilentlyContinue | Should -BeNullOrEmpty
        Test-Path (Join-Path $scratch $one.Id) | Should -BeFalse
    }

    It 'a wildcard that matches nothing is SnapshotNotFound naming the pattern, and nothing is removed' {
        { Remove-MongoSnapshot -Repository $repo1 -Id '1999*' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.SnapshotNotFound*' -ExpectedMessage "*matches '1999*'*"
        (Get-MongoSnapshot -Repository $repo1).Id | Should -Be $first.Id
    }
}

Describe 'Tab completion of what a backup holds' {
    It 'Restore-MongoDatabase -Path (a snapshot folder) -Database offers its databases' {
        Complete "Restore-MongoDatabase -ConnectionString $uri -Path $($first.Path) -Database " | Should -Be @($crm)
    }

    It 'Get-MongoSnapshot ... | Restore-MongoDatabase -Database offers the databases of the piped repository' {
        Complete "Get-MongoSnapshot -Repository $repo2 -Latest | Restore-MongoDatabase -ConnectionString $uri -Database " | Should -Be @($billing)
    }

    It 'Restore-MongoDatabase -Collection offers the collections of the bound -Database' {
        Complete "Restore-MongoDatabase -ConnectionString $uri -Path $($first.Path) -Database $crm -Collection " | Should -Be @('customers', 'leads')
    }

    It 'Restore-MongoPointInTime -Database offers the databases of -Repository' {
        Complete "Restore-MongoPointInTime -ConnectionString $uri -Repository $repo1 -Database " | Should -Be @($crm)
    }

    It 'Get-MongoSnapshot -Database offers the databases of -Repository' {
        Complete "Get-MongoSnapshot -Repository $repo1 -Database c" | Should -Be @($crm)
    }

    It 'Update-MongoSnapshotKey -Id offers the snapshot ids of -Repository' {
        Complete "Update-MongoSnapshotKey -Repository $repo1 -Id " | Should -Be @($first.Id)
    }

    It 'Get-MongoRestoreWindow -ReplicaSetName offers the replica sets of -Repository' {
        Complete "Get-MongoRestoreWindow -Repository $repo1 -ReplicaSetName " | Should -Be @('rs0')
    }
}
