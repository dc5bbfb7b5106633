# The package a DBA installs: build.ps1's Package step makes a PowerShell Gallery package with Publish-PSResource; a
# clean pwsh (its own home, so nothing of this machine's modules or repositories) installs it with Install-PSResource
# from a local folder repository, imports it by name and backs up the test server with it.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    . (Join-Path $PSScriptRoot '../../build/Tasks.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_pkg_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    (Get-Collection $uri $db 'items').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..25) { New-BsonDocument @{ _id = $i } }))

    $script:work = New-TestFolder
    $script:package = Invoke-Package -ModuleFolder (Split-Path -Parent $env:MONGOBACKUP_MODULE) -Destination (Join-Path $work 'packages')
    # Its output holds the first backup's warning (a new repository) before the one JSON line the script writes.
    $script:installed = ConvertFrom-Json ((Invoke-IsolatedPwsh -Scratch (New-Item -ItemType Directory (Join-Path $work 'home')).FullName -Script @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name Local -Uri '$(Split-Path -Parent $package)' -Trusted
Install-PSResource -Name MongoBackup -Repository Local -Scope CurrentUser -Quiet
Import-Module MongoBackup
`$module = Get-Module MongoBackup
`$snapshot = Backup-MongoDatabase -ConnectionString '$uri' -Repository '$(Join-Path $work 'repository')' -Database $db
[ordered]@{
    ModuleBase = `$module.ModuleBase
    Version    = "`$(`$module.Version)"
    ProjectUri = "`$(`$module.ProjectUri)"
    LicenseUri = "`$(`$module.LicenseUri)"
    Notes      = "`$(`$module.ReleaseNotes)"
    Runbook    = Test-Path (Join-Path `$module.ModuleBase 'examples/Invoke-MongoBackupRunbook.ps1')
    License    = Test-Path (Join-Path `$module.ModuleBase 'LICENSE')
    Help       = (Get-Help Backup-MongoDatabase).Synopsis
    Status     = `$snapshot.Status
    Documents  = `$snapshot.Documents
} | ConvertTo-Json -Compress
"@) -split '\r?\n' | Select-String -Pattern '^\{' | Select-Object -Last 1 | ForEach-Object Line)
}

AfterAll {
    if ($script:uri) { [MongoDB.Driver.MongoClient]::new($uri).DropDatabase($db, [System.Threading.CancellationToken]::None) }
    Stop-MongoTestServer $server
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'build.ps1 -Task Package' {
    It 'writes MongoBackup.(version).nupkg' {
        $version = (Import-PowerShellDataFile $env:MONGOBACKUP_MODULE).ModuleVersion
        Split-Path -Leaf $package | Should -Be "MongoBackup.$version.nupkg"
    }

    It 'carries the license, project and release notes in its metadata, and the license and runbook as files' {
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [System.IO.Compression.ZipFile]::OpenRead($package)
        try {
            $entries = @($zip.Entries.FullName)
            $nuspec = [xml] [System.IO.StreamReader]::new(($zip.Entries | Where-Object FullName -eq 'MongoBackup.nuspec').Open()).ReadToEnd()
        }
        finally { $zip.Dispose() }
        $entries | Should -Contain 'LICENSE'
        $entries | Should -Contain 'examples/Invoke-MongoBackupRunbook.ps1'
        $entries | Should -Contain 'en-US/MongoBackup.PowerShell.dll-Help.xml'
        $entries | Should -Contain 'bin/deps/MongoBackup.Engine.dll'
        $nuspec.package.metadata.projectUrl | Should -Match '^https://'
        $nuspec.package.metadata.licenseUrl | Should -Match '^https://.+/LICENSE$'
        $nuspec.package.metadata.releaseNotes | Should -Match 'Sharded clusters: a full backup through the mongos'
    }
}

Describe 'Install-PSResource of the package into a clean pwsh' {
    It 'installs into that pwsh''s own module folder and imports by name' {
        $installed.ModuleBase | Should -BeLike "$work*"
        $installed.Version | Should -Be (Import-PowerShellDataFile $env:MONGOBACKUP_MODULE).ModuleVersion
        $installed.Help | Should -Not -BeNullOrEmpty
    }

    It 'ships the runbook about_MongoBackup_Scheduling points to, and the license' {
        $installed.Runbook | Should -BeTrue
        $installed.License | Should -BeTrue
        (Get-Help about_MongoBackup_Scheduling | Out-String) | Should -Match ([regex]::Escape('examples/Invoke-MongoBackupRunbook.ps1'))
    }

    It 'shows the project and license links and the release notes' {
        $installed.ProjectUri | Should -Match '^https://'
        $installed.LicenseUri | Should -Match '^https://'
        $installed.Notes | Should -Match 'Sharded clusters: a full backup through the mongos'
    }

    It 'backs up with the installed module' {
        $installed.Status | Should -Be 'Complete'
        $installed.Documents | Should -Be 25
    }
}

Describe 'The README and the architecture page' {
    BeforeAll {
        $script:root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
        $script:readme = Get-Content (Join-Path $root 'README.md') -Raw
        $script:architecture = Get-Content (Join-Path $root 'ARCHITECTURE.md') -Raw
    }

    It 'points to the project''s own architecture page, not to a file outside the repository' {
        $readme | Should -Not -Match '\.\./'
        $readme | Should -Match '\[ARCHITECTURE\.md\]\(ARCHITECTURE\.md\)'
    }

    It 'says which MongoDB versions are tested, which roles the users need, and what a sharded cluster backup needs granted and open' {
        $readme | Should -Match 'answers as MongoDB 7\.0'
        $readme | Should -Match 'oplog forms MongoDB 4\.4 to 8\.0'
        $readme | Should -Match 'built-in `backup` role'
        $readme | Should -Match 'built-in `restore` role'
        $readme | Should -Match '(?s)What to grant and open:.+every member of every shard''s replica set'
    }

    It 'names only paths that exist in the tree' {
        $named = [regex]::Matches($architecture, '`((?:src|tests|build|docs|examples)/[^`\s]+)`') | ForEach-Object { $_.Groups[1].Value } | Sort-Object -Unique
        $named.Count | Should -BeGreaterThan 5
        foreach ($path in $named) { Join-Path $root $path | Should -Exist -Because "ARCHITECTURE.md names $path" }
    }

    It 'describes every engine folder there is' {
        foreach ($folder in Get-ChildItem (Join-Path $root 'src/MongoBackup.Engine') -Directory | Where-Object Name -notin 'bin', 'obj') {
            $architecture | Should -Match "\| ``$($folder.Name)`` \|" -Because "src/MongoBackup.Engine/$($folder.Name) is a folder of the engine"
        }
    }
}
