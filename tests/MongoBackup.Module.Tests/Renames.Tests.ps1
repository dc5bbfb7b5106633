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
    # -RenameDatabase @{ hr = 'merged'; crm = 'merged' } would send hr.settings and crm.settings into merged.settings:
    # two sources onto one target, refused before anything is written as mongorestore refuses them (common/intents/intent.go
    # GetDestinationConflicts, "cannot restore with conflicting namespace destinations"), not merged into one collection.
    BeforeAll {
        $script:hrM = "hrm_$suffix"; $script:crmM = "crmm_$suffix"
        (Get-Collection $uri $hrM 'settings').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..3) { New-BsonDocument @{ _id = $i; app = 'hr' } }))
        (Get-Collection $uri $crmM 'settings').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 101..104) { New-BsonDocument @{ _id = $i; app = 'crm' } }))
        (Get-Collection $uri $hrM 'staff').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
        $script:both = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $hrM, $crmM -WarningAction SilentlyContinue
    }

    It 'refuses -RenameDatabase a=c, b=c before anything is written, naming both sources and the target' {
        $merged = "mergedm_$suffix"
        { $both | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase @{ $hrM = $merged; $crmM = $merged } -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.InvalidArgument*' -ExpectedMessage "*both $crmM.settings and $hrM.settings into $merged.settings*Nothing was written*"
        Get-DatabaseName $uri | Should -Not -Contain $merged
    }

    It 'refuses two -NamespaceMap rules onto one collection, naming both sources and the target' {
        $target = "mergedn_$suffix"
        $caught = $null
        try {
            $both | Restore-MongoDatabase -ConnectionString $uri -NamespaceMap @{ "$hrM.settings" = "$target.all"; "$hrM.staff" = "$target.all" } -ErrorAction Stop | Out-Null
        } catch { $caught = $_ }
        Get-DatabaseName $uri | Should -Not -Contain $target
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.InvalidArgument,*'
        $caught.Exception.Message | Should -BeLike "*$hrM.settings*"
        $caught.Exception.Message | Should -BeLike "*$hrM.staff*"
        $caught.Exception.Message | Should -BeLike "*$target.all*"
    }

    It 'refuses a -RenameDatabase and a -NamespaceMap rule that together send two collections onto one' {
        $target = "mergedb_$suffix"
        { $both | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$crmM=$target" -NamespaceMap @{ "$hrM.staff" = "$target.settings" } -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.InvalidArgument*' -ExpectedMessage "*$crmM.settings and $hrM.staff into $target.settings*"
        Get-DatabaseName $uri | Should -Not -Contain $target
    }
}

Describe 'Restore-MongoDatabase -RenameDatabase with a -NamespaceMap rule it shadows' {
    It 'refuses the -NamespaceMap rule -RenameDatabase takes first, naming both rules and how to write it' {
        $target = "$($shop)_both"
        { $full | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$shop=$target" -NamespaceMap @{ "$shop.orders" = "$target.orders_2025" } -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.InvalidArgument*' -ExpectedMessage ("*-NamespaceMap '$shop.orders' = '$target.orders_2025' never applies to $shop.orders: " +
                "-RenameDatabase '$shop=$target' renames every namespace of that database first*$target.orders*Nothing was written*-NamespaceExclude '$shop.orders'*")
        Get-DatabaseName $uri | Should -Not -Contain $target
    }

    It 'takes a -NamespaceMap rule for another database beside it' {
        $target = "$($shop)_side"
        $result = $full | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$shop=$target" -NamespaceMap @{ "$hr.staff" = "$target.staff_hr" } -ErrorVariable errors
        $errors | Should -BeNullOrEmpty
        $result.Namespaces.TargetNamespace | Sort-Object | Should -Be @("$target.customers", "$target.orders", "$target.staff_hr")
    }
}

Describe 'Restore-MongoDatabase -NamespaceMap with two rules matching one namespace' {
    It 'is refused before anything is written, naming both rules (a hashtable keeps no order, so either could win)' {
        # -NamespaceMap is a plain hashtable, whose keys are enumerated in an order that changes from process to process;
        # the first rule matching wins, so without this refusal the same command restored shop.orders into one name in one
        # session and into the other in the next. mongorestore applies --nsFrom/--nsTo pairs in the order given.
        $wide = "$($shop)_arch"; $narrow = "$($shop)_special"
        $caught = $null
        try { $full | Restore-MongoDatabase -ConnectionString $uri -NamespaceMap @{ "$shop.*" = "$wide.*"; "$shop.orders" = "$narrow.orders" } -ErrorAction Stop | Out-Null }
        catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.InvalidArgument,*'
        $caught.Exception.Message | Should -BeLike "*-NamespaceMap '$shop.``**' = '$wide.``**'*"
        $caught.Exception.Message | Should -BeLike "*-NamespaceMap '$shop.orders' = '$narrow.orders'*"
        $caught.Exception.Message | Should -BeLike "*both match $shop.orders*Nothing was written*"
        Get-DatabaseName $uri | Should -Not -Contain $wide
        Get-DatabaseName $uri | Should -Not -Contain $narrow
    }
}

Describe 'Restore-MongoDatabase: a collection renamed into a system namespace' {
    BeforeAll {
        # A document shaped like a user with root, in an ordinary collection: what a rename would write into system.users.
        $script:plain = "plain_$suffix"
        $insert = '{insert: "staff", documents: [{_id: "' + $plain + '.mallory", userId: UUID("0e1f6a2c-2d1b-4c8f-9a51-3b3c8f0a8f10"), user: "mallory", db: "' + $plain + '", credentials: {}, roles: [{role: "root", db: "admin"}]}]}'
        $db = [MongoDB.Driver.MongoClient]::new($uri).GetDatabase($plain)
        [void] $db.RunCommand[MongoDB.Bson.BsonDocument]([MongoDB.Driver.Command[MongoDB.Bson.BsonDocument]] $insert, $null, $none)
        $script:plainSnapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $plain -CopyOnly -WarningAction SilentlyContinue
    }

    # Users and roles are restored by -IncludeUsersAndRoles alone, with its own checks; system.views, system.buckets.*
    # and system.profile hold what the server writes itself (MongoDB refuses user inserts into system.profile:
    # mongo-tools mongorestore/filepath.go, TOOLS-717; views are made with create). A rename that lands in one is refused
    # before anything is written, naming the target and why.
    It 'refuses -NamespaceMap onto <Target> before anything is written' -ForEach @(
        @{ Target = 'admin.system.users'; Database = 'admin'; Collection = 'system.users'; Why = '*-IncludeUsersAndRoles*' }
        @{ Target = 'admin.system.roles'; Database = 'admin'; Collection = 'system.roles'; Why = '*-IncludeUsersAndRoles*' }
        @{ Target = 'admin.system.version'; Database = 'admin'; Collection = 'system.version'; Why = '*-IncludeUsersAndRoles*' }
        @{ Target = 'DB_SUFFIX.system.buckets.staff'; Database = 'DB_SUFFIX'; Collection = 'system.buckets.staff'; Why = '*time-series collection staff*' }
        @{ Target = 'DB_SUFFIX.system.profile'; Database = 'DB_SUFFIX'; Collection = 'system.profile'; Why = '*profiler*' }
        @{ Target = 'DB_SUFFIX.system.views'; Database = 'DB_SUFFIX'; Collection = 'system.views'; Why = '*view definitions*' }
        @{ Target = 'DB_SUFFIX.system.other'; Database = 'DB_SUFFIX'; Collection = 'system.other'; Why = "*names starting with 'system.'*" }
    ) {
        $database = $Database -replace 'DB_SUFFIX', "sys_$suffix"
        $targetName = $Target -replace 'DB_SUFFIX', "sys_$suffix"
        $caught = $null
        try { $plainSnapshot | Restore-MongoDatabase -ConnectionString $uri -NamespaceMap @{ "$plain.staff" = $targetName } -ErrorAction Stop | Out-Null }
        catch { $caught = $_ }
        Get-DocumentCount (Get-Collection $uri $database $Collection) | Should -Be 0 -Because "nothing may be written into $targetName"
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.InvalidArgument,*'
        $caught.Exception.Message | Should -BeLike "*Cannot restore $plain.staff into $targetName*system namespace*Nothing was written*"
        $caught.Exception.Message | Should -BeLike $Why
    }

    It 'takes system.js, which mongorestore restores as an ordinary collection' {
        $database = "sysjs_$suffix"
        $result = $plainSnapshot | Restore-MongoDatabase -ConnectionString $uri -NamespaceMap @{ "$plain.staff" = "$database.system.js" } -ErrorVariable errors
        $errors | Should -BeNullOrEmpty
        $result.Succeeded | Should -BeTrue
        Get-DocumentCount (Get-Collection $uri $database 'system.js') | Should -Be 1
    }
}

Describe 'Restore-MongoDatabase: a rename into local or config' {
    BeforeAll {
        $script:ordinary = "ordinary_$suffix"
        (Get-Collection $uri $ordinary 'notes').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
        $script:ordinarySnapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $ordinary -CopyOnly -WarningAction SilentlyContinue
    }

    It 'is refused before anything is written, naming <Written> and the <Database> database' -ForEach @(
        @{ Written = "-NamespaceMap '{0}.notes' = 'local.notes_{1}'"; Database = 'local'; Map = $true }
        @{ Written = "-NamespaceMap '{0}.notes' = 'config.notes_{1}'"; Database = 'config'; Map = $true }
        @{ Written = "-RenameDatabase '{0}=config'"; Database = 'config'; Map = $false }
    ) {
        $caught = $null
        $arguments = if ($Map) { @{ NamespaceMap = @{ "$ordinary.notes" = "$Database.notes_$suffix" } } } else { @{ RenameDatabase = "$ordinary=$Database" } }
        try { $ordinarySnapshot | Restore-MongoDatabase -ConnectionString $uri @arguments -Confirm:$false -ErrorAction Stop | Out-Null }
        catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.InvalidArgument,*'
        $caught.Exception.Message | Should -BeLike "*$(($Written -f $ordinary, $suffix)) renames into the $Database database*Nothing was written*"
        Get-DocumentCount (Get-Collection $uri $Database $(if ($Map) { "notes_$suffix" } else { 'notes' })) | Should -Be 0
    }

    # mongod refuses a database differing only in case from one it has (DatabaseDifferCase, 13297), and every mongod has
    # admin, local and config: such a rename would fail part-way, so both restore cmdlets refuse it before writing.
    It 'is refused for <Database>, a case variant of the server''s own <Own> database, by Restore-MongoDatabase and Restore-MongoPointInTime' -ForEach @(
        @{ Database = 'Local'; Own = 'local' }
        @{ Database = 'CONFIG'; Own = 'config' }
        @{ Database = 'Admin'; Own = 'admin' }
    ) {
        $why = "renames into the $Database database: $Database differs only in case from the server's own $Own database*DatabaseDifferCase, code 13297*Nothing was written*"
        { $ordinarySnapshot | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$ordinary=$Database" -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.InvalidArgument*' -ExpectedMessage "-RenameDatabase '$ordinary=$Database' $why"
        $window = Get-MongoRestoreWindow -Repository $repository | Select-Object -Last 1
        { Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime $window.ToTimestamp `
                -NamespaceMap @{ "$shop.orders" = "$Database.orders" } -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.InvalidArgument*' -ExpectedMessage "-NamespaceMap '$shop.orders' = '$Database.orders' $why"
        # Compared case-sensitively: the server's own local, config and admin are there, the variant must not be.
        (Get-DatabaseName $uri) -ccontains $Database | Should -BeFalse
    }
}

Describe 'Restore-MongoDatabase -NamespaceMap: a view and the collections its pipeline reads' {
    BeforeAll {
        $script:vdb = "vshop_$suffix"
        (Get-Collection $uri $vdb 'orders').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..3) { New-BsonDocument @{ _id = $i; customer = 100 + $i } }))
        (Get-Collection $uri $vdb 'customers').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 101..102) { New-BsonDocument @{ _id = $i; name = "c$i" } }))
        (Get-Collection $uri $vdb 'regions').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
        # A view over orders reading customers ($lookup, $unionWith) and regions (in a $facet's $lookup pipeline):
        # $lookup's from and $unionWith's coll name collections of the view's own database (MongoDB manual, $lookup
        # "from": "Specifies the collection in the same database to perform the join with"; $unionWith "coll").
        $db = [MongoDB.Driver.MongoClient]::new($uri).GetDatabase($vdb)
        $create = '{create: "orders_with_customer", viewOn: "orders", pipeline: [' +
            '{$lookup: {from: "customers", localField: "customer", foreignField: "_id", as: "who"}}, {$unionWith: "customers"}, ' +
            '{$facet: {r: [{$lookup: {from: "customers", pipeline: [{$unionWith: {coll: "regions", pipeline: []}}], as: "x"}}]}}]}'
        [void] $db.RunCommand[MongoDB.Bson.BsonDocument]([MongoDB.Driver.Command[MongoDB.Bson.BsonDocument]] $create, $null, $none)
        $script:views = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $vdb -CopyOnly -WarningAction SilentlyContinue

        function Get-ViewOptions([string] $Database, [string] $View) {
            $db = [MongoDB.Driver.MongoClient]::new($uri).GetDatabase($Database)
            $reply = $db.RunCommand[MongoDB.Bson.BsonDocument]([MongoDB.Driver.Command[MongoDB.Bson.BsonDocument]] "{listCollections: 1, filter: {name: '$View'}}", $null, $none)
            return , $reply['cursor']['firstBatch'][0]['options']
        }
    }

    It 'renames $lookup.from, $unionWith and the nested references with the collections they read, as it renames viewOn' {
        $map = @{
            "$vdb.orders" = "$vdb.orders_old"; "$vdb.customers" = "$vdb.customers_old"; "$vdb.regions" = "$vdb.regions_old"
            "$vdb.orders_with_customer" = "$vdb.orders_with_customer_old"
        }
        $result = $views | Restore-MongoDatabase -ConnectionString $uri -NamespaceMap $map -ErrorVariable errors -WarningVariable warnings
        $errors | Should -BeNullOrEmpty
        $warnings | Should -BeNullOrEmpty
        $result.Succeeded | Should -BeTrue
        $options = Get-ViewOptions $vdb 'orders_with_customer_old'
        $options['viewOn'].AsString | Should -Be 'orders_old'
        # Restored beside its source, the view must read the restored customers_old, not the live customers.
        $options['pipeline'][0]['$lookup']['from'].AsString | Should -Be 'customers_old'
        $options['pipeline'][1]['$unionWith'].AsString | Should -Be 'customers_old'
        $facet = $options['pipeline'][2]['$facet']['r'][0]['$lookup']
        $facet['from'].AsString | Should -Be 'customers_old'
        $facet['pipeline'][0]['$unionWith']['coll'].AsString | Should -Be 'regions_old'
    }

    It 'keeps a reference to a collection it does not restore, and warns naming the view and the reference when the view moves database' {
        $target = "vmoved_$suffix"
        $map = @{ "$vdb.orders" = "$target.orders"; "$vdb.customers" = "$target.customers"; "$vdb.orders_with_customer" = "$target.orders_with_customer" }
        $result = $views | Restore-MongoDatabase -ConnectionString $uri -NamespaceMap $map -WarningVariable warnings -WarningAction SilentlyContinue
        $result.Succeeded | Should -BeTrue
        $options = Get-ViewOptions $target 'orders_with_customer'
        $options['pipeline'][0]['$lookup']['from'].AsString | Should -Be 'customers'
        $options['pipeline'][2]['$facet']['r'][0]['$lookup']['pipeline'][0]['$unionWith']['coll'].AsString | Should -Be 'regions'
        ($warnings -join "`n") | Should -BeLike "*view $vdb.orders_with_customer, restored as $target.orders_with_customer, reads regions (not restored into $target)*"
    }
}

Describe 'Restore-MongoDatabase given the wrong thing (a first week from the help alone)' {
    It 'a repository folder as -Path names its newest full snapshot, never the newer oplog slice, and the -Id and -Latest forms' {
        $caught = $null
        try { Restore-MongoDatabase $uri $repository -RenameDatabase "$hr=$($hr)_n11" -ErrorAction Stop } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.InvalidArgument,*'
        $slice = Get-MongoSnapshot -Repository $repository -Kind Oplog | Select-Object -First 1
        # The newest full one now: other tests of this file back up into the same repository.
        $newestFull = Get-MongoSnapshot -Repository $repository -Kind Full | Select-Object -First 1
        $caught.Exception.Message | Should -BeLike "*is a snapshot repository, not a dump: choose one of its full snapshots, such as the newest, '*$($newestFull.Id)'*-Repository '*' -Id $($newestFull.Id)*Get-MongoSnapshot -Repository '*' -Latest | Restore-MongoDatabase*"
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
