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

    It 'a -RenameDatabase value that is not old=new names the problem' {
        $dump = New-Item -ItemType Directory (Join-Path $repository 'dump/shop') -Force
        { Restore-MongoDatabase -ConnectionString 'mongodb://127.0.0.1:1' -Path (Split-Path $dump) -RenameDatabase 'shop' -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.InvalidArgument*'
    }
}
