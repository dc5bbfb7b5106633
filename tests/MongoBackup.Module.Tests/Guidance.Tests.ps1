# What the s26 try-out's first-day DBA met: refusals that say what to do next. A rename that matches nothing in a
# partial newest snapshot names Get-MongoSnapshot -Latest -Database; -Repository without -Id says how to choose;
# Remove-MongoSnapshot judges piped snapshots as a set and says so per snapshot; a wrong key says what to check; a
# too-short passphrase is refused before the new-repository notice.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $suffix = [guid]::NewGuid().ToString('N').Substring(0, 6)
    $script:shop = "shop_$suffix"; $script:big = "big_$suffix"
    $none = [System.Threading.CancellationToken]::None
    (Get-Collection $uri $shop 'orders').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..3) { New-BsonDocument @{ _id = $i } }))
    (Get-Collection $uri $big 'events').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
    $script:repository = New-TestFolder
    $script:whole = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $shop, $big -WarningAction SilentlyContinue
    (Get-Collection $uri $shop 'orders').InsertOne((New-BsonDocument @{ _id = 4 }), $null, $none)
    Backup-MongoOplog -ConnectionString $uri -Repository $repository | Out-Null
    # The newest full snapshot is a partial one, of big alone, kept out of the chain.
    $script:partial = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $big -CopyOnly
}

AfterAll {
    Remove-TestRun -Uri $script:uri -Suffix $suffix -Server $server -Repository $repository
}

Describe 'Choosing the snapshot to restore' {
    It 'a rename that a newer partial snapshot does not hold names Get-MongoSnapshot -Latest -Database' {
        $caught = $null
        try { Get-MongoSnapshot -Repository $repository -Latest | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$shop=$($shop)_check" -ErrorAction Stop }
        catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.InvalidArgument,*'
        $caught.Exception.Message | Should -BeLike "*holds the databases: $big. If $shop is in another snapshot, Get-MongoSnapshot -Repository $repository -Latest -Database $shop gives the newest one holding it*"
        # The recipe works as written.
        $result = Get-MongoSnapshot -Repository $repository -Latest -Database $shop | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$shop=$($shop)_check"
        $result.Succeeded | Should -BeTrue
    }

    It '-Repository without -Id is refused with how to choose one, not a prompt for Id[0]' {
        { Restore-MongoDatabase -ConnectionString $uri -Repository $repository -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.InvalidArgument*' -ExpectedMessage "*give -Id*Get-MongoSnapshot -Repository $repository -Latest | Restore-MongoDatabase*"
    }

    It '-Repository without -Id lists the newest full snapshots to choose from, newest first, and restores none of them' {
        $caught = $null
        try { Restore-MongoDatabase -ConnectionString $uri -Repository $repository -RenameDatabase "$shop=$($shop)_unasked" -ErrorAction Stop } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.InvalidArgument,*'
        # Full snapshots only (a slice cannot be restored by Restore-MongoDatabase): the partial copy-only one, then the whole one.
        $caught.Exception.Message | Should -BeLike "*give -Id (the newest there: $($partial.Id), $($whole.Id); tab completion lists them)*"
        $databases = Read-Cursor ([MongoDB.Driver.MongoClient]::new($uri).ListDatabaseNames([System.Threading.CancellationToken]::None))
        $databases.Contains("$($shop)_unasked") | Should -BeFalse
    }
}

Describe 'The other cmdlets of chosen snapshots, given -Repository without -Id' {
    # Each refuses (a scheduled script would hang on a prompt for Id[0]) and says how to choose: -Id, the newest by
    # pipeline, and what else fits the verb; nothing is tested, copied, exported or removed. Test-MongoSnapshot does not
    # pick the newest itself: "the repository" may as well mean every snapshot, and a pass of one is no pass of the rest.
    BeforeDiscovery {
        $script:siblings = @(
            @{ Name = 'Test-MongoSnapshot'; Doing = 'test'; More = 'To test every snapshot of it, pipe them all: Get-MongoSnapshot -Repository * | Test-MongoSnapshot*' }
            @{ Name = 'Copy-MongoSnapshot'; Doing = 'copy'; More = 'To copy every snapshot of it, pipe them all: Get-MongoSnapshot -Repository * | Copy-MongoSnapshot*' }
            @{ Name = 'Export-MongoSnapshot'; Doing = 'export'; More = '' }
            @{ Name = 'Remove-MongoSnapshot'; Doing = 'remove'; More = 'To remove snapshots by age or count, Invoke-MongoSnapshotRetention -Repository * applies keep rules*' }
        )
    }

    It '<Name> -Repository alone is refused naming -Id and the Get-MongoSnapshot pipeline' -ForEach $siblings {
        $arguments = @{ Repository = $repository; ErrorAction = 'Stop' }
        if ($Name -eq 'Copy-MongoSnapshot') { $arguments.Destination = (New-TestFolder) }
        if ($Name -eq 'Export-MongoSnapshot') { $arguments.Path = Join-Path (New-TestFolder) 'out' }
        if ($Name -eq 'Remove-MongoSnapshot') { $arguments.Confirm = $false }
        $before = @(Get-MongoSnapshot -Repository $repository).Count
        $caught = $null
        try { & $Name @arguments } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike "MongoBackup.InvalidArgument,*"
        $caught.Exception.Message | Should -BeLike "-Repository names where snapshots are, not which one to $($Doing): give -Id*Get-MongoSnapshot -Repository $repository -Latest | $Name ...*"
        # Every kind can be tested, copied, exported or removed: the newest three are named, the slice among them.
        $newest = @(Get-MongoSnapshot -Repository $repository | Sort-Object StartTime -Descending | Select-Object -First 3).Id
        $caught.Exception.Message | Should -BeLike "*give -Id (the newest there: $($newest -join ', '); tab completion lists them)*"
        if ($More) { $caught.Exception.Message | Should -BeLike "*$More" }
        else { $caught.Exception.Message | Should -BeLike '*holding that database).' }
        @(Get-MongoSnapshot -Repository $repository).Count | Should -Be $before
    }
}

Describe 'Remove-MongoSnapshot of several piped snapshots' {
    It '-WhatIf gives each snapshot its own reason, and one that may go alone is said to go with the set' {
        $plan = Get-MongoSnapshot -Repository $repository -Kind Full | Remove-MongoSnapshot -WhatIf -WarningAction SilentlyContinue
        $plan.Count | Should -Be 2
        $plan | ForEach-Object { $_.WouldRun | Should -BeFalse; $_.Problem | Should -Match ([regex]::Escape($_.Target)) }
        ($plan | Where-Object Target -eq $whole.Id).Problem | Should -BeLike "*full snapshot $($whole.Id) is the base of*"
        ($plan | Where-Object Target -eq $partial.Id).Problem |
            Should -BeLike "$($partial.Id) may go on its own (Remove-MongoSnapshot -Id $($partial.Id)), but the snapshots given are judged and removed as one set, and $($whole.Id) may not:*"
        ($partial | Remove-MongoSnapshot -WhatIf).WouldRun | Should -BeTrue
    }

    It 'the refusal says the snapshots were judged as one set' {
        { Get-MongoSnapshot -Repository $repository -Kind Full | Remove-MongoSnapshot -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.SnapshotInUse*' -ExpectedMessage '*the snapshots given are judged and removed as one set*'
        (Get-MongoSnapshot -Repository $repository -Kind Full).Count | Should -Be 2
    }
}

Describe 'Encryption keys' {
    It 'a wrong passphrase says what to check' {
        $folder = New-TestFolder
        try {
            $right = ConvertTo-SecureString 'right-passphrase-1234' -AsPlainText -Force
            $wrong = ConvertTo-SecureString 'wrong-passphrase-1234' -AsPlainText -Force
            $snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $folder -Database $shop -EncryptionKey $right -WarningAction SilentlyContinue
            { $snapshot | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$shop=$($shop)_enc" -EncryptionKey $wrong -ErrorAction Stop } |
                Should -Throw -ErrorId 'MongoBackup.WrongEncryptionKey*' -ExpectedMessage '*Check the passphrase (-EncryptionKey) or key file (-EncryptionKeyFile) given*Update-MongoSnapshotKey*'
        }
        finally { Remove-Item $folder -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'a too-short passphrase is refused before the new-repository notice, and nothing is created' {
        $parent = New-TestFolder
        $folder = Join-Path $parent 'new-repo'
        try {
            $short = ConvertTo-SecureString 'short' -AsPlainText -Force
            $caught = $null
            try { Backup-MongoDatabase -ConnectionString $uri -Repository $folder -Database $shop -EncryptionKey $short -WarningVariable notices -ErrorAction Stop }
            catch { $caught = $_ }
            $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.InvalidArgument,*'
            $caught.Exception.Message | Should -BeLike '*at least 12 characters*'
            $notices | Should -BeNullOrEmpty
            Test-Path $folder | Should -BeFalse
        }
        finally { Remove-Item $parent -Recurse -Force -ErrorAction SilentlyContinue }
    }
}
