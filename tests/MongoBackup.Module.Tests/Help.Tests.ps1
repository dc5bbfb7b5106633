BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:cmdlets = @(Get-Command -Module MongoBackup -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } })
    $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
    $script:parameters = @(foreach ($c in Get-Command -Module MongoBackup -CommandType Cmdlet) {
        foreach ($p in $c.Parameters.Keys | Where-Object { $_ -notin $common }) { @{ Name = $c.Name; Parameter = $p } }
    })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
}

Describe 'The module' {
    It 'exports exactly the documented cmdlets' {
        (Get-Command -Module MongoBackup).Name | Sort-Object | Should -Be @('Backup-MongoDatabase', 'Backup-MongoOplog', 'Copy-MongoSnapshot', 'Export-MongoSnapshot', 'Find-MongoOplogEntry', 'Get-MongoRestoreWindow', 'Get-MongoSnapshot', 'Invoke-MongoBackupPolicy', 'Invoke-MongoSnapshotRetention', 'New-MongoRepository', 'Remove-MongoSnapshot', 'Restore-MongoDatabase', 'Restore-MongoPointInTime', 'Set-MongoRepository', 'Test-MongoSnapshot', 'Update-MongoSnapshotKey')
    }

    It 'declares its output type on every cmdlet' {
        foreach ($c in Get-Command -Module MongoBackup) { $c.OutputType.Name | Should -Not -BeNullOrEmpty -Because $c.Name }
    }
}

Describe 'Get-Help <Name>' -ForEach $cmdlets {
    BeforeAll { $help = Get-Help $Name -Full }

    It 'has a synopsis and a description' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -BeLike "*$Name*[<]*"   # not the auto-generated syntax line
        ($help.Description | Out-String).Trim() | Should -Not -BeNullOrEmpty
    }

    It 'has at least two examples, each of which parses' {
        $examples = @($help.Examples.Example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $examples) {
            $errors = $null
            [System.Management.Automation.Language.Parser]::ParseInput($example.Code, [ref] $null, [ref] $errors) | Out-Null
            $errors | Should -BeNullOrEmpty -Because $example.Code
            $example.Code | Should -Match ([regex]::Escape($Name)) -Because 'an example shows the cmdlet'
        }
    }

    It 'has related links' {
        @($help.RelatedLinks.NavigationLink).Count | Should -BeGreaterOrEqual 1
    }
}

Describe 'Get-Help <Name> -Parameter <Parameter>' -ForEach $parameters {
    It 'describes the parameter' {
        $text = (Get-Help $Name -Parameter $Parameter).Description | Out-String
        $text.Trim() | Should -Not -BeNullOrEmpty
    }
}

Describe 'about_MongoBackup' {
    BeforeAll {
        $about = Get-Help about_MongoBackup | Out-String
        $ids = @([MongoBackup.Engine.Model.ErrorIds].GetFields() | ForEach-Object { $_.GetValue($null) })
    }

    It 'is shipped' {
        $about | Should -Match 'SHORT DESCRIPTION'
    }

    It 'lists every error id the module defines in its ERROR IDS section, and no other' {
        $section = [regex]::Match($about, '(?s)ERROR IDS(.*?)\n\s*EXAMPLES').Groups[1].Value
        $listed = @([regex]::Matches($section, '(?m)^\s+(MongoBackup\.\w+)\s') | ForEach-Object { $_.Groups[1].Value })
        $listed | Should -Not -BeNullOrEmpty
        @($ids | Where-Object { $_ -notin $listed }) | Should -BeNullOrEmpty -Because 'each id needs its line in the help'
        @($listed | Where-Object { $_ -notin $ids }) | Should -BeNullOrEmpty -Because 'the help lists only ids the module raises'
    }

    It 'gives every error id one PowerShell category, from the one mapping every cmdlet uses' {
        foreach ($id in $ids) {
            $category = [MongoBackup.PowerShell.Pipeline.EngineErrors]::CategoryOf($id)
            if ($id -eq [MongoBackup.Engine.Model.ErrorIds]::UnexpectedError) { $category | Should -Be 'NotSpecified' }
            else { $category | Should -Not -Be 'NotSpecified' -Because "$id needs a category a script can test" }
        }
        $mappers = [MongoBackup.PowerShell.Pipeline.EngineErrors].Assembly.GetTypes() |
            ForEach-Object { $_.GetMethods([System.Reflection.BindingFlags]'Public,NonPublic,Static,Instance,DeclaredOnly') } |
            Where-Object { $_.ReturnType -eq [System.Management.Automation.ErrorCategory] }
        @($mappers | ForEach-Object { "$($_.DeclaringType.FullName).$($_.Name)" }) | Should -Be @('MongoBackup.PowerShell.Pipeline.EngineErrors.CategoryOf')
    }
}
