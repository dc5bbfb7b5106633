# The help as a DBA reads it: Get-Help -Full and -Examples, the syntax lines, parameter details, related links and
# about_MongoBackup. Each check is about what Get-Help shows, not about the MAML file.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:cmdlets = @(Get-Command -Module MongoBackup -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } })
    $script:shouldProcess = @(Get-Command -Module MongoBackup -CommandType Cmdlet | Where-Object { $_.Parameters.ContainsKey('WhatIf') } | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
}

Describe 'Get-Help <Name>' -ForEach $cmdlets {
    BeforeAll {
        $script:help = Get-Help $Name -Full
        $script:command = Get-Command $Name
    }

    It 'lists its related links once each, the online version first' {
        $links = @($help.RelatedLinks.NavigationLink)
        $texts = @($links | ForEach-Object { "$($_.LinkText)$($_.Uri)" })
        $texts.Count | Should -Be @($texts | Select-Object -Unique).Count -Because ($texts -join ', ')
        $links[0].Uri | Should -Match "^https://\S+/docs/$Name\.md$"
    }

    It 'shows each example''s remarks in Get-Help -Examples' {
        $examples = @((Get-Help $Name -Examples).Examples.Example)
        foreach ($example in $examples) {
            ($example.Remarks | Out-String).Trim() | Should -Not -BeNullOrEmpty -Because $example.Title
        }
        (Get-Help $Name -Examples | Out-String) | Should -Match ([regex]::Escape((($examples[0].Remarks | Out-String).Trim() -split "`n")[0].Trim().Substring(0, 20)))
    }

    It 'numbers its examples 1, 2, 3 ... in order, each number once' {
        $numbers = @((Get-Help $Name -Examples).Examples.Example | ForEach-Object { if ($_.Title -match 'Example (\d+)') { [int] $Matches[1] } })
        $numbers | Should -Be @(1..$numbers.Count) -Because ($numbers -join ', ')
    }

    It 'gives every parameter a default value' {
        foreach ($parameter in $help.Parameters.Parameter) {
            "$($parameter.DefaultValue)" | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) of $Name"
        }
    }

    It 'says a parameter accepts wildcards exactly when its description says it takes wildcard patterns' {
        foreach ($parameter in $help.Parameters.Parameter | Where-Object { $_.Name -notin 'WhatIf', 'Confirm' }) {
            $text = ($parameter.Description | Out-String)
            $saysWildcards = $text -match 'wildcard'
            $parameter.Globbing | Should -Be ([string] $saysWildcards).ToLowerInvariant() -Because "-$($parameter.Name) of $Name says: $text"
        }
    }

    It 'shows -Repository and -Destination as taking a path or a repository object' {
        foreach ($parameterName in 'Repository', 'Destination') {
            if (-not $command.Parameters.ContainsKey($parameterName)) { continue }
            (Get-Help $Name -Parameter $parameterName | Out-String) | Should -Match "-$parameterName <String\|MongoRepository>"
        }
    }
}

Describe 'Get-Help <Name> syntax' -ForEach $shouldProcess {
    It 'shows [-WhatIf] and [-Confirm] in every syntax line, and describes them' {
        $syntax = @((Get-Help $Name).Syntax.SyntaxItem)
        foreach ($item in $syntax) {
            @($item.Parameter.Name) | Should -Contain 'WhatIf'
            @($item.Parameter.Name) | Should -Contain 'Confirm'
        }
        # Wide enough that a long syntax line is never wrapped inside the switches it checks.
        (Get-Help $Name | Out-String -Width 4096) | Should -Match '\[-WhatIf\] \[-Confirm\]'
        ((Get-Help $Name -Parameter WhatIf).Description | Out-String).Trim() | Should -Not -BeNullOrEmpty
    }
}

Describe 'Parameter defaults as Get-Help shows them' {
    It '<Command> -<Parameter> defaults to <Expected>' -ForEach @(
        @{ Command = 'Backup-MongoDatabase'; Parameter = 'ParallelCollections'; Expected = '4' }
        @{ Command = 'Backup-MongoDatabase'; Parameter = 'Compression'; Expected = 'Zstd' }
        @{ Command = 'Backup-MongoOplog'; Parameter = 'Compression'; Expected = 'Zstd' }
        @{ Command = 'Invoke-MongoBackupPolicy'; Parameter = 'Compression'; Expected = 'Zstd' }
        @{ Command = 'Backup-MongoDatabase'; Parameter = 'ReadPreference'; Expected = 'primary' }
        @{ Command = 'Restore-MongoDatabase'; Parameter = 'InsertionWorkers'; Expected = '2' }
        @{ Command = 'Restore-MongoDatabase'; Parameter = 'Drop'; Expected = 'False' }
        @{ Command = 'Backup-MongoOplog'; Parameter = 'SliceInterval'; Expected = '00:10:00' }
        @{ Command = 'Invoke-MongoBackupPolicy'; Parameter = 'LeaseDuration'; Expected = '00:02:00' }
        @{ Command = 'Backup-MongoDatabase'; Parameter = 'AuthenticationDatabase'; Expected = 'admin' }
        @{ Command = 'Get-MongoSnapshot'; Parameter = 'Id'; Expected = 'None' }
        # Mandatory: nothing to default to (it showed "01/01/0001 00:00:00 +00:00", the property's default(T)).
        @{ Command = 'Restore-MongoPointInTime'; Parameter = 'PointInTime'; Expected = 'None' }
        @{ Command = 'Restore-MongoPointInTime'; Parameter = 'ConnectionString'; Expected = 'None' }
    ) {
        (Get-Help $Command -Parameter $Parameter).DefaultValue | Should -Be $Expected
        (Get-Help $Command -Parameter $Parameter | Out-String) | Should -Match "Default value\s+$([regex]::Escape($Expected))"
    }
}

Describe 'Parameter types as Get-Help shows them' {
    It 'shows a nullable parameter as the type it takes: -ConnectTimeout <Int32>, not Nullable`1' {
        $text = Get-Help Backup-MongoDatabase -Parameter ConnectTimeout | Out-String
        $text | Should -Match '-ConnectTimeout <Int32>'
        (Get-Help Backup-MongoDatabase -Full | Out-String -Width 300) | Should -Not -Match 'Nullable'
    }

    It 'no parameter anywhere shows a generic type name or 01/01/0001' {
        foreach ($name in (Get-Command -Module MongoBackup -CommandType Cmdlet).Name) {
            $text = Get-Help $name -Full | Out-String -Width 300
            $text | Should -Not -Match '`1' -Because $name
            $text | Should -Not -Match '0001' -Because $name
        }
    }
}

Describe 'Markdown lists and code blocks as Get-Help shows them' {
    It 'Invoke-MongoBackupPolicy: each numbered step of the description starts its own line' {
        $lines = (Get-Help Invoke-MongoBackupPolicy -Full | Out-String -Width 200) -split "`r?`n" | ForEach-Object Trim
        foreach ($step in 1..4) { @($lines | Where-Object { $_ -match "^$step\. " }).Count | Should -Be 1 -Because "step $step" }
        ($lines | Where-Object { $_ -match '^1\. ' }) | Should -Not -Match '2\. Takes'
    }

    It 'Export-MongoSnapshot: the two mongorestore command lines stay two lines' {
        $lines = (Get-Help Export-MongoSnapshot -Full | Out-String -Width 200) -split "`r?`n" | ForEach-Object Trim
        $lines | Should -Contain 'mongorestore --dir=PATH [--gzip] [--oplogReplay]'
        $lines | Should -Contain 'mongorestore --archive=PATH [--gzip] [--oplogReplay]'
    }
}

Describe 'about_MongoBackup' {
    It 'lists every cmdlet the module exports' {
        $about = Get-Help about_MongoBackup | Out-String
        foreach ($name in (Get-Command -Module MongoBackup -CommandType Cmdlet).Name) { $about | Should -Match "\b$name\b" }
    }
    It 'each about_ topic has its synopsis in Get-Help''s list, and text no wider than an 80-column console' {
        # Get-Help about_MongoBackup* listed the topics with an empty Synopsis, and their lines ran to ~120 columns.
        $topics = @(Get-Help about_MongoBackup*)
        $topics.Count | Should -Be 3
        foreach ($topic in $topics) {
            $topic.Synopsis | Should -Not -BeNullOrEmpty -Because $topic.Name
        }
        # The prose and tables of the sources (Get-Help indents them by 4); code examples keep their own lines (a crontab
        # line cannot be broken).
        foreach ($source in Get-ChildItem (Join-Path $PSScriptRoot '../../docs') -Filter 'about_*.md') {
            $inCode = $false
            $long = foreach ($line in Get-Content $source.FullName) {
                if ($line -match '^```') { $inCode = -not $inCode; continue }
                if (-not $inCode -and $line.Length -gt 76) { $line }
            }
            @($long) | Should -BeNullOrEmpty -Because "$($source.Name) has lines over 80 columns in Get-Help"
        }
    }
}
