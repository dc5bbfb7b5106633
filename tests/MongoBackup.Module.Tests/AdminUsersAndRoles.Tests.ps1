# -IncludeUsersAndRoles on a restore of every database (no -Database, or -Database '*') restores admin's users and
# roles, where users usually live, as mongorestore does on a restore without --db; a dump of users alone (mongo-tools'
# usersdump fixture) restores them; the users and roles a restore does not take are named in a warning, never skipped
# silently.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:suffix = [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:fixtures = Join-Path (Assert-MongoToolsFixtures) 'mongorestore/testdata'
    $script:none = [System.Threading.CancellationToken]::None

    function script:Get-AdminUsers([string] $Name) { @((Invoke-Admin $uri ([ordered]@{ usersInfo = $Name }))['users']) }
    function script:Get-AdminRoles([string] $Name) { @((Invoke-Admin $uri ([ordered]@{ rolesInfo = $Name }))['roles']) }
    function script:Remove-AdminAuth([string[]] $Users, [string[]] $Roles) {
        foreach ($user in $Users) { try { Invoke-Admin $uri ([ordered]@{ dropUser = $user }) | Out-Null } catch { } }
        foreach ($role in $Roles) { try { Invoke-Admin $uri ([ordered]@{ dropRole = $role }) | Out-Null } catch { } }
    }
    function script:Remove-Database([string] $Name) { [MongoDB.Driver.MongoClient]::new($uri).DropDatabase($Name, $none) }
}

AfterAll {
    Remove-TestRun -Uri $uri -Suffix $suffix -Server $server
}

Describe 'Restore-MongoDatabase -IncludeUsersAndRoles of a mongodump folder restored whole' {
    # mongo-tools' dump/restore suite: the usersdump folder restores the user reportsUser and the role manageOpRole, both of admin.
    AfterEach { Remove-AdminAuth 'reportsUser' 'manageOpRole' }

    It 'restores admin''s users and roles beside the databases, as mongorestore --dir does (usersdump + a database)' {
        $folder = New-TestFolder
        Copy-Item -Recurse (Join-Path $fixtures 'usersdump/admin') (Join-Path $folder 'admin')
        $database = "whole_$suffix"
        New-Item -ItemType Directory (Join-Path $folder $database) | Out-Null
        Copy-Item (Join-Path $fixtures 'foodump/test/*') (Join-Path $folder $database)

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $folder -IncludeUsersAndRoles -WarningVariable warnings -WarningAction SilentlyContinue

        $result.Succeeded | Should -BeTrue
        @($result.Namespaces.TargetNamespace) | Should -Be @("$database.foo")
        ($result.UsersRestored, $result.RolesRestored) | Should -Be @(1, 1)
        @(Get-AdminUsers 'reportsUser').Count | Should -Be 1
        @(Get-AdminRoles 'manageOpRole').Count | Should -Be 1
        @($warnings) -match 'not restored' | Should -BeNullOrEmpty
    }

    It 'restores a dump of users and roles alone (<Name>) instead of refusing it as NothingSelected' -ForEach @(
        @{ Name = '-Database admin'; Filter = @{ Database = 'admin' } }
        @{ Name = 'no filter'; Filter = @{} }
        @{ Name = "-Database '*'"; Filter = @{ Database = '*' } }
    ) {
        $result = Restore-MongoDatabase -ConnectionString $uri -Path (Join-Path $fixtures 'usersdump') -IncludeUsersAndRoles @Filter -WarningAction SilentlyContinue

        $result.Succeeded | Should -BeTrue
        ($result.UsersRestored, $result.RolesRestored) | Should -Be @(1, 1)
        @(Get-AdminUsers 'reportsUser').Count | Should -Be 1
        @(Get-AdminRoles 'manageOpRole').Count | Should -Be 1
    }

    It 'still refuses a dump of users alone without -IncludeUsersAndRoles (NothingSelected): there is nothing else to restore' {
        { Restore-MongoDatabase -ConnectionString $uri -Path (Join-Path $fixtures 'usersdump') -Database admin } |
            Should -Throw -ErrorId 'MongoBackup.NothingSelected*'
        @(Get-AdminUsers 'reportsUser').Count | Should -Be 0
    }
}

Describe 'Restore-MongoDatabase -IncludeUsersAndRoles of a snapshot holding admin''s users' {
    BeforeAll {
        $script:database = "shop_$suffix"
        $script:user = "ops_$suffix"
        (Get-Collection $uri $database 'orders').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
        Invoke-Admin $uri ([ordered]@{ createUser = $user; pwd = 'not-a-real-secret-2'; roles = @(@{ role = 'readWrite'; db = $database }) }) | Out-Null
        $script:repository = New-TestFolder
        # -Database naming admin saves every database's users and roles, admin's among them.
        $script:snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $database, admin -IncludeUsersAndRoles -WarningAction SilentlyContinue
    }
    AfterEach { Remove-AdminAuth $user; Remove-Database $database; Remove-Database "$($database)_copy" }

    It 'restores admin''s users restored whole (<Name>)' -ForEach @(
        @{ Name = 'no filter'; Filter = @{} }
        @{ Name = "-Database '*'"; Filter = @{ Database = '*' } }
    ) {
        Remove-AdminAuth $user; Remove-Database $database

        $result = $snapshot | Restore-MongoDatabase -ConnectionString $uri -IncludeUsersAndRoles @Filter -WarningAction SilentlyContinue

        $result.Succeeded | Should -BeTrue
        $result.UsersRestored | Should -Be 1
        $users = @(Get-AdminUsers $user)
        $users.Count | Should -Be 1
        $role = $users[0]['roles'][0]
        "$($role['role'].AsString)@$($role['db'].AsString)" | Should -Be "readWrite@$database"
        Get-DocumentCount (Get-Collection $uri $database 'orders') | Should -Be 1
    }

    It 'leaves admin''s users out of a restore of chosen databases, naming them in a warning with how to restore them' {
        Remove-AdminAuth $user

        $result = $snapshot | Restore-MongoDatabase -ConnectionString $uri -IncludeUsersAndRoles -RenameDatabase @{ $database = "$($database)_copy" } -WarningVariable warnings -WarningAction SilentlyContinue

        $result.Succeeded | Should -BeTrue
        $result.UsersRestored | Should -Be 0
        @(Get-AdminUsers $user).Count | Should -Be 0
        $warning = @($warnings | Where-Object { "$_" -match 'were not restored' })
        $warning.Count | Should -Be 1
        "$($warning[0])" | Should -Match ([regex]::Escape("admin's user $user"))
        "$($warning[0])" | Should -Match ([regex]::Escape('-Database admin'))
    }
}

Describe 'Restore-MongoDatabase of a stock mongodump folder whose admin database holds an ordinary collection' {
    # mongodump without --db dumps admin's collections with the rest (admin/<name>.bson and .metadata.json beside
    # admin/system.version), and mongorestore --dir restores them with the rest: checked with mongorestore 100.11 on
    # such a folder, "admin.appdata ... 2 document(s) restored successfully". A collection an application keeps in
    # admin (a settings or audit collection) must come back from a whole restore, or at least be named, never dropped
    # with a "Succeeded" result.
    BeforeAll {
        $script:adminDump = New-TestFolder
        Copy-Item -Recurse (Join-Path $fixtures 'usersdump/admin') (Join-Path $adminDump 'admin')
        Get-ChildItem -Recurse (Join-Path $adminDump 'admin') | ForEach-Object { $_.IsReadOnly = $false }
        $script:adminCollection = "appsettings_$suffix"
        Write-BsonFile -Path (Join-Path $adminDump "admin/$adminCollection.bson") -Json '{ "_id": 1, "feature": "on" }', '{ "_id": 2, "feature": "off" }'
        Set-Content (Join-Path $adminDump "admin/$adminCollection.metadata.json") "{""options"":{},""indexes"":[{""v"":2,""key"":{""_id"":1},""name"":""_id_""}],""collectionName"":""$adminCollection"",""type"":""collection""}"
        $script:appDatabase = "app_$suffix"
        New-Item -ItemType Directory (Join-Path $adminDump $appDatabase) | Out-Null
        Copy-Item (Join-Path $fixtures 'foodump/test/*') (Join-Path $adminDump $appDatabase)
        Get-ChildItem -Recurse (Join-Path $adminDump $appDatabase) | ForEach-Object { $_.IsReadOnly = $false }
    }
    AfterEach {
        (Get-Collection $uri 'admin' $adminCollection).Database.DropCollection($adminCollection, $none)
        Remove-Database $appDatabase
    }

    It 'restores admin''s own collection on a whole restore, as mongorestore --dir does, instead of leaving it out with Succeeded' {
        $result = Restore-MongoDatabase -ConnectionString $uri -Path $adminDump -WarningVariable warnings -WarningAction SilentlyContinue

        $result.Succeeded | Should -BeTrue
        @($result.Namespaces.SourceNamespace) | Should -Contain "admin.$adminCollection"
        Get-DocumentCount (Get-Collection $uri 'admin' $adminCollection) | Should -Be 2
    }

    It 'restores admin''s collection named exactly by -Collection ''admin.appsettings'' instead of refusing it as NothingSelected' {
        $result = Restore-MongoDatabase -ConnectionString $uri -Path $adminDump -Collection "admin.$adminCollection" -WarningAction SilentlyContinue

        $result.Succeeded | Should -BeTrue
        Get-DocumentCount (Get-Collection $uri 'admin' $adminCollection) | Should -Be 2
    }

    It 'does not warn that -Database admin matches nothing when it restores admin''s collection' {
        $result = Restore-MongoDatabase -ConnectionString $uri -Path $adminDump -Database admin -WarningVariable warnings -WarningAction SilentlyContinue

        Get-DocumentCount (Get-Collection $uri 'admin' $adminCollection) | Should -Be 2
        @($result.Namespaces.SourceNamespace) | Should -Contain "admin.$adminCollection"
        @($warnings) -match "'admin' matches nothing" | Should -BeNullOrEmpty
    }

    It 'names the collections of config and local it leaves out of a whole restore, which mongorestore --dir restores' {
        # mongorestore 100.11 --dir on such a folder: "found collection config.keep bson to restore to config.keep" (and
        # local.keep), 3 documents restored. Leaving them out may be the module's rule, but not without a word.
        $folder = New-TestFolder
        $kept = "kept_$suffix"
        foreach ($database in 'config', 'local', $appDatabase) {
            New-Item -ItemType Directory (Join-Path $folder $database) | Out-Null
            Write-BsonFile -Path (Join-Path $folder "$database/$kept.bson") -Json '{ "_id": 1 }'
        }
        try {
            $result = Restore-MongoDatabase -ConnectionString $uri -Path $folder -WarningVariable warnings -WarningAction SilentlyContinue

            @($result.Namespaces.SourceNamespace) | Should -Be @("$appDatabase.$kept")
            "$warnings" | Should -Match ([regex]::Escape("config.$kept"))
            "$warnings" | Should -Match ([regex]::Escape("local.$kept"))
        } finally {
            foreach ($database in 'config', 'local') { (Get-Collection $uri $database $kept).Database.DropCollection($kept, $none) }
        }
    }

    It 'warns, naming -IncludeUsersAndRoles, when a whole restore without it leaves out the users and roles the dump holds' {
        # mongorestore --dir restores admin.system.users and system.roles by default on a restore without --db
        # (mongorestore 100.11 on usersdump + a database: reportsUser and manageOpRole restored). Without
        # -IncludeUsersAndRoles the module leaves them out, which may be its rule, but a DBA rebuilding a server from a
        # stock dump must be told that its users did not come back (the backup side warns the same way).
        $whole = Restore-MongoDatabase -ConnectionString $uri -Path $adminDump -Drop -Confirm:$false -WarningVariable wholeWarnings -WarningAction SilentlyContinue

        $whole.Succeeded | Should -BeTrue
        @(Get-AdminUsers 'reportsUser').Count | Should -Be 0
        "$wholeWarnings" | Should -Match 'reportsUser'
        "$wholeWarnings" | Should -Match '-IncludeUsersAndRoles'
    }
}

Describe 'Backup-MongoDatabase of every database, then Restore-MongoDatabase of that snapshot' {
    # mongodump without --db dumps admin's own collections (mongodump/prepare.go skips only local and admin.system.keys),
    # so a whole backup must too: a settings collection kept in admin must survive a backup and restore round trip.
    It 'backs up admin''s own collection with the rest and restores it from the snapshot' {
        $collection = "roundtrip_$suffix"
        $repository = New-TestFolder
        $source = Get-Collection $uri 'admin' $collection
        $source.InsertOne([MongoDB.Bson.BsonDocument]::Parse('{ "_id": 1, "setting": "kept" }'), $null, $none)
        try {
            $snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -WarningAction SilentlyContinue
            $source.Database.DropCollection($collection, $none)

            $result = $snapshot | Restore-MongoDatabase -ConnectionString $uri -Collection "admin.$collection" -WarningAction SilentlyContinue

            $result.Succeeded | Should -BeTrue
            Get-DocumentCount (Get-Collection $uri 'admin' $collection) | Should -Be 1
        } finally {
            $source.Database.DropCollection($collection, $none)
        }
    }
}
