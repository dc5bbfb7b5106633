# Breaker findings (2026-12): restores with renames that write somewhere else than the DBA asked, or read from it.
# Each test asserts what a DBA would expect; they fail against the module as it is (see the breaker report).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $suffix = [guid]::NewGuid().ToString('N').Substring(0, 6)
    $script:shop = "shop_$suffix"; $script:branch = "branch_$suffix"
    $script:none = [System.Threading.CancellationToken]::None
    # Distinct _ids across the two collections, so that nothing but a refusal can stop a merge of them.
    (Get-Collection $uri $shop 'orders').InsertMany([MongoDB.Bson.BsonDocument[]] @(
            foreach ($i in 1..3) { New-BsonDocument @{ _id = $i; customer = 100 + $i } }))
    (Get-Collection $uri $shop 'customers').InsertMany([MongoDB.Bson.BsonDocument[]] @(
            foreach ($i in 101..102) { New-BsonDocument @{ _id = $i; name = "c$i" } }))
    (Get-Collection $uri $branch 'orders').InsertMany([MongoDB.Bson.BsonDocument[]] @(
            foreach ($i in 50..51) { New-BsonDocument @{ _id = $i; customer = 101 } }))
    # A view over orders that joins customers: $lookup's from and $unionWith's coll name collections of the view's own
    # database (MongoDB manual, $lookup "from": "Specifies the collection in the same database to perform the join
    # with"; $unionWith "coll").
    $db = [MongoDB.Driver.MongoClient]::new($uri).GetDatabase($shop)
    $create = '{create: "orders_with_customer", viewOn: "orders", pipeline: [' +
        '{$lookup: {from: "customers", localField: "customer", foreignField: "_id", as: "who"}}, {$unionWith: "customers"}]}'
    [void] $db.RunCommand[MongoDB.Bson.BsonDocument]([MongoDB.Driver.Command[MongoDB.Bson.BsonDocument]] $create, $null, $none)
    $script:repository = New-TestFolder
    $script:full = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $shop, $branch -WarningAction SilentlyContinue

    function Get-ViewOptions([string] $Database, [string] $View) {
        $db = [MongoDB.Driver.MongoClient]::new($uri).GetDatabase($Database)
        $reply = $db.RunCommand[MongoDB.Bson.BsonDocument]([MongoDB.Driver.Command[MongoDB.Bson.BsonDocument]] "{listCollections: 1, filter: {name: '$View'}}", $null, $none)
        return , $reply['cursor']['firstBatch'][0]['options']
    }
}

AfterAll {
    Remove-TestRun -Uri $script:uri -Suffix $suffix -Server $server -Repository $repository
}

Describe 'Restore-MongoDatabase -NamespaceMap: a view and the collections its pipeline reads' {
    It 'renames $lookup.from and $unionWith with the collections they read, as it renames viewOn: the renamed view does not read the originals' {
        $target = "$($shop)_v"
        $map = @{
            "$shop.orders" = "$target.orders_old"; "$shop.customers" = "$target.customers_old"
            "$shop.orders_with_customer" = "$target.orders_with_customer_old"
        }
        $result = $full | Restore-MongoDatabase -ConnectionString $uri -NamespaceMap $map -ErrorVariable errors
        $errors | Should -BeNullOrEmpty
        $result.Succeeded | Should -BeTrue
        $options = Get-ViewOptions $target 'orders_with_customer_old'
        $options['viewOn'].AsString | Should -Be 'orders_old'
        # The view's join must read the restored customers_old, not a collection named customers (the live one, when
        # the restore goes back into the source database beside it).
        $options['pipeline'][0]['$lookup']['from'].AsString | Should -Be 'customers_old'
        $options['pipeline'][1]['$unionWith'].ToString() | Should -Be 'customers_old'
    }
}

Describe 'Restore-MongoDatabase: two source collections renamed onto one target' {
    It 'is refused before anything is written (InvalidArgument naming both sources and the target), not merged into one collection' {
        $target = "$($shop)_merged"
        $caught = $null
        try {
            $full | Restore-MongoDatabase -ConnectionString $uri -NamespaceMap @{
                "$shop.orders" = "$target.all"; "$shop.customers" = "$target.all"
            } -ErrorAction Stop | Out-Null
        } catch { $caught = $_ }
        # What the DBA gets today: Succeeded, with orders and customers mixed in one collection of 5 documents.
        Get-DatabaseName $uri | Should -Not -Contain $target
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.InvalidArgument,*'
        $caught.Exception.Message | Should -BeLike "*$shop.orders*"
        $caught.Exception.Message | Should -BeLike "*$shop.customers*"
        $caught.Exception.Message | Should -BeLike "*$target.all*"
    }

    It 'two databases renamed onto one (-RenameDatabase a=c, b=c) holding a collection of one name are refused, not merged' {
        $target = "$($shop)_one"
        { $full | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$shop=$target", "$branch=$target" -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.InvalidArgument*' -ExpectedMessage "*$target.orders*"
        Get-DatabaseName $uri | Should -Not -Contain $target
    }
}

Describe 'Restore-MongoDatabase -RenameDatabase with -NamespaceMap' {
    It 'a -NamespaceMap rule for a collection of the renamed database is applied or refused, never silently dropped' {
        $target = "$($shop)_both"
        $caught = $null
        $result = $null
        try {
            $result = $full | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$shop=$target" -NamespaceMap @{ "$shop.orders" = "$target.orders_2025" } -ErrorAction Stop
        } catch { $caught = $_ }
        if ($caught) {
            # Refused: then before anything is written, naming the rule that cannot apply.
            $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.InvalidArgument,*'
            $caught.Exception.Message | Should -BeLike "*$shop.orders*"
            Get-DatabaseName $uri | Should -Not -Contain $target
        } else {
            # Applied: orders are where the map sends them. Today they go to $target.orders, the map ignored unsaid.
            $result.Namespaces.TargetNamespace | Should -Contain "$target.orders_2025"
            $result.Namespaces.TargetNamespace | Should -Not -Contain "$target.orders"
        }
    }
}

Describe 'Restore-MongoDatabase: a plain collection renamed into a system namespace' {
    BeforeAll {
        # A document shaped like a user with root, in an ordinary collection: what a rename would write into system.users.
        $script:plain = "plain_$suffix"
        $insert = '{insert: "staff", documents: [{_id: "' + $plain + '.mallory", userId: UUID("0e1f6a2c-2d1b-4c8f-9a51-3b3c8f0a8f10"), user: "mallory", db: "' + $plain + '", credentials: {}, roles: [{role: "root", db: "admin"}]}]}'
        $db = [MongoDB.Driver.MongoClient]::new($uri).GetDatabase($plain)
        [void] $db.RunCommand[MongoDB.Bson.BsonDocument]([MongoDB.Driver.Command[MongoDB.Bson.BsonDocument]] $insert, $null, $none)
        $script:plainSnapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $plain -CopyOnly -WarningAction SilentlyContinue
    }

    AfterAll {
        # What a wrong rename wrote into admin (not a database of this run's suffix, so Remove-TestRun leaves it).
        foreach ($collection in 'system.users', 'system.roles') {
            [void] (Get-Collection $uri 'admin' $collection).DeleteMany([MongoDB.Driver.FilterDefinition[MongoDB.Bson.BsonDocument]] (New-BsonDocument @{ _id = "$plain.mallory" }), [System.Threading.CancellationToken]::None)
        }
    }

    # Users and roles are restored by -IncludeUsersAndRoles alone, with its own checks; system.views, system.buckets.*
    # and system.profile hold what the server writes itself (MongoDB refuses user inserts into system.profile:
    # mongo-tools mongorestore/filepath.go, TOOLS-717; into system.views: views are made with create). A rename that
    # lands in one must be refused before anything is written, as the help refuses target names MongoDB does not take.
    It 'refuses -NamespaceMap onto <Target> before anything is written' -ForEach @(
        @{ Target = 'admin.system.users'; Database = 'admin'; Collection = 'system.users' }
        @{ Target = 'admin.system.roles'; Database = 'admin'; Collection = 'system.roles' }
        @{ Target = 'DB_SUFFIX.system.buckets.staff'; Database = 'DB_SUFFIX'; Collection = 'system.buckets.staff' }
        @{ Target = 'DB_SUFFIX.system.profile'; Database = 'DB_SUFFIX'; Collection = 'system.profile' }
    ) {
        $database = $Database -replace 'DB_SUFFIX', "sys_$suffix"
        $targetName = $Target -replace 'DB_SUFFIX', "sys_$suffix"
        $caught = $null
        try { $plainSnapshot | Restore-MongoDatabase -ConnectionString $uri -NamespaceMap @{ "$plain.staff" = $targetName } -ErrorAction Stop | Out-Null }
        catch { $caught = $_ }
        $written = Get-DocumentCount (Get-Collection $uri $database $Collection)
        $written | Should -Be 0 -Because "the rename wrote the ordinary collection's documents into $targetName"
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.InvalidArgument,*'
        $caught.Exception.Message | Should -BeLike "*$targetName*"
    }
}
