# A repository on read-only or immutable media (a mounted backup disk, a read-only share, WORM storage) as a DBA reads
# it: the commands that only read open it without writing anything; the ones that write say which folder is not writable.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_ro_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $items = Get-Collection $uri $db 'items'
    $items.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..200) { New-BsonDocument ([ordered]@{ _id = $i; name = "item $i" }) }))
    $script:repository = New-TestFolder
    $script:snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -WarningAction SilentlyContinue

    function Get-Tree {
        # Every folder and file with its size and last write time: what a write would change.
        param([string] $Path)
        @(Get-Item $Path -Force) + @(Get-ChildItem $Path -Recurse -Force) |
            ForEach-Object { "$($_.FullName) $(if ($_ -is [System.IO.FileInfo]) { $_.Length }) $($_.LastWriteTimeUtc.Ticks)" } | Sort-Object
    }

    function Test-Writable {
        param([string] $Path)
        $probe = Join-Path $Path ".probe-$([guid]::NewGuid().ToString('N'))"
        try { [System.IO.File]::WriteAllBytes($probe, [byte[]] @()); Remove-Item $probe -Force; $true } catch { $false }
    }

    # chmod a-w; root, whom permissions do not stop, makes the folder immutable instead (chattr +i).
    $script:entries = @(Get-Item $repository -Force) + @(Get-ChildItem $repository -Recurse -Force)
    foreach ($entry in $entries) { [System.IO.File]::SetUnixFileMode($entry.FullName, [System.IO.File]::GetUnixFileMode($entry.FullName) -band -bnot [System.IO.UnixFileMode] 'UserWrite, GroupWrite, OtherWrite') }
    $script:immutable = $false
    if (Test-Writable $repository) {
        chattr -R +i $repository 2>$null
        $script:immutable = $LASTEXITCODE -eq 0
    }
    $script:readOnly = -not (Test-Writable $repository)
    $script:before = Get-Tree $repository
}

AfterAll {
    if ($immutable) { chattr -R -i $repository }
    foreach ($entry in $entries) { [System.IO.File]::SetUnixFileMode($entry.FullName, [System.IO.File]::GetUnixFileMode($entry.FullName) -bor [System.IO.UnixFileMode] 'UserWrite') }
    Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue
    Stop-MongoTestServer $server
}

Describe 'A read-only folder repository' -Skip:$IsWindows {
    BeforeEach {
        # Neither chmod nor chattr could make it read-only (root without CAP_LINUX_IMMUTABLE): the engine's tests cover
        # this case on simulated read-only media (ReadOnlyFolderRepositoryTests); here it is counted as skipped, with why.
        if (-not $readOnly) { Set-ItResult -Skipped -Because 'the folder could not be made read-only here (root, and chattr +i refused)' }
    }

    It 'lists its snapshots' {
        $listed = Get-MongoSnapshot -Repository $repository
        $listed.Id | Should -Be @($snapshot.Id)
        Get-Tree $repository | Should -Be $before
    }

    It 'verifies a snapshot, saying the read lease could not be taken and the outcome not recorded' {
        $result = Test-MongoSnapshot -Repository $repository -Id $snapshot.Id -Verbose -WarningVariable warnings -WarningAction SilentlyContinue 4>&1 |
            Tee-Object -Variable stream | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
        $result.Passed | Should -BeTrue
        $result.Documents | Should -Be 200
        @($stream | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like "No read lease on $($snapshot.Id)*" }).Count | Should -Be 1
        @($warnings).Count | Should -Be 1
        "$($warnings[0])" | Should -BeLike "The outcome of testing snapshot $($snapshot.Id) is not recorded in *; Get-MongoSnapshot will not show this test."
        (Get-MongoSnapshot -Repository $repository -Id $snapshot.Id).VerificationStatus | Should -Be 'Never'
        Get-Tree $repository | Should -Be $before
    }

    It 'restores a snapshot' {
        $target = "$($db)_restored"
        $result = Get-MongoSnapshot -Repository $repository -Id $snapshot.Id | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$db=$target"
        $result.Succeeded | Should -BeTrue
        Get-DocumentCount (Get-Collection $uri $target 'items') | Should -Be 200
        Get-Tree $repository | Should -Be $before
    }

    It 'refuses a backup into it, naming the folder, before connecting' {
        # Nothing listens on port 1: a backup that connected first would fail as ServerUnreachable instead.
        { Backup-MongoDatabase -ConnectionString 'mongodb://127.0.0.1:1/?directConnection=true' -Repository $repository -Database $db -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.RepositoryNotWritable,*' -ExpectedMessage "The repository folder '$repository' cannot be written, and this command writes to it:*"
        Get-Tree $repository | Should -Be $before
    }
}
