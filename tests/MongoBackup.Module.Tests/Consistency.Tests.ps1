# The same parameter means the same thing everywhere: names, types and aliases agree across cmdlets, every cmdlet
# that writes or removes supports -WhatIf and -Confirm, and the mongodump/mongorestore aliases work as a DBA types them.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    # Get-* and Find-* only read; New-MongoRepository only describes a repository (nothing is contacted or created).
    $script:writers = @(Get-Command -Module MongoBackup -CommandType Cmdlet |
        Where-Object { $_.Verb -notin 'Get', 'Find' -and $_.Name -ne 'New-MongoRepository' } | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters

    function Get-ParameterUse {
        # Every (cmdlet, parameter) of the module with the parameter's type and aliases.
        foreach ($c in Get-Command -Module MongoBackup -CommandType Cmdlet) {
            foreach ($p in $c.Parameters.Values | Where-Object { $_.Name -notin $common }) {
                [pscustomobject]@{ Cmdlet = $c.Name; Name = $p.Name; Type = $p.ParameterType.FullName; Aliases = (@($p.Aliases) | Sort-Object) -join ',' }
            }
        }
    }
}

Describe 'Parameter names across the module' {
    It 'gives a parameter the same type and aliases on every cmdlet that has it' {
        # New-MongoRepository's -ConnectionString is an Azure Storage connection string (a secret), not a MongoDB URI.
        # -EncryptionKey and -EncryptionKeyFile take several keys where snapshots are read (each opened by the key whose
        # fingerprint its manifest records) and one where one is written or rotated: the same element type, checked below.
        $uses = Get-ParameterUse | Where-Object { -not ($_.Cmdlet -eq 'New-MongoRepository' -and $_.Name -eq 'ConnectionString') } |
            ForEach-Object { if ($_.Name -in 'EncryptionKey', 'EncryptionKeyFile') { $_.Type = $_.Type -replace '\[\]$', '' }; $_ }
        $disagreements = foreach ($group in $uses | Group-Object Name) {
            $shapes = @($group.Group | Group-Object Type, Aliases)
            if ($shapes.Count -gt 1) { "$($group.Name): " + (($shapes | ForEach-Object { "$($_.Name) on $(($_.Group.Cmdlet) -join '/')" }) -join ' vs ') }
        }
        $disagreements | Should -BeNullOrEmpty
    }

    It 'takes several keys on exactly the cmdlets that read snapshots, one on those that write or rotate' {
        $several = Get-ParameterUse | Where-Object { $_.Name -eq 'EncryptionKeyFile' -and $_.Type -like '*[[]]' } | ForEach-Object Cmdlet | Sort-Object
        $several | Should -Be @('Export-MongoSnapshot', 'Find-MongoOplogEntry', 'Restore-MongoDatabase', 'Restore-MongoPointInTime', 'Test-MongoSnapshot')
        foreach ($c in $several) { (Get-Command $c).Parameters['EncryptionKey'].ParameterType | Should -Be ([securestring[]]) -Because $c }
    }

    It 'never uses one alias for two different parameters' {
        $owners = Get-ParameterUse | Where-Object Aliases | ForEach-Object { foreach ($a in $_.Aliases -split ',') { [pscustomobject]@{ Alias = $a; Name = $_.Name } } }
        $clashes = $owners | Group-Object Alias | Where-Object { @($_.Group.Name | Sort-Object -Unique).Count -gt 1 } | ForEach-Object Name
        $clashes | Should -BeNullOrEmpty
    }

    It 'names the server the way mongodump does and takes the same connection parameters, on every cmdlet that connects' {
        foreach ($c in Get-Command -Module MongoBackup -CommandType Cmdlet | Where-Object { $_.Parameters.ContainsKey('ConnectionString') -and $_.Name -ne 'New-MongoRepository' }) {
            $c.Parameters['ConnectionString'].Aliases | Should -Contain 'Uri' -Because $c.Name
            foreach ($p in 'Credential', 'AuthenticationDatabase', 'TlsCaFile', 'TlsAllowInvalidCertificate', 'TlsCertificateFile', 'TlsCertificatePassword') {
                $c.Parameters.Keys | Should -Contain $p -Because "$($c.Name) connects to a server, and every server may need $p"
            }
        }
    }
}

Describe '<Name> writes or removes, so it supports -WhatIf and -Confirm' -ForEach $writers {
    It 'declares ShouldProcess' {
        $command = Get-Command $Name
        $command.Parameters.Keys | Should -Contain 'WhatIf'
        $command.Parameters.Keys | Should -Contain 'Confirm'
    }
}

Describe 'Confirm impact' {
    It 'asks by default before removing snapshots or re-keying them' {
        foreach ($name in 'Remove-MongoSnapshot', 'Invoke-MongoSnapshotRetention', 'Update-MongoSnapshotKey') {
            $type = (Get-Command $name).ImplementingType
            $attribute = $type.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) | Select-Object -First 1
            $attribute.ConfirmImpact | Should -Be 'High' -Because $name
        }
    }
}

Describe 'The mongodump and mongorestore names, as aliases' {
    BeforeAll {
        $script:server = Start-MongoTestServer
        $script:uri = $server.Uri
        $script:db = 'pester_alias_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $items = Get-Collection $uri $db 'items'
        $items.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..50) { New-BsonDocument ([ordered]@{ _id = $i; name = "item $i" }) }))
        (Get-Collection $uri $db 'notes').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..3) { New-BsonDocument ([ordered]@{ _id = $i }) }))
        $script:repository = New-TestFolder
    }

    AfterAll {
        $client = [MongoDB.Driver.MongoClient]::new($uri)
        foreach ($name in $db, "$($db)_r", "$($db)_ns", "$($db)_nsx") { $client.DropDatabase($name, [System.Threading.CancellationToken]::None) }
        Stop-MongoTestServer $server
        Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'backs up with -Uri and -NumParallelCollections, finds it by -SnapshotId, and restores with -NumInsertionWorkersPerCollection' {
        $snapshot = Backup-MongoDatabase -Uri $uri -Database $db -Repository $repository -NumParallelCollections 2 -WarningAction SilentlyContinue
        $found = Get-MongoSnapshot -Repository $repository -Database 'nomatch', $db -SnapshotId $snapshot.Id
        $found.Id | Should -Be $snapshot.Id
        $result = Restore-MongoDatabase -Uri $uri -Path $snapshot.Path -RenameDatabase "$db=$($db)_r" -NumInsertionWorkersPerCollection 1 -NumParallelCollections 1 -WarningAction SilentlyContinue
        $result.Succeeded | Should -BeTrue
        Get-AllDocuments (Get-Collection $uri "$($db)_r" 'items') | Should -Be (Get-AllDocuments (Get-Collection $uri $db 'items'))
    }

    # A DBA types mongorestore's --nsInclude and --nsExclude as -NsInclude and -NsExclude (newuser finding: they were
    # "A parameter cannot be found that matches parameter name 'NsInclude'").
    It 'restores with -NsInclude and -NsExclude, mongorestore''s names, on both restore cmdlets' {
        # A repository of its own: the other tests here count the snapshots of theirs.
        $own = New-TestFolder
        $snapshot = Backup-MongoDatabase -Uri $uri -Database $db -Repository $own -WarningAction SilentlyContinue
        $result = Restore-MongoDatabase -Uri $uri -Path $snapshot.Path -NsInclude "$db.items" -RenameDatabase "$db=$($db)_ns" -WarningAction SilentlyContinue
        @($result.Namespaces) | Should -Be @("$($db)_ns.items")
        $result = Restore-MongoDatabase -Uri $uri -Path $snapshot.Path -NsExclude "$db.items" -RenameDatabase "$db=$($db)_nsx" -WarningAction SilentlyContinue
        @($result.Namespaces) | Should -Be @("$($db)_nsx.notes")
        foreach ($command in 'Restore-MongoDatabase', 'Restore-MongoPointInTime') {
            (Get-Command $command).Parameters['NamespaceInclude'].Aliases | Should -Contain 'NsInclude'
            (Get-Command $command).Parameters['NamespaceExclude'].Aliases | Should -Contain 'NsExclude'
        }
        Remove-Item $own -Recurse -Force
    }

    It 'says with -Verbose what the catalog cmdlets read and decided' {
        $verbose = @(Get-MongoSnapshot -Repository $repository -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        $verbose.Message | Should -Contain "Read 1 complete snapshot manifest(s) in $repository."
        $verbose = @(Get-MongoRestoreWindow -Repository $repository -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        $verbose.Message | Should -Contain "1 complete snapshot(s) in $repository make 1 restore window(s)."
        $id = (Get-MongoSnapshot -Repository $repository -Latest).Id
        $verbose = @(Invoke-MongoSnapshotRetention -Repository $repository -KeepLast 1 -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        $verbose.Message | Should -Contain "$($id): keep, kept by KeepLast 1 (#1)."
    }

    It 'tests a snapshot by -SnapshotId and, with -WhatIf, leaves no scratch database on the server' {
        $snapshot = Get-MongoSnapshot -Repository $repository -Latest
        $before = Get-DatabaseName $uri | Sort-Object
        $plan = Test-MongoSnapshot -Repository $repository -SnapshotId $snapshot.Id -Uri $uri -WhatIf
        $plan.Action | Should -Be @('Verify', 'Restore into scratch databases')
        $plan[0].Target | Should -Be $snapshot.Id
        Get-DatabaseName $uri | Sort-Object | Should -Be $before
    }
}

Describe 'File cmdlets feed the module by property name' {
    It 'binds a folder from Get-Item to New-MongoRepository -Path' {
        $folder = New-TestFolder
        try {
            $repository = Get-Item $folder | New-MongoRepository
            $repository.Location | Should -Be $folder
        }
        finally { Remove-Item $folder -Recurse -Force }
    }
}
