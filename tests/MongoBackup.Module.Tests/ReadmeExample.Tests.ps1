# The README's example of loading data into the test server and backing it up, run exactly as written (the code block
# after its <!-- test-server-example --> marker) in a fresh pwsh from the repository's root, as a new user runs it.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $readme = Get-Content (Join-Path $root 'README.md') -Raw
    $marker = $readme.IndexOf('<!-- test-server-example -->')
    $marker | Should -BeGreaterThan 0
    $block = [regex]::Match($readme.Substring($marker), '```powershell\r?\n(?<code>.*?)```', 'Singleline')
    $script:example = $block.Groups['code'].Value
}

Describe 'README: loading data into the test server' {
    It 'runs as written and backs up the documents it loaded' {
        $example | Should -BeLike '*./out/MongoBackup/MongoBackup.psd1*'
        # The example imports the module from out/ under the repository's root, which this suite's module must be.
        (Resolve-Path $env:MONGOBACKUP_MODULE).Path | Should -Be (Join-Path $root 'out/MongoBackup/MongoBackup.psd1')
        $script = Join-Path (New-TestFolder) 'example.ps1'
        Set-Content -Path $script -Value ("`$ErrorActionPreference = 'Stop'`n" + $example)
        $exe = [Environment]::ProcessPath
        $arguments = @('-NoProfile', '-NonInteractive', '-File', $script)
        if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $arguments = @(Join-Path $PSHOME 'pwsh.dll') + $arguments }
        Push-Location $root
        try { $output = & $exe @arguments 2>&1 | Out-String } finally { Pop-Location }
        $LASTEXITCODE | Should -Be 0 -Because $output
        $output -match 'Backed up 100 documents into (?<path>\S+)' | Should -BeTrue -Because $output
        $repository = $Matches['path']
        (Get-ChildItem $repository -Directory | Where-Object Name -like '*-full-*').Count | Should -Be 1
        Remove-Item $repository -Recurse -Force
    }
}
