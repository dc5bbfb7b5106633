# Renames as a DBA types them: -RenameDatabase alone restores what it renames (not every database of the snapshot under
# its own name), and a rename that matches nothing is an error rather than quietly ignored.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $suffix = [guid]::NewGuid().ToString('N').Substring(0, 6)
    $script:shop = "shop_$suffix"; $script:hr = "hr_$suffix"
    $none = [System.Threading.CancellationToken]::None
    (Get-Collection $uri $shop 'orders').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..12) { New-BsonDocument @{ _id = $i } }))
    (Get-Collection $uri $shop 'customers').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
    (Get-Collection $uri $hr 'staff').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
    $script:repository = New-TestFolder
    $script:full = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $shop, $hr
    (Get-Collection $uri $shop 'orders').InsertOne((New-BsonDocument @{ _id = 13 }), $null, $none)
    Backup-MongoOplog -ConnectionString $uri -Repository $repository | Out-Null
}

AfterAll {
    Remove-TestRun -Uri $script:uri -Suffix $suffix -Server $server -Repository $repository
}

Describe 'Restore-MongoDatabase -RenameDatabase' {
    It 'alone restores only the database it renames; the others are left alone, with no TargetNotEmpty' {
        $result = Get-MongoSnapshot -Repository $repository -Latest |
            Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$shop=$($shop)_copy" -ErrorVariable errors
        $errors | Should -BeNullOrEmpty
        $result.Succeeded | Should -BeTrue
        $result.Namespaces.TargetNamespace | Should -Be @("$($shop)_copy.customers", "$($shop)_copy.orders")
        Get-DocumentCount (Get-Collection $uri "$($shop)_copy" 'orders') | Should -Be 12
    }

    It 'a rename that matches nothing is refused before anything is written, listing the databases there are' {
        $caught = $null
        try { $full | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "shpo_$suffix=typo_$suffix" -ErrorAction Stop }
        catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.InvalidArgument,*'
        $caught.Exception.Message | Should -BeLike "-RenameDatabase 'shpo_$suffix=typo_$suffix' renames nothing*holds the databases: $hr, $shop. If shpo_$suffix is in another snapshot, Get-MongoSnapshot -Repository $repository -Latest -Database shpo_$suffix*"
        Get-DatabaseName $uri | Should -Not -Contain "typo_$suffix"
    }

    It 'a rename outside what -Database selects matches nothing too' {
        { $full | Restore-MongoDatabase -ConnectionString $uri -Database $hr -RenameDatabase "$shop=$($shop)_x" -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.InvalidArgument*' -ExpectedMessage "*'$shop=$($shop)_x' renames nothing*"
        Get-DatabaseName $uri | Should -Not -Contain "$($shop)_x"
    }

    It '-NamespaceMap alone restores only what it maps' {
        $result = $full | Restore-MongoDatabase -ConnectionString $uri -NamespaceMap @{ "$shop.orders" = "$($shop)_map.orders_2025" }
        $result.Namespaces.TargetNamespace | Should -Be @("$($shop)_map.orders_2025")
        Get-DocumentCount (Get-Collection $uri "$($shop)_map" 'orders_2025') | Should -Be 12
    }
}

Describe 'Restore-MongoPointInTime -RenameDatabase' {
    It 'the Get-MongoRestoreWindow help example restores only the renamed database' {
        $window = Get-MongoRestoreWindow -Repository $repository | Select-Object -Last 1
        $result = $window | Restore-MongoPointInTime -ConnectionString $uri -ClusterTime $window.ToTimestamp -RenameDatabase "$shop=$($shop)_latest" -ErrorVariable errors
        $errors | Should -BeNullOrEmpty
        $result.Succeeded | Should -BeTrue
        $result.Namespaces.TargetNamespace | Should -Be @("$($shop)_latest.customers", "$($shop)_latest.orders")
        Get-DocumentCount (Get-Collection $uri "$($shop)_latest" 'orders') | Should -Be 13
    }

    It 'a rename that matches nothing in the base snapshot is refused' {
        { Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime (Get-MongoRestoreWindow -Repository $repository).ToTimestamp -RenameDatabase "nope_$suffix=x_$suffix" -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.InvalidArgument*' -ExpectedMessage "*renames nothing*snapshot $($full.Id) holds the databases: $hr, $shop.*"
    }
}

Describe 'Restore-MongoPointInTime -NamespaceMap into a name MongoDB refuses' {
    It 'is refused before anything is written, and so is its -WhatIf: a namespace past 255 bytes (MaxNsCollectionLen)' {
        $long = 'o' * 250
        foreach ($whatIf in $true, $false) {
            { Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime (Get-MongoRestoreWindow -Repository $repository).ToTimestamp `
                    -NamespaceMap @{ "$shop.orders" = "$($shop)_long.$long" } -WhatIf:$whatIf -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'MongoBackup.InvalidArgument*' -ExpectedMessage "Cannot restore $shop.orders into $($shop)_long.$($long): MongoDB refuses that name, a namespace (database.collection) may hold at most 255 bytes*"
        }
        Get-DatabaseName $uri | Should -Not -Contain "$($shop)_long"
    }
}

Describe 'Restore-MongoDatabase renaming two databases into one whose collections share a name' {
    # Breaker test (fails): -RenameDatabase @{ hr = 'merged'; crm = 'merged' } sends hr.settings and crm.settings into
    # merged.settings. Their _ids differ, so every document goes in and the restore succeeds; but each namespace's
    # FinalDocuments counts the one target collection, so the result says 14 where the target holds 7 (the help:
    # FinalDocuments is "the documents the restored collections hold once the restore has ended ... what to compare with
    # the source"). A DBA checking the restore against the source's 3 + 4 documents sees twice the data.
    BeforeAll {
        $script:hrM = "hrm_$suffix"; $script:crmM = "crmm_$suffix"
        (Get-Collection $uri $hrM 'settings').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..3) { New-BsonDocument @{ _id = $i; app = 'hr' } }))
        (Get-Collection $uri $crmM 'settings').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 101..104) { New-BsonDocument @{ _id = $i; app = 'crm' } }))
        $script:both = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $hrM, $crmM -WarningAction SilentlyContinue
    }

    It 'reports as FinalDocuments what the merged collection holds' {
        $merged = "mergedm_$suffix"
        $result = $both | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase @{ $hrM = $merged; $crmM = $merged } -Confirm:$false

        $result.Succeeded | Should -BeTrue
        $held = Get-DocumentCount (Get-Collection $uri $merged 'settings')
        $held | Should -Be 7
        $result.FinalDocuments | Should -Be $held
    }
}

Describe 'Restore-MongoDatabase given the wrong thing (a first week from the help alone)' {
    It 'a repository folder as -Path names its newest full snapshot, never the newer oplog slice, and the -Id and -Latest forms' {
        $caught = $null
        try { Restore-MongoDatabase $uri $repository -RenameDatabase "$hr=$($hr)_n11" -ErrorAction Stop } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.InvalidArgument,*'
        $slice = Get-MongoSnapshot -Repository $repository -Kind Oplog | Select-Object -First 1
        $caught.Exception.Message | Should -BeLike "*is a snapshot repository, not a dump: choose one of its full snapshots, such as the newest, '*$($full.Id)'*-Repository '*' -Id $($full.Id)*Get-MongoSnapshot -Repository '*' -Latest | Restore-MongoDatabase*"
        $caught.Exception.Message | Should -Not -BeLike "*$($slice.Id)*"
    }

    It 'positional arguments swapped (the repository first, as Backup-MongoDatabase takes it) name -ConnectionString and -Path, not a drive' {
        $caught = $null
        try { Restore-MongoDatabase $repository $uri -RenameDatabase "$hr=$($hr)_n1" -ErrorAction Stop } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.InvalidConnectionString,*'
        $caught.Exception.Message | Should -BeLike "-ConnectionString was given '$repository', which is a path, not a mongodb:// or mongodb+srv:// connection string and -Path was given the connection string 'mongodb://*': the two are swapped. Positionally, Restore-MongoDatabase takes -ConnectionString first, then -Path*"
        Get-DatabaseName $uri | Should -Not -Contain "$($hr)_n1"
    }

    It 'a connection string as -Path alone, and the siblings (Export -Path, Restore-MongoPointInTime swapped), say which parameter is wrong' {
        { Restore-MongoDatabase -ConnectionString $uri -Path $uri -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.InvalidArgument,*' -ExpectedMessage "-Path was given the connection string 'mongodb://*', not a path: a server's address goes to -ConnectionString*"
        { Export-MongoSnapshot -Repository $repository -Id $full.Id -Path $uri -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.InvalidArgument,*' -ExpectedMessage "-Path was given the connection string*"
        { Restore-MongoPointInTime $repository $uri -PointInTime (Get-Date) -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.InvalidConnectionString,*' -ExpectedMessage "*-Repository was given the connection string*swapped*"
        { Backup-MongoDatabase -ConnectionString $repository -Repository (New-TestFolder) -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.InvalidConnectionString,*' -ExpectedMessage "-ConnectionString was given '$repository', which is a path*"
    }

    It "refuses 'old=>new' (a target starting with '>') before anything is written, suggesting 'old=new'" {
        $caught = $null
        try { $full | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$hr=>$($hr)_n4" -Confirm:$false -ErrorAction Stop } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.InvalidArgument,*'
        $caught.Exception.Message | Should -BeLike "Cannot rename the database $hr to '>$($hr)_n4': a new database name cannot start with '>'*Write a rename as 'old=new'*such as '$hr=$($hr)_n4'*"
        Get-DatabaseName $uri | Should -Not -Contain ">$($hr)_n4"
    }

    It 'refuses a rename target or a -NamespaceMap database a Windows mongod refuses, on every platform' {
        { $full | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase @{ $hr = "$($hr)?x" } -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.InvalidArgument,*' -ExpectedMessage "*'$($hr)?x': a database name cannot contain '?' (a MongoDB server on Windows refuses*"
        { $full | Restore-MongoDatabase -ConnectionString $uri -NamespaceMap @{ "$shop.orders" = "=$shop.orders" } -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.InvalidArgument,*' -ExpectedMessage "The namespace map target '=$shop.orders' names a database that is refused: a new database name cannot start with '='*"
        Get-DatabaseName $uri | Should -Not -Contain "=$shop"
    }
}
