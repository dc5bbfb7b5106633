# -IncludeUsersAndRoles as a DBA uses it: a restore into a renamed database restores that database's users and roles
# as the new database's and never touches the live database's own (a grant made after the backup survives, even with
# -Drop); -WhatIf shows the step; Test-MongoSnapshot -ConnectionString passes a snapshot that holds users.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $suffix = [guid]::NewGuid().ToString('N').Substring(0, 6)
    $script:hr = "hr_$suffix"; $script:renamed = "hr_u_$suffix"; $script:other = "reporting_$suffix"
    $none = [System.Threading.CancellationToken]::None
    (Get-Collection $uri $hr 'employees').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..5) { New-BsonDocument @{ _id = $i } }))
    (Get-Collection $uri $hr 'payroll').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
    function script:Invoke-On([string] $Database, [System.Collections.IDictionary] $Command) {
        $db = [MongoDB.Driver.MongoClient]::new($uri).GetDatabase($Database)
        return , $db.RunCommand[MongoDB.Bson.BsonDocument]((New-BsonDocument $Command), $null, $none)
    }
    function script:Get-UserRoles([string] $Database, [string] $User) {
        $users = (Invoke-On $Database ([ordered]@{ usersInfo = $User }))['users']
        if ($users.Count -eq 0) { return $null }
        return @($users[0]['roles'] | ForEach-Object { "$($_['role'].AsString)@$($_['db'].AsString)" } | Sort-Object)
    }
    Invoke-On $hr ([ordered]@{ createRole = 'hrReader'
            privileges = @(@{ resource = @{ db = $hr; collection = 'employees' }; actions = @('find') }); roles = @() }) | Out-Null
    Invoke-On $hr ([ordered]@{ createUser = 'alice'; pwd = 'not-a-real-secret-1'
            roles = @('hrReader', @{ role = 'read'; db = $other }) }) | Out-Null
    $script:repository = New-TestFolder
    $script:full = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $hr -IncludeUsersAndRoles -WarningAction SilentlyContinue
    # After the backup, the live user gets a grant the snapshot does not hold.
    Invoke-On $hr ([ordered]@{ grantRolesToUser = 'alice'; roles = @(@{ role = 'read'; db = $hr }) }) | Out-Null
    Backup-MongoOplog -ConnectionString $uri -Repository $repository | Out-Null
    $script:liveRoles = @("hrReader@$hr", "read@$hr", "read@$other")
}

AfterAll {
    Remove-TestRun -Uri $script:uri -Suffix $suffix -Server $server -Repository $repository
}

Describe 'Restore-MongoDatabase -RenameDatabase -IncludeUsersAndRoles' {
    It 'restores the users and roles as the renamed database''s, and with -Drop leaves the live user and its later grant alone' {
        Get-UserRoles $hr 'alice' | Should -Be $liveRoles
        $result = $full | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$hr=$renamed" -IncludeUsersAndRoles -Drop -Confirm:$false

        $result.Succeeded | Should -BeTrue
        $result.UsersRestored | Should -Be 1
        $result.RolesRestored | Should -Be 1
        Get-UserRoles $hr 'alice' | Should -Be $liveRoles
        # The copy: its own role is the renamed database's; a role of another database is kept as the source had it.
        Get-UserRoles $renamed 'alice' | Should -Be @("hrReader@$renamed", "read@$other")
        $role = (Invoke-On $renamed ([ordered]@{ rolesInfo = 'hrReader'; showPrivileges = $true }))['roles'][0]
        $role['_id'].AsString | Should -Be "$renamed.hrReader"
        $role['privileges'][0]['resource']['db'].AsString | Should -Be $renamed
        $source = (Invoke-On $hr ([ordered]@{ usersInfo = 'alice' }))['users'][0]['userId']
        (Invoke-On $renamed ([ordered]@{ usersInfo = 'alice' }))['users'][0]['userId'] | Should -Not -Be $source
        Get-DocumentCount (Get-Collection $uri $renamed 'employees') | Should -Be 5
    }

    It '-WhatIf shows the users and roles step, naming the database they are restored as' {
        $plan = $full | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$hr=$($renamed)w" -IncludeUsersAndRoles -Drop -WhatIf
        $step = $plan | Where-Object Action -like 'Restore users and roles*'
        $step.Target | Should -Be "$($renamed)w"
        $step.Source | Should -Be $hr
        $step.Detail | Should -BeLike "*as $($renamed)w's (renamed: $hr's own users and roles are not touched)*"
    }

    It 'a map that splits a database refuses its users and roles before anything is written' {
        $caught = $null
        try { $full | Restore-MongoDatabase -ConnectionString $uri -Database $hr -NamespaceMap @{ "$hr.employees" = "$($renamed)x.employees" } -IncludeUsersAndRoles -ErrorAction Stop }
        catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.InvalidArgument,*'
        $caught.Exception.Message | Should -BeLike "-IncludeUsersAndRoles cannot restore the users and roles of $($hr): its collections are renamed into $hr, $($renamed)x*"
        Get-DatabaseName $uri | Should -Not -Contain "$($renamed)x"
        Get-UserRoles $hr 'alice' | Should -Be $liveRoles
    }
}

Describe 'Restore-MongoPointInTime -RenameDatabase -IncludeUsersAndRoles' {
    It 'restores the users and roles as the renamed database''s and leaves the live user alone' {
        $window = Get-MongoRestoreWindow -Repository $repository | Select-Object -First 1
        $result = Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime $window.ToTimestamp `
            -RenameDatabase "$hr=$($renamed)p" -IncludeUsersAndRoles -Drop -Confirm:$false

        $result.Succeeded | Should -BeTrue
        $result.UsersRestored | Should -Be 1
        Get-UserRoles $hr 'alice' | Should -Be $liveRoles
        Get-UserRoles "$($renamed)p" 'alice' | Should -Be @("hrReader@$($renamed)p", "read@$other")
    }
}

Describe 'Test-MongoSnapshot -ConnectionString of a snapshot taken with -IncludeUsersAndRoles' {
    It 'passes: users and roles are checked by their files, not counted as restored collections' {
        $result = $full | Test-MongoSnapshot -ConnectionString $uri
        $result.Problems | Should -BeNullOrEmpty
        $result.Passed | Should -BeTrue
        $result.RestoreCounts.Namespace | Should -Be @("$hr.employees", "$hr.payroll")
        Get-UserRoles $hr 'alice' | Should -Be $liveRoles
    }
}

Describe 'Backup-MongoDatabase -Database naming admin' {
    It 'without -IncludeUsersAndRoles warns that admin''s users and roles are not saved, naming the switch that saves them' {
        $folder = New-TestFolder
        try {
            $snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $folder -Database $hr, 'admin' -WarningVariable warnings -WarningAction SilentlyContinue
            $warnings.Message | Should -Contain ("-Database admin backs up the admin database's own collections only (it often has none): its users, " +
                "roles and auth schema (admin.system.users, system.roles, system.version) are saved with -IncludeUsersAndRoles, " +
                "which with admin named saves every database's users and roles, as mongodump --db admin does.")
            $snapshot.Files | Where-Object { $_ -like '*/admin/system.users.bson.zst' } | Should -BeNullOrEmpty

            $withUsers = Backup-MongoDatabase -ConnectionString $uri -Repository $folder -Database $hr, 'admin' -IncludeUsersAndRoles -WarningVariable quiet -WarningAction SilentlyContinue
            $quiet.Message | Should -Not -BeLike '-Database admin*'
            $withUsers.Files | Where-Object { $_ -like '*/admin/system.users.bson.zst' } | Should -Not -BeNullOrEmpty
        }
        finally { Remove-Item $folder -Recurse -Force -ErrorAction SilentlyContinue }
    }
}

Describe 'Restore-MongoDatabase renaming two databases whose users and roles reference each other' {
    # A DBA restores a copy of two related databases beside the live ones (-RenameDatabase 'hr=hr_c','pay=pay_c') with
    # their users. A user or role of hr granted on pay must, in the copy, be granted on pay_c: the rename of each
    # database is followed wherever it is referenced, as a user's grant on its own database is. Left as pay, the copied
    # user (whose password is the live one's) gets the live payroll database instead of the copy: a restore of a copy
    # that hands out rights on production data.
    BeforeAll {
        $script:hr2 = "hr2_$suffix"; $script:pay2 = "pay2_$suffix"
        (Get-Collection $uri $hr2 'employees').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
        (Get-Collection $uri $pay2 'salaries').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
        Invoke-On $hr2 ([ordered]@{ createRole = 'payView'
                privileges = @(@{ resource = @{ db = $pay2; collection = 'salaries' }; actions = @('find') }); roles = @() }) | Out-Null
        Invoke-On $hr2 ([ordered]@{ createUser = 'bob'; pwd = 'not-a-real-secret-2'; roles = @('payView', @{ role = 'read'; db = $pay2 }) }) | Out-Null
        $script:pair = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $hr2, $pay2 -IncludeUsersAndRoles -WarningAction SilentlyContinue
    }

    It 'grants the copied user and role on the copy of the other renamed database, never on the live one' {
        $hrCopy = "hr2c_$suffix"; $payCopy = "pay2c_$suffix"
        $result = $pair | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase @{ $hr2 = $hrCopy; $pay2 = $payCopy } -IncludeUsersAndRoles -Confirm:$false

        $result.Succeeded | Should -BeTrue
        Get-DocumentCount (Get-Collection $uri $payCopy 'salaries') | Should -Be 1
        Get-UserRoles $hrCopy 'bob' | Should -Be @("payView@$hrCopy", "read@$payCopy")
        $role = (Invoke-On $hrCopy ([ordered]@{ rolesInfo = 'payView'; showPrivileges = $true }))['roles'][0]
        $role['privileges'][0]['resource']['db'].AsString | Should -Be $payCopy
    }
}

Describe 'Restore-MongoDatabase renaming two databases into one, each with a user of the same name' {
    # -RenameDatabase @{ hr = 'merged'; crm = 'merged' } consolidates two databases; each had its own user alice (other
    # password, other roles). One database can hold one alice: the restore writes the first, then replaces it with the
    # second (-Drop replaces what the target held, not what this restore just wrote), reports both as restored and warns
    # of nothing, so one application's user is silently gone and the other's password and roles stand in for it. It should
    # refuse before writing, or keep one and name the other in a warning, and count what it restored.
    BeforeAll {
        $script:hr3 = "hr3_$suffix"; $script:crm3 = "crm3_$suffix"; $script:merged = "merged3_$suffix"
        (Get-Collection $uri $hr3 'employees').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
        (Get-Collection $uri $crm3 'customers').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
        Invoke-On $hr3 ([ordered]@{ createUser = 'alice'; pwd = 'not-a-real-secret-3'; roles = @('read') }) | Out-Null
        Invoke-On $crm3 ([ordered]@{ createUser = 'alice'; pwd = 'not-a-real-secret-4'; roles = @('readWrite') }) | Out-Null
        $script:two = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $hr3, $crm3 -IncludeUsersAndRoles -WarningAction SilentlyContinue
    }

    It 'does not silently replace one database''s user with the other''s' {
        $caught = $null; $result = $null; $warnings = @()
        try {
            $result = $two | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase @{ $hr3 = $merged; $crm3 = $merged } -IncludeUsersAndRoles -Drop `
                -Confirm:$false -ErrorAction Stop -WarningVariable warnings -WarningAction SilentlyContinue
        }
        catch { $caught = $_ }

        if ($caught) {
            # Refused: nothing of either user was written.
            $caught.Exception.Message | Should -Match 'alice'
            (Invoke-On $merged ([ordered]@{ usersInfo = 'alice' }))['users'].Count | Should -Be 0
        }
        else {
            $held = (Invoke-On $merged ([ordered]@{ usersInfo = 'alice' }))['users'].Count
            $result.UsersRestored | Should -Be $held -Because 'the count says how many users the target got'
            ($warnings -join "`n") | Should -Match "alice" -Because 'the user left out (or replaced) is named'
        }
    }
}

Describe 'Restore-MongoDatabase -IncludeUsersAndRoles: what it refuses before writing, and the live users it leaves alone' {
    BeforeAll {
        $script:hr5 = "hr5_$suffix"; $script:crm5 = "crm5_$suffix"
        (Get-Collection $uri $hr5 'employees').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
        (Get-Collection $uri $crm5 'customers').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
        foreach ($database in $hr5, $crm5) {
            Invoke-On $database ([ordered]@{ createRole = 'viewer'; privileges = @(@{ resource = @{ db = $database; collection = '' }; actions = @('find') }); roles = @() }) | Out-Null
        }
        Invoke-On 'admin' ([ordered]@{ createUser = "dba_$suffix"; pwd = 'not-a-real-secret-5'; roles = @(@{ role = 'readWrite'; db = $hr5 }) }) | Out-Null
        $script:five = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $hr5, $crm5, 'admin' -IncludeUsersAndRoles -WarningAction SilentlyContinue
    }

    It 'refuses two databases renamed into one that each hold a role of the same name, naming it and both databases' {
        $merged = "merged5_$suffix"
        { $five | Restore-MongoDatabase -ConnectionString $uri -Database $hr5, $crm5 -RenameDatabase @{ $hr5 = $merged; $crm5 = $merged } -IncludeUsersAndRoles -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*the role viewer of $crm5 and $hr5 would both be $merged.viewer*Nothing was written*"
        Get-DatabaseName $uri | Should -Not -Contain $merged
        (Invoke-On $merged ([ordered]@{ rolesInfo = 'viewer' }))['roles'].Count | Should -Be 0
    }

    It 'refuses a rename into a name that differs only in case from a database the server holds, users included' {
        $upper = $crm5.ToUpperInvariant()
        { $five | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$hr5=$upper" -IncludeUsersAndRoles -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "Cannot restore $hr5 into $($upper): the target server holds the database $crm5, whose name differs only in case*"
        (@(Get-DatabaseName $uri) -ccontains $upper) | Should -BeFalse
        (Invoke-On $upper ([ordered]@{ rolesInfo = 'viewer' }))['roles'].Count | Should -Be 0
    }

    It 'refuses a rename into a name MongoDB does not take for a database before writing, users included (breaker test)' {
        # -RenameDatabase 'hr5=hr5 copy' (a space; '/', '\', '.', '"' and names of 64 characters or more likewise:
        # NamespaceString::validDBName, src/mongo/db/namespace_string.h). Every namespace was refused by the server
        # (Invalid database name), yet the users step still wrote hr5's role and users into admin as 'hr5 copy''s: a
        # user with the live password for a database that cannot exist, reported as restored. The case-differing name
        # (the test above) is refused before anything is written for this very reason (DatabaseNameCase).
        $invalid = "$hr5 copy"
        # As a script runs it (not -ErrorAction Stop, which ended the run at the first namespace's error, before the users
        # step, and so hid the fault): the rename is refused as a whole, before anything is written, and no result comes.
        $result = $null; $refusal = $null
        try {
            $result = $five | Restore-MongoDatabase -ConnectionString $uri -Database $hr5 -RenameDatabase "$hr5=$invalid" -IncludeUsersAndRoles -Confirm:$false `
                -ErrorVariable refused -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        }
        catch { $refusal = $_ }

        $refusal | Should -Not -BeNullOrEmpty -Because 'the rename is refused as a whole, not namespace by namespace'
        $refusal.Exception.Message | Should -BeLike "*'$invalid': MongoDB refuses that name, a database name cannot contain a space*Nothing was written*"
        $result | Should -BeNullOrEmpty
        $written = (Invoke-On 'admin' ([ordered]@{ find = 'system.roles'; filter = @{ db = $invalid } }))['cursor']['firstBatch']
        @($written).Count | Should -Be 0 -Because 'no role is written for a database the server refuses'
    }

    It 'refuses with -WhatIf too, and a -NamespaceMap into a collection name MongoDB refuses, before writing' {
        { $five | Restore-MongoDatabase -ConnectionString $uri -Database $hr5 -RenameDatabase "$hr5=$hr5/copy" -IncludeUsersAndRoles -WhatIf -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*'$hr5/copy': MongoDB refuses that name, a database name cannot contain '/'*"
        $copy = "hr5m_$suffix"
        { $five | Restore-MongoDatabase -ConnectionString $uri -Database $hr5 -NamespaceMap @{ "$hr5.employees" = "$copy..employees" } -IncludeUsersAndRoles -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "Cannot restore $hr5.employees into $copy..employees: MongoDB refuses that name, a collection name cannot start with '.'*Nothing was written*"
        Get-DatabaseName $uri | Should -Not -Contain $copy
        (Invoke-On $copy ([ordered]@{ rolesInfo = 'viewer' }))['roles'].Count | Should -Be 0
    }

    It 'restores admin''s users as they were, their grants on a renamed database on the live one, and names them in a warning' {
        $copy = "hr5c_$suffix"
        $result = $five | Restore-MongoDatabase -ConnectionString $uri -Database $hr5, 'admin' -RenameDatabase "$hr5=$copy" -IncludeUsersAndRoles -Confirm:$false `
            -WarningVariable warnings -WarningAction SilentlyContinue

        $result.Succeeded | Should -BeTrue
        ($warnings -join "`n") | Should -BeLike "*admin.dba_$suffix is restored under its own name*readWrite@$hr5 are kept*readWrite@$copy*"
        Get-UserRoles 'admin' "dba_$suffix" | Should -Be @("readWrite@$hr5")
        $role = (Invoke-On $copy ([ordered]@{ rolesInfo = 'viewer'; showPrivileges = $true }))['roles'][0]
        $role['privileges'][0]['resource']['db'].AsString | Should -Be $copy
    }
}

Describe 'Invoke-MongoBackupPolicy -IncludeUsersAndRoles, and the runbook''s MONGOBACKUP_INCLUDE_USERS_AND_ROLES' {
    BeforeAll {
        function script:Invoke-UsersRunbook([string] $Folder, [string] $Setting) {
            # As systemd runs the shipped runbook: every setting in the environment (TestServer.ps1's helper).
            Invoke-RunbookWithEnvironment @{ MONGOBACKUP_URI = $uri; MONGOBACKUP_REPOSITORY = $Folder; MONGOBACKUP_DATABASE = $hr
                MONGOBACKUP_FULL_EVERY = '1d'; MONGOBACKUP_INCLUDE_USERS_AND_ROLES = $Setting }
        }
        function script:Restore-UsersOf([string] $Repository, [string] $As) {
            Get-MongoSnapshot -Repository $Repository -Latest |
                Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$hr=$As" -IncludeUsersAndRoles -Confirm:$false -WarningAction SilentlyContinue
        }
    }

    It 'takes the full backup with the users and roles, which a restore -IncludeUsersAndRoles brings back' {
        $policyRepository = New-TestFolder
        $run = Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $policyRepository -Database $hr -FullEvery 1d -IncludeUsersAndRoles -Confirm:$false
        $run.Action | Should -Be 'Full'
        $result = Restore-UsersOf $policyRepository "$($renamed)q"
        $result.UsersRestored | Should -Be 1
        $result.RolesRestored | Should -Be 1
        Get-UserRoles "$($renamed)q" 'alice' | Should -Be @("hrReader@$($renamed)q", "read@$($renamed)q", "read@$other")
    }

    It 'passes MONGOBACKUP_INCLUDE_USERS_AND_ROLES=true through to the full backup' {
        $runbookRepository = New-TestFolder
        $run = Invoke-UsersRunbook $runbookRepository 'true'
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'MongoBackup policy: Full '
        (Restore-UsersOf $runbookRepository "$($renamed)r").UsersRestored | Should -Be 1
    }

    It 'refuses a MONGOBACKUP_INCLUDE_USERS_AND_ROLES it cannot read, naming it, before backing anything up' {
        $refusedRepository = Join-Path (New-TestFolder) 'never'
        $run = Invoke-UsersRunbook $refusedRepository 'ture'
        $run.ExitCode | Should -Be 1
        $run.Output | Should -Match "MONGOBACKUP_INCLUDE_USERS_AND_ROLES is 'ture': set it to true or false"
        Test-Path $refusedRepository | Should -BeFalse
    }
}

Describe 'A user or role that already exists on the target' {
    It 'is kept, with a warning that says what -Drop would also do and how to replace only it' {
        $again = "$($renamed)k"
        $null = $full | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$hr=$again" -IncludeUsersAndRoles -Confirm:$false -WarningAction SilentlyContinue
        # The collections go (a DBA cleaning up), the users and roles of the database stay on the server.
        foreach ($name in 'employees', 'payroll') { [MongoDB.Driver.MongoClient]::new($uri).GetDatabase($again).DropCollection($name, [System.Threading.CancellationToken]::None) }

        $result = $full | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$hr=$again" -IncludeUsersAndRoles -Confirm:$false -WarningVariable kept -WarningAction SilentlyContinue

        $result.Succeeded | Should -BeTrue
        $result.UsersRestored | Should -Be 0
        $userWarning = @($kept | Where-Object { "$_" -like "The user $again.alice already exists*" })
        $userWarning.Count | Should -Be 1 -Because ($kept -join "`n")
        "$($userWarning[0])" | Should -BeLike '*kept as it is. -Drop replaces it with the backed-up definition, but -Drop also drops and re-creates every collection the restore takes; to replace only it, drop it on the target (dropUser) and restore again with -IncludeUsersAndRoles.'
        @($kept | Where-Object { "$_" -like "The role $again.hrReader already exists*(dropRole)*" }).Count | Should -Be 1
    }
}
