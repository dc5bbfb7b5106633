# -WhatIf as a dry run: it checks what the real run would check, says which steps the real run would refuse, and emits
# the plan as objects a script can capture (as dbatools' -OutputScriptOnly), writing nothing.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_wi_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $none = [System.Threading.CancellationToken]::None
    (Get-Collection $uri $db 'orders').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..10) { New-BsonDocument @{ _id = $i } }))
    (Get-Collection $uri $db 'customers').InsertOne((New-BsonDocument @{ _id = 1 }), $null, $none)
    $script:repository = New-TestFolder
    $script:full = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db
    # A target where one of the two namespaces already holds data.
    (Get-Collection $uri "$($db)_busy" 'orders').InsertOne((New-BsonDocument @{ _id = 'theirs' }), $null, $none)
    $script:passphrase = ConvertTo-SecureString 'Correct-horse-battery-1' -AsPlainText -Force
    $script:newPassphrase = ConvertTo-SecureString 'Another-long-passphrase-2' -AsPlainText -Force
    $script:encrypted = New-TestFolder
    $script:encryptedFull = Backup-MongoDatabase -ConnectionString $uri -Repository $encrypted -Database $db -EncryptionKey $passphrase

    function Get-Flat([object[]] $Plan, [int] $Width) {
        # The Detail column of the plan's table as a console of that width shows it, its lines joined and every run of
        # white space one space: a Detail in lines reads on with its words whole, and only a word cut in the middle
        # fails a match on it. (Target's lines, beside it, are left out: they would interleave.)
        $lines = @(($Plan | Format-Table | Out-String -Width $Width) -split "`r?`n" | ForEach-Object TrimEnd | Where-Object { $_ })
        $at = $lines[0].IndexOf('Detail')
        $at | Should -BeGreaterThan 0 -Because ($lines -join "`n")
        ((@($lines | Select-Object -Skip 2 | Where-Object Length -gt $at | ForEach-Object { $_.Substring($at) }) -join ' ') -replace '\s+', ' ')
    }
}

AfterAll {
    if ($script:uri) {
        $client = [MongoDB.Driver.MongoClient]::new($uri)
        foreach ($name in Get-DatabaseName $uri | Where-Object { $_ -like "$db*" }) { $client.DropDatabase($name, [System.Threading.CancellationToken]::None) }
    }
    Stop-MongoTestServer $server
    foreach ($path in $repository, $encrypted) { Remove-Item $path -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Restore-MongoDatabase -WhatIf' {
    BeforeAll {
        $script:plan = $full | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$db=$($db)_busy" -WhatIf -WarningVariable planWarnings -WarningAction SilentlyContinue
        $script:planWarnings = $planWarnings
    }

    It 'emits the plan as objects, one per namespace' {
        $plan | Should -BeOfType MongoBackup.MongoPlannedAction
        $plan.Target | Should -Be @("$($db)_busy.customers", "$($db)_busy.orders")
        $plan.Source | Should -Be @("$db.customers", "$db.orders")
    }

    It 'marks the target the real run refuses, with the error the real run gives, and warns' {
        $refused = $plan | Where-Object Target -eq "$($db)_busy.orders"
        $refused.WouldRun | Should -BeFalse
        $refused.ErrorId | Should -Be 'MongoBackup.TargetNotEmpty'
        $refused.Problem | Should -BeLike "*$($db)_busy.orders already holds 1 document;*"
        $refused.Detail | Should -BeLike "collection $db.orders from * into mongodb://*"
        ($plan | Where-Object Target -eq "$($db)_busy.customers").WouldRun | Should -BeTrue
        $planWarnings.Message | Should -BeLike "-WhatIf: the run would refuse $($db)_busy.orders*"

        $real = $full | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$db=$($db)_busy" -ErrorVariable errors -ErrorAction SilentlyContinue
        ($real.Namespaces | Where-Object { -not $_.Succeeded }).TargetNamespace | Should -Be @($refused.Target)
        $errors[0].FullyQualifiedErrorId | Should -BeLike "$($refused.ErrorId),*"
    }

    It 'writes nothing' {
        Get-DocumentCount (Get-Collection $uri "$($db)_busy" 'orders') | Should -Be 1
        Get-DatabaseName $uri | Should -Not -Contain "$($db)_whatif"
        $full | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$db=$($db)_whatif" -WhatIf | Out-Null
        Get-DatabaseName $uri | Should -Not -Contain "$($db)_whatif"
    }

    It 'shows a snapshot whose manifest does not hold together as one refused step, with the error the run gives' {
        $tampered = New-TestFolder
        try {
            $copy = Copy-MongoSnapshot -InputObject $full -Destination $tampered
            Edit-SnapshotManifest $copy.Path { param($manifest) $manifest.consistentAt.wallTime = '2001-01-01T00:00:00Z' } # moved by years

            $step = Restore-MongoDatabase -Path $copy.Path -ConnectionString $uri -RenameDatabase "$db=$($db)_bad" -WhatIf -WarningVariable warned -WarningAction SilentlyContinue -ErrorAction Stop
            $step | Should -HaveCount 1
            $step.WouldRun | Should -BeFalse
            $step.ErrorId | Should -Be 'MongoBackup.CorruptFile'
            $step.Problem | Should -BeLike "*$($copy.Id)*days apart*"
            "$warned" | Should -BeLike '-WhatIf: the run would refuse*days apart*'
            ($copy | Export-MongoSnapshot -Path (Join-Path $tampered 'dump') -WhatIf -WarningAction SilentlyContinue).ErrorId | Should -Be 'MongoBackup.CorruptFile'

            { Restore-MongoDatabase -Path $copy.Path -ConnectionString $uri -RenameDatabase "$db=$($db)_bad" -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId "$($step.ErrorId),*"
            Get-DatabaseName $uri | Should -Not -Contain "$($db)_bad"
        }
        finally { Remove-Item $tampered -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'checks the target server as the run does: an unreachable one is an error, not a plan' {
        { $full | Restore-MongoDatabase -ConnectionString 'mongodb://127.0.0.1:1/' -ConnectTimeout 2 -RenameDatabase "$db=$($db)_x" -WhatIf -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.ServerUnreachable*'
    }
}

Describe 'What a console shows of a restore -WhatIf' {
    It 'says each step once: its planned action, with no What if line repeating it (<Name>)' -ForEach @(
        @{ Name = 'Restore-MongoDatabase'; Command = 'Get-MongoSnapshot -Repository "{0}" -Id {1} | Restore-MongoDatabase -ConnectionString "{2}" -RenameDatabase "{3}={3}_console" -WhatIf' }
        @{ Name = 'Restore-MongoPointInTime'; Command = 'Restore-MongoPointInTime -Repository "{0}" -ConnectionString "{2}" -ClusterTime (Get-MongoSnapshot -Repository "{0}" -Id {1}).ConsistentAtTimestamp -RenameDatabase "{3}={3}_console" -WhatIf' }
    ) {
        # A fresh pwsh whose host writes to its standard output, as a console shows it; the plan is not captured.
        $line = $Command -f $repository, $full.Id, $uri, $db
        $script = "`$PSStyle.OutputRendering = 'PlainText'; Import-Module '$($env:MONGOBACKUP_MODULE)'; $line | Format-Table -Property Action, Target -AutoSize | Out-String -Width 200"
        $exe = [Environment]::ProcessPath
        $arguments = @('-NoProfile', '-NonInteractive', '-Command', $script)
        if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $arguments = @(Join-Path $PSHOME 'pwsh.dll') + $arguments }
        $output = (& $exe @arguments 2>&1 | Out-String)
        $output | Should -Not -Match 'What if:' -Because $output
        foreach ($collection in 'orders', 'customers') {
            [regex]::Matches($output, [regex]::Escape("$($db)_console.$collection")).Count | Should -Be 1 -Because $output
        }
        Get-DatabaseName $uri | Should -Not -Contain "$($db)_console"
    }
}

Describe 'Restore-MongoPointInTime -WhatIf' {
    It 'plans each namespace with the base snapshot and marks a target that holds data' {
        $plan = Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime $full.ConsistentAtTimestamp -RenameDatabase "$db=$($db)_busy" -WhatIf -WarningAction SilentlyContinue
        $plan.Target | Should -Be @("$($db)_busy.customers", "$($db)_busy.orders")
        ($plan | Where-Object Target -eq "$($db)_busy.orders").ErrorId | Should -Be 'MongoBackup.TargetNotEmpty'
        $plan[0].Detail | Should -BeLike "*from snapshot $($full.Id) and no oplog slices*"
    }

    It 'shows at 80 columns the snapshot the restore would use and the target it would refuse, with the error' {
        # Help's Example 2: -WhatIf names the full snapshot and the slices; at 80 columns the Detail column was cut to
        # 'collection shop.cu…' and the snapshot id never showed.
        $plan = Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime $full.ConsistentAtTimestamp -RenameDatabase "$db=$($db)_busy" -WhatIf -WarningAction SilentlyContinue
        foreach ($width in 80, 100, 120) {
            $text = Get-Flat $plan $width
            $text | Should -Not -Match '…' -Because $text
            $text | Should -Match ('from snapshot ' + [regex]::Escape($full.Id) + ' and no oplog slices') -Because "at $width columns: $text"
            $text | Should -Match ('MongoBackup\.TargetNotEmpty: The target ' + [regex]::Escape("$($db)_busy.orders") + ' already holds 1 document') -Because "at $width columns: $text"
        }
    }
}

Describe 'Backup-MongoDatabase and Backup-MongoOplog -WhatIf' {
    It 'Backup-MongoDatabase -WhatIf emits each namespace it would take and creates no repository' {
        $nowhere = Join-Path $repository 'not-yet'
        $plan = Backup-MongoDatabase -ConnectionString $uri -Repository $nowhere -Database $db -WhatIf
        $plan.Action | Should -Be @('Back up', 'Back up')
        $plan.WouldRun | Should -Be @($true, $true)
        Test-Path $nowhere | Should -BeFalse
    }

    It 'Backup-MongoOplog -WhatIf says the span a slice would hold' {
        (Get-Collection $uri $db 'orders').InsertOne((New-BsonDocument @{ _id = 11 }), $null, [System.Threading.CancellationToken]::None)
        $plan = Backup-MongoOplog -ConnectionString $uri -Repository $repository -WhatIf
        $plan.Action | Should -Be 'Save oplog'
        $plan.Detail | Should -BeLike "entries after $($full.ConsistentAtTimestamp) (*) up to Timestamp(*"
        @(Get-MongoSnapshot -Repository $repository -Kind Oplog).Count | Should -Be 0
    }

    It 'Backup-MongoOplog -WhatIf says Nothing when the oplog holds nothing after the last slice' {
        Backup-MongoOplog -ConnectionString $uri -Repository $repository | Out-Null
        $plan = Backup-MongoOplog -ConnectionString $uri -Repository $repository -WhatIf
        $plan.Action | Should -Be 'Nothing'
        $plan.Detail | Should -BeLike 'the oplog holds nothing after Timestamp(*: no slice would be written'
    }

    It 'Backup-MongoOplog -WhatIf marks a slice the run would refuse for its key, with the error the run gives, and writes nothing' {
        (Get-Collection $uri $db 'orders').InsertOne((New-BsonDocument @{ _id = 21 }), $null, [System.Threading.CancellationToken]::None)
        # No key for a chain whose full snapshot is encrypted, and a key that does not open it.
        $keyless = Backup-MongoOplog -ConnectionString $uri -Repository $encrypted -WhatIf -WarningVariable warned -WarningAction SilentlyContinue
        $keyless.WouldRun | Should -BeFalse
        $keyless.ErrorId | Should -Be 'MongoBackup.EncryptionKeyRequired'
        $warned | Should -BeLike '-WhatIf: the run would refuse*'
        { Backup-MongoOplog -ConnectionString $uri -Repository $encrypted -ErrorAction Stop } | Should -Throw -ErrorId 'MongoBackup.EncryptionKeyRequired*'
        $wrong = Backup-MongoOplog -ConnectionString $uri -Repository $encrypted -EncryptionKey $newPassphrase -WhatIf -WarningAction SilentlyContinue
        $wrong.WouldRun | Should -BeFalse
        $wrong.ErrorId | Should -Be 'MongoBackup.WrongEncryptionKey'
        { Backup-MongoOplog -ConnectionString $uri -Repository $encrypted -EncryptionKey $newPassphrase -ErrorAction Stop } | Should -Throw -ErrorId 'MongoBackup.WrongEncryptionKey*'
        $right = Backup-MongoOplog -ConnectionString $uri -Repository $encrypted -EncryptionKey $passphrase -WhatIf
        $right.Action | Should -Be 'Save oplog'
        $right.WouldRun | Should -BeTrue
        @(Get-MongoSnapshot -Repository $encrypted -Kind Oplog).Count | Should -Be 0
    }

    It 'Backup-MongoOplog -WhatIf refuses what the run refuses: no full snapshot to continue' {
        { Backup-MongoOplog -ConnectionString $uri -Repository (New-TestFolder) -WhatIf -ErrorAction Stop } | Should -Throw -ErrorId 'MongoBackup.NoBaseSnapshot*'
    }
}

Describe 'Update-MongoSnapshotKey -WhatIf' {
    It 'with a passphrase, shows the fingerprint the real run writes (the repository keeps one salt)' {
        $plan = Update-MongoSnapshotKey -Repository $encrypted -EncryptionKey $passphrase -NewEncryptionKey $newPassphrase -WhatIf
        $plan.WouldRun | Should -BeTrue
        $rotated = Update-MongoSnapshotKey -Repository $encrypted -EncryptionKey $passphrase -NewEncryptionKey $newPassphrase -Confirm:$false
        $plan.Detail | Should -BeLike "*now under key $($encryptedFull.KeyFingerprint)*under key $($rotated.KeyFingerprint);*"
        # Back to the first passphrase for the tests after this one: it comes back under its first fingerprint.
        $back = Update-MongoSnapshotKey -Repository $encrypted -EncryptionKey $newPassphrase -NewEncryptionKey $passphrase -Confirm:$false
        $back.KeyFingerprint | Sort-Object -Unique | Should -Be $encryptedFull.KeyFingerprint
    }

    It 'with a key file, shows the fingerprint the real run writes' {
        $keyFile = Join-Path (New-TestFolder) 'backup.key'
        Set-Content $keyFile ('ab' * 32) -NoNewline
        $plan = Update-MongoSnapshotKey -Repository $encrypted -EncryptionKey $passphrase -NewEncryptionKeyFile $keyFile -WhatIf
        $rotated = Update-MongoSnapshotKey -Repository $encrypted -EncryptionKey $passphrase -NewEncryptionKeyFile $keyFile -Confirm:$false
        $plan.Detail | Should -BeLike "*under key $($rotated.KeyFingerprint);*"
        Update-MongoSnapshotKey -Repository $encrypted -EncryptionKeyFile $keyFile -NewEncryptionKey $passphrase -Confirm:$false | Out-Null
    }

    It 'tries the current key, as the run does: a wrong one is marked WrongEncryptionKey' {
        # To a third key: the snapshots are already under $passphrase, which the repository's one salt makes the same key.
        $third = ConvertTo-SecureString 'a-third-long-passphrase' -AsPlainText -Force
        $plan = Update-MongoSnapshotKey -Repository $encrypted -EncryptionKey $newPassphrase -NewEncryptionKey $third -WhatIf -WarningAction SilentlyContinue
        $plan.WouldRun | Should -BeFalse
        $plan.ErrorId | Should -Be 'MongoBackup.WrongEncryptionKey'
    }
}

Describe 'Test-MongoSnapshot -WhatIf' {
    It 'emits the planned verification and scratch restore, reading no file and writing nothing' {
        $damaged = New-TestFolder
        $snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $damaged -Database $db
        # A damaged data file: a test that read it would fail; the dry run does not read it.
        $file = Get-ChildItem (Join-Path $snapshot.Path $db) -Filter 'orders.bson*'
        [System.IO.File]::WriteAllBytes($file.FullName, [byte[]] @(1, 2, 3))
        $before = @(Get-ChildItem $damaged -Recurse -Force | ForEach-Object FullName)

        $plan = @($snapshot | Test-MongoSnapshot -ConnectionString $uri -WhatIf -ErrorVariable problems)

        $problems | Should -BeNullOrEmpty
        $plan | ForEach-Object { $_ | Should -BeOfType ([MongoBackup.MongoPlannedAction]) }
        $plan.Action | Should -Be @('Verify', 'Restore into scratch databases')
        $plan[0].Target | Should -Be $snapshot.Id
        $plan[0].Detail | Should -BeLike "* files (*) of full snapshot in *: size, SHA-256*"
        $plan[1].Detail | Should -BeLike "databases $db of snapshot $($snapshot.Id) restored as*dropped"
        @(Get-ChildItem $damaged -Recurse -Force | ForEach-Object FullName) | Should -Be $before
        @(Get-DatabaseName $uri | Where-Object { $_ -like '*__verify_*' }) | Should -BeNullOrEmpty
        # The real test reads the file and fails it.
        ($snapshot | Test-MongoSnapshot -ErrorAction SilentlyContinue).Passed | Should -BeFalse
    }
}

Describe 'Housekeeping -WhatIf' {
    It 'Copy-MongoSnapshot -WhatIf onto a repository that holds the snapshot is marked SnapshotExists' {
        $destination = New-TestFolder
        $full | Copy-MongoSnapshot -Destination $destination -Confirm:$false | Out-Null
        $plan = $full | Copy-MongoSnapshot -Destination $destination -WhatIf -WarningAction SilentlyContinue
        $plan.ErrorId | Should -Be 'MongoBackup.SnapshotExists'
        ($full | Copy-MongoSnapshot -Destination $destination -Force -WhatIf).WouldRun | Should -BeTrue
    }

    It 'Remove-MongoSnapshot -WhatIf of a full whose slice would stay behind is marked SnapshotInUse' {
        $chain = New-TestFolder
        $base = Backup-MongoDatabase -ConnectionString $uri -Repository $chain -Database $db
        (Get-Collection $uri $db 'orders').InsertOne((New-BsonDocument @{ _id = 12 }), $null, [System.Threading.CancellationToken]::None)
        Backup-MongoOplog -ConnectionString $uri -Repository $chain | Out-Null
        $plan = Remove-MongoSnapshot -Repository $chain -Id $base.Id -WhatIf -WarningAction SilentlyContinue
        $plan.WouldRun | Should -BeFalse
        $plan.ErrorId | Should -Be 'MongoBackup.SnapshotInUse'
        (Get-MongoSnapshot -Repository $chain -Kind Full).Id | Should -Be $base.Id
        # What an 80-column console shows: why the removal would be refused (the table's Detail showed
        # 'MongoBackup.Snapsh…'), the error id and the slice it would strand, each id whole.
        $slice = Get-MongoSnapshot -Repository $chain -Kind Oplog
        $text = Get-Flat $plan 80
        $text | Should -Match ('MongoBackup\.SnapshotInUse: Nothing was removed') -Because $text
        $text | Should -Match ('full snapshot ' + [regex]::Escape($base.Id) + ' is the base of') -Because $text
        $text | Should -Match ([regex]::Escape("its oplog slices $($slice.Id) would stay behind")) -Because $text
        $text | Should -Not -Match '…' -Because $text
    }

    It 'Invoke-MongoBackupPolicy -WhatIf emits the decision and the removals' {
        $plan = Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -FullEvery 1d -Database $db -KeepLast 1 -WhatIf
        $plan[0].Action | Should -BeIn 'Slice', 'Nothing'
        $plan[0].Detail | Should -BeLike '*next full snapshot is due*'
        # At 80 columns the decision's reason read 'the next full snap…'.
        $text = Get-Flat $plan[0] 80
        $text | Should -Match ([regex]::Escape(($plan[0].Detail -replace '\s+', ' '))) -Because $text
    }
}

Describe 'What a console shows of any -WhatIf' {
    It 'keeps the table within 80 columns with each header on one line, and wraps a long step at spaces, not in a word' {
        $plan = @(Remove-MongoSnapshot -Repository $repository -Id $full.Id -WhatIf -WarningAction SilentlyContinue) +
            @(Restore-MongoPointInTime -ConnectionString $uri -Repository $repository -ClusterTime $full.ConsistentAtTimestamp -RenameDatabase "$db=$($db)_busy" -WhatIf -WarningAction SilentlyContinue)
        $lines = @(($plan | Format-Table | Out-String -Width 80) -split "`r?`n" | ForEach-Object TrimEnd | Where-Object { $_ })
        $lines[0] | Should -Match '^WouldRun +Action +Target +Detail$'
        $lines[1] | Should -Match '^-+( +-+){3}$'
        foreach ($line in $lines) { $line.Length | Should -BeLessOrEqual 80 -Because $line }
        $shown = Get-Flat $plan 80
        foreach ($step in $plan) {
            # The plan's detail, and under it why the run would refuse the step, every word whole (but a path longer
            # than the column, broken after a '/', '-' or '.' or at its edge).
            foreach ($text in $step.Detail, $(if ($step.ErrorId) { "$($step.ErrorId): $($step.Problem)" })) {
                foreach ($word in $text -split '\s+' | Where-Object { $_ -and $_.Length -le 31 }) {
                    $shown | Should -Match ("(^|\s)" + [regex]::Escape($word) + "(\s|$)") -Because "$word in $shown"
                }
            }
        }
    }
}
