# What a point-in-time restore's replayed oplog creates after the base snapshot is named before anything is written:
# -WhatIf lists each such target (what would be created, what -Drop would replace, what the run would refuse), and the
# -Drop question names the targets the replay replaces. A base snapshot that holds only users and roles (a server with
# no user database yet, backed up with -IncludeUsersAndRoles) is a base like any other: the oplog after it is replayed.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer # this file's own server: the users-only base needs one without user databases
    $script:uri = $server.Uri
    $script:none = [System.Threading.CancellationToken]::None
    function script:Invoke-On([string] $Database, [System.Collections.IDictionary] $Command) {
        $db = [MongoDB.Driver.MongoClient]::new($uri).GetDatabase($Database)
        return , $db.RunCommand[MongoDB.Bson.BsonDocument]((New-BsonDocument $Command), $null, $none)
    }
}

AfterAll { Stop-MongoTestServer $server }

Describe 'A base snapshot holding only users and roles' {
    BeforeAll {
        $script:usersRepository = New-TestFolder
        Invoke-On 'admin' ([ordered]@{ createUser = 'ops'; pwd = 'not-a-real-secret-5'; roles = @(@{ role = 'read'; db = 'admin' }) }) | Out-Null
        $script:usersBase = Backup-MongoDatabase -ConnectionString $uri -Repository $usersRepository -IncludeUsersAndRoles -WarningAction SilentlyContinue
        (Get-Collection $uri 'later' 'orders').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..3) { New-BsonDocument @{ _id = $i } }))
        $script:usersSlice = Backup-MongoOplog -ConnectionString $uri -Repository $usersRepository
    }
    AfterAll { Remove-Item $usersRepository -Recurse -Force -ErrorAction SilentlyContinue }

    It 'is taken: it holds the users and no collection' {
        @($usersBase.Databases) | Should -Be @('admin')
        @($usersBase.Files) -match 'admin/system.users' | Should -Not -BeNullOrEmpty
    }

    It 'Restore-MongoPointInTime replays the oplog after it: what was created later comes back at the moment' {
        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $usersRepository -ClusterTime $usersSlice.OplogEnd -Database later `
            -RenameDatabase 'later=later_pitr' -WarningAction SilentlyContinue -ErrorVariable problems

        @($problems) | Should -BeNullOrEmpty
        $result.Succeeded | Should -BeTrue
        Get-DocumentCount (Get-Collection $uri 'later_pitr' 'orders') | Should -Be 3
    }

    It 'to its own moment with -IncludeUsersAndRoles, restores its users and roles (there is nothing else to restore)' {
        Invoke-On 'admin' ([ordered]@{ dropUser = 'ops' }) | Out-Null

        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $usersRepository -ClusterTime $usersBase.OplogEnd `
            -IncludeUsersAndRoles -Confirm:$false -WarningAction SilentlyContinue -ErrorVariable problems

        @($problems) | Should -BeNullOrEmpty
        $result.Succeeded | Should -BeTrue
        $result.UsersRestored | Should -Be 1
        (Invoke-On 'admin' ([ordered]@{ usersInfo = 'ops' }))['users'].Count | Should -Be 1
    }
}

Describe 'What the replayed oplog creates, in -WhatIf and the -Drop question' {
    BeforeAll {
        $suffix = [guid]::NewGuid().ToString('N').Substring(0, 6)
        $script:source = "shop_$suffix"; $script:target = "shop_t_$suffix"
        $script:repository = New-TestFolder
        (Get-Collection $uri $source 'a').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
        Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $source -WarningAction SilentlyContinue | Out-Null
        # After the snapshot: 'fresh' is created; 'taken' too, whose target already holds documents of its own.
        (Get-Collection $uri $source 'fresh').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
        (Get-Collection $uri $source 'taken').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
        (Get-Collection $uri $target 'taken').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..2) { New-BsonDocument @{ _id = $i; own = $true } }))
        $script:slice = Backup-MongoOplog -ConnectionString $uri -Repository $repository
        $script:restore = @{ ConnectionString = $uri; Repository = $repository; ClusterTime = $slice.OplogEnd; Database = $source; RenameDatabase = "$source=$target" }
    }
    AfterAll { Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue }

    It '-WhatIf names each target the oplog creates, and the one the run would refuse' {
        $plan = @(Restore-MongoPointInTime @restore -WhatIf -WarningVariable warnings -WarningAction SilentlyContinue)

        @($plan.Target) | Should -Be @("$target.a", "$target.fresh", "$target.taken")
        $fresh = $plan | Where-Object Target -eq "$target.fresh"
        ($fresh.Action, $fresh.WouldRun, $fresh.Source) | Should -Be @('Restore', $true, "$source.fresh")
        $taken = $plan | Where-Object Target -eq "$target.taken"
        ($taken.WouldRun, $taken.ErrorId) | Should -Be @($false, 'MongoBackup.TargetNotEmpty')
        $taken.Detail | Should -BeLike '*(the target holds 2 documents)*'
        @($warnings.Message -like "*would refuse $target.taken*").Count | Should -Be 1
    }

    It '-Drop -WhatIf says the target it would replace' {
        $taken = Restore-MongoPointInTime @restore -Drop -WhatIf | Where-Object Target -eq "$target.taken"

        ($taken.Action, $taken.WouldRun) | Should -Be @('Drop and restore', $true)
    }

    It 'the -Drop question names the target the replay replaces and the one it creates, and nothing is written unanswered' {
        [Environment]::GetCommandLineArgs() | Should -Contain '-NonInteractive' # the question fails, showing its text, where no one can answer
        $caught = $null
        try { Restore-MongoPointInTime @restore -Drop -ErrorAction Stop } catch { $caught = $_ }

        $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.ConfirmationRequired*'
        $caught.Exception.Message | Should -BeLike "*Drop $target.a, $target.taken (it holds 2 documents; the oplog creates $source.taken) on the target*"
        $caught.Exception.Message | Should -BeLike "*The replayed oplog also creates $target.fresh, which do not exist on the target*"
        Get-DocumentCount (Get-Collection $uri $target 'taken') | Should -Be 2
    }
}
