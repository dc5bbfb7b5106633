# Whole-command failures terminate with the engine's stable error id and never show a password.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:repository = New-TestFolder
    # Port 1 on loopback: nothing listens there, so the connection is refused at once.
    $script:unreachable = 'mongodb://backup:S3cretPass@127.0.0.1:1/?serverSelectionTimeoutMS=1500&connectTimeoutMS=1000'
}

AfterAll { Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'Connection failures' {
    It 'a malformed connection string is InvalidConnectionString' {
        { Backup-MongoDatabase -ConnectionString 'mongodb//db1:27017' -Repository $repository -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.InvalidConnectionString*'
    }

    It 'a connection string with a wrong scheme is InvalidConnectionString, and neither the message nor the error shows its password' {
        foreach ($typed in 'mongodbx://user:S3cretPass@host/', 'user:S3cretPass@host') { # the issue's input, and without any scheme
            $caught = $null
            try { Backup-MongoDatabase -ConnectionString $typed -Repository $repository -ErrorAction Stop }
            catch { $caught = $_ }
            $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.InvalidConnectionString,*'
            "$caught" | Should -BeLike '*user:`*`*`*`*`*@host*'
            ($caught | Format-List * -Force | Out-String) + $caught.Exception.ToString() | Should -Not -Match 'S3cretPass'
        }
    }

    It 'an unreachable server is ServerUnreachable, and the message hides the password' {
        $caught = $null
        try { Backup-MongoDatabase -ConnectionString $unreachable -Repository $repository -ErrorAction Stop }
        catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.ServerUnreachable,*'
        $caught.CategoryInfo.Category | Should -Be 'ConnectionError'
        ($caught | Out-String) | Should -Not -Match 'S3cretPass'
    }

    It 'leaves no snapshot behind after a failed backup' {
        Get-MongoSnapshot -Repository $repository -IncludeIncomplete | Should -BeNullOrEmpty
    }
}

Describe 'Bad restore arguments' {
    It 'a restore source that does not exist is SourceNotFound' {
        { Restore-MongoDatabase -ConnectionString 'mongodb://127.0.0.1:1' -Path (Join-Path $repository 'missing') -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.SourceNotFound*'
    }

    # mongorestore restores a lone .bson file (--db and --collection naming it); this module takes the dump folder and a
    # filter. A sound file or database folder is no damage: InvalidArgument saying what to give instead, never
    # CorruptFile (breaker8 finding 6). Checked before any connection.
    It 'one collection''s file of a dump (<Name>) is InvalidArgument naming the dump folder and -Collection <Namespace>' -ForEach @(
        @{ Name = 'foo.bson'; File = 'foodump/test/foo.bson'; Folder = 'foodump'; Namespace = 'test.foo' }
        @{ Name = 'foo.bson.gz'; File = 'prelude_test/prelude_gzip/test/foo.bson.gz'; Folder = 'prelude_test/prelude_gzip'; Namespace = 'test.foo' }
        @{ Name = 'foo.metadata.json'; File = 'foodump/test/foo.metadata.json'; Folder = 'foodump'; Namespace = 'test.foo' }
        @{ Name = 'a time-series collection''s buckets'; File = 'timeseries_tests/ts_dump/timeseries_test/system.buckets.foo_ts.bson'; Folder = 'timeseries_tests/ts_dump'; Namespace = 'timeseries_test.foo_ts' }
    ) {
        $testdata = Join-Path (Assert-MongoToolsFixtures) 'mongorestore/testdata'
        $file = [System.IO.Path]::GetFullPath((Join-Path $testdata $File))
        $caught = $null
        try { Restore-MongoDatabase -ConnectionString 'mongodb://127.0.0.1:1' -Path $file -ErrorAction Stop } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.InvalidArgument,*'
        $caught.Exception.Message | Should -BeLike "'$file' is one collection's * file ($Namespace) of a mongodump folder, not a dump or an archive*"
        $caught.Exception.Message | Should -BeLike "*give -Path the dump folder that holds its database folder '*', '$([System.IO.Path]::GetFullPath((Join-Path $testdata $Folder)))', with -Collection '$Namespace' to restore that collection alone."
    }

    It 'one database folder of a dump is InvalidArgument naming its parent folder and -Database' {
        $folder = [System.IO.Path]::GetFullPath((Join-Path (Assert-MongoToolsFixtures) 'mongorestore/testdata/foodump/test'))
        $caught = $null
        try { Restore-MongoDatabase -ConnectionString 'mongodb://127.0.0.1:1' -Path $folder -ErrorAction Stop } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.InvalidArgument,*'
        $caught.Exception.Message | Should -Be ("'$folder' looks like one database folder of a dump, not a dump: choose its parent folder " +
            "'$(Split-Path $folder)', with -Database 'test' to restore that database alone.")
    }

    It 'a damaged archive is still CorruptFile' {
        $archive = Join-Path $repository 'damaged.archive'
        [System.IO.File]::WriteAllBytes($archive, [byte[]] (0x6d, 0xe2, 0x99, 0x81, 0x05, 0x00))
        { Restore-MongoDatabase -ConnectionString 'mongodb://127.0.0.1:1' -Path $archive -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.CorruptFile*'
    }

    It 'a -RenameDatabase value that is not old=new names the problem' {
        $dump = New-Item -ItemType Directory (Join-Path $repository 'dump/shop') -Force
        { Restore-MongoDatabase -ConnectionString 'mongodb://127.0.0.1:1' -Path (Split-Path $dump) -RenameDatabase 'shop' -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.InvalidArgument*'
    }
}

# A scheduled task or runbook writes `Backup-MongoDatabase ... -ErrorAction Stop` and relies on the script stopping there
# with exit code 1, as `Get-Item /missing -ErrorAction Stop` stops it. A cmdlet's terminating error ends only its own
# statement, so before, a failed backup's script ran its next line and exited 0 (newuser finding 1).
Describe '-ErrorAction Stop in a script run by a scheduler' {
    BeforeAll {
        function Invoke-ScheduledScript {
            # Runs $Body in a fresh pwsh -NonInteractive -File, as Task Scheduler or cron would; returns its exit code and output.
            param([string] $Body)
            $file = Join-Path $repository "scheduled-$([guid]::NewGuid().ToString('N')).ps1"
            Set-Content -Path $file -Value "Import-Module '$env:MONGOBACKUP_MODULE'`n$Body`n'NEXT LINE RAN'"
            $output = & dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $file *>&1 | Out-String
            return [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output }
        }
    }

    It '<Name> failing stops the script with exit code 1, naming the error, and runs no further line' -ForEach @(
        @{ Name = 'Backup-MongoDatabase (server unreachable)'; Body = "Backup-MongoDatabase -ConnectionString 'mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=1500&connectTimeoutMS=1000' -Repository '<repo>/scheduled' -ErrorAction Stop"; Says = 'Nothing is listening at 127.0.0.1:1*' }
        @{ Name = 'Restore-MongoDatabase (source missing)'; Body = "Restore-MongoDatabase -ConnectionString 'mongodb://127.0.0.1:1' -Path '<repo>/missing' -ErrorAction Stop"; Says = '*missing*' }
        @{ Name = 'Restore-MongoPointInTime (repository missing)'; Body = "Restore-MongoPointInTime -ConnectionString 'mongodb://127.0.0.1:1' -Repository '<repo>/no-such-repository' -PointInTime (Get-Date) -ErrorAction Stop"; Says = '*no-such-repository*' }
    ) {
        $run = Invoke-ScheduledScript ($Body -replace '<repo>', $repository)
        $run.Output | Should -Not -Match 'NEXT LINE RAN'
        $run.ExitCode | Should -Be 1
        $run.Output | Should -BeLike "*$Says*"
    }

    It 'a catch still gets the error id and the engine''s exception, and without -ErrorAction Stop the script goes on' {
        $run = Invoke-ScheduledScript (@(
            "try { Backup-MongoDatabase -ConnectionString 'mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=1500&connectTimeoutMS=1000' -Repository '$repository/scheduled' -ErrorAction Stop }"
            "catch { 'CAUGHT ' + `$_.FullyQualifiedErrorId + ' ' + `$_.Exception.GetType().Name + ' ' + `$_.CategoryInfo.Category }"
            "Backup-MongoDatabase -ConnectionString 'mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=1500&connectTimeoutMS=1000' -Repository '$repository/scheduled' 2>`$null"
            "'SUCCEEDED ' + `$?") -join "`n")
        $run.Output | Should -Match 'CAUGHT MongoBackup\.ServerUnreachable,MongoBackup\.PowerShell\.Commands\.BackupMongoDatabaseCommand MongoBackupException ConnectionError'
        $run.Output | Should -Match 'SUCCEEDED False'
        $run.Output | Should -Match 'NEXT LINE RAN'
        $run.ExitCode | Should -Be 0
    }
}
