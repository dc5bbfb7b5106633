# Two replica sets backed up into one repository, each by its own scheduled Invoke-MongoBackupPolicy with its own keep
# rules, as a DBA schedules them: each policy's retention reaches its own set's snapshots only, never the other's.
# Invoke-MongoSnapshotRetention still reaches the whole repository.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    # Two in-memory replica sets of their own (started even when MONGOBACKUP_TEST_URI is set: they are given arguments).
    $script:orders = Start-MongoTestServer -Arguments '--replSet', 'orders'
    $script:billing = Start-MongoTestServer -Arguments '--replSet', 'billing'
    $script:db = 'pester_shared_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    foreach ($server in $orders, $billing) {
        (Get-Collection $server.Uri $db 'items').InsertOne((New-BsonDocument ([ordered]@{ _id = 1; name = 'item 1' })))
    }
}

AfterAll {
    Stop-MongoTestServer $script:orders
    Stop-MongoTestServer $script:billing
}

Describe 'Invoke-MongoBackupPolicy on a repository shared by two replica sets' {
    BeforeEach {
        $script:repository = New-TestFolder
        # Billing keeps 30 fulls, orders only its newest one; each set has two fulls (a FullEvery under a minute is refused,
        # so the older ones are taken directly).
        $script:billingOld = Backup-MongoDatabase -ConnectionString $billing.Uri -Repository $repository -Database $db -WarningAction SilentlyContinue
        $script:billingNew = Backup-MongoDatabase -ConnectionString $billing.Uri -Repository $repository -Database $db
        $script:ordersOld = Backup-MongoDatabase -ConnectionString $orders.Uri -Repository $repository -Database $db
        $script:ordersNew = Backup-MongoDatabase -ConnectionString $orders.Uri -Repository $repository -Database $db
    }

    It "removes by its rules only its own set's old full, keeps the other set's, and says which source it reached" {
        $billingRun = Invoke-MongoBackupPolicy -ConnectionString $billing.Uri -Repository $repository -FullEvery '1d' -Database $db -KeepLast 30
        $output = @(Invoke-MongoBackupPolicy -ConnectionString $orders.Uri -Repository $repository -FullEvery '1d' -Database $db -KeepLast 1 -Verbose 4>&1)
        $ordersRun = $output | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
        $verbose = ($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message

        $billingRun.Removed | Should -BeNullOrEmpty
        $ordersRun.Removed | Should -Be @($ordersOld.Id)
        $ordersRun.RetentionSource | Should -BeLike "replica set 'orders' (replicaSetId *)"
        $billingRun.RetentionSource | Should -BeLike "replica set 'billing' (replicaSetId *)"
        $left = (Get-MongoSnapshot -Repository $repository -Kind Full).Id
        $left | Should -Contain $billingOld.Id   # KeepLast 1 over the whole repository would have removed it
        $left | Should -Contain $billingNew.Id
        $left | Should -Contain $ordersNew.Id
        $left | Should -Not -Contain $ordersOld.Id
        # Billing's two fulls, and a slice if its run took one.
        $verbose | Where-Object { $_ -like "Retention (KeepLast 1) reaches the snapshots of $($ordersRun.RetentionSource) only: * snapshot(s) of other sources in $repository are kept, for their own policy, or Invoke-MongoSnapshotRetention or Remove-MongoSnapshot, to decide on." } |
            Should -HaveCount 1
    }

    It "-WhatIf plans the removal of its own set's old full only, naming the source, and lists the other set's as kept" {
        $output = @(Invoke-MongoBackupPolicy -ConnectionString $orders.Uri -Repository $repository -FullEvery '1d' -Database $db -KeepLast 1 -WhatIf -Verbose 4>&1)
        $removals = @($output | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] -and $_.Action -eq 'Remove' })
        $verbose = ($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message

        $removals.Target | Should -Be @($ordersOld.Id)
        $removals[0].Detail | Should -BeLike "snapshot of replica set 'orders' (replicaSetId *) from $repository (retention: KeepLast 1)"
        $verbose | Where-Object { $_ -like "Retention reaches the snapshots of replica set 'orders'*only: 2 snapshot(s) of other sources*" } |
            Should -Match ([regex]::Escape($billingOld.Id))
        @(Get-MongoSnapshot -Repository $repository -Kind Full).Count | Should -Be 4
    }

    It 'Invoke-MongoSnapshotRetention still applies its rules to every source of the repository' {
        Invoke-MongoSnapshotRetention -Repository $repository -KeepLast 1 -Confirm:$false | Out-Null

        $left = (Get-MongoSnapshot -Repository $repository -Kind Full).Id
        $left | Should -Not -Contain $billingOld.Id
        $left | Should -Not -Contain $ordersOld.Id
        @($left) | Should -HaveCount 2
    }
}
