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
