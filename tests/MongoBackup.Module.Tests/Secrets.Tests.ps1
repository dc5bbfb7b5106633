# Secrets never leak, and the TLS and SCRAM modes of a server work as a user meets them. Runs against the in-memory
# server only: it is started with --auth and --tls, which a shared real server cannot be asked for.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:user = 'backupadmin'
    $script:password = 'Pw' + [guid]::NewGuid().ToString('N')
    $script:passphraseText = 'Pass' + [guid]::NewGuid().ToString('N')
    $script:passphrase = ConvertTo-SecureString $passphraseText -AsPlainText -Force
    $script:credential = [pscredential]::new($user, (ConvertTo-SecureString $password -AsPlainText -Force))
    $script:wrongCredential = [pscredential]::new($user, (ConvertTo-SecureString 'Wrong-password-1' -AsPlainText -Force))
    $script:server = Start-MongoTestServer -Arguments '--auth', "$($user):$password"
    $script:uri = $server.Uri
    $script:uriWithPassword = $uri -replace '^mongodb://', "mongodb://$($user):$password@"
    $script:uriWithWrongPassword = $uri -replace '^mongodb://', "mongodb://$($user):Wrong-password-1@"
    $script:repository = New-TestFolder
    $script:copy = New-TestFolder
    $script:db = 'sec_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    (Get-Collection $uriWithPassword $db 'orders').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..20) { New-BsonDocument ([ordered]@{ _id = $i; v = "x$i" }) }))

    function ConvertTo-AllText {
        # Everything a user could see of the objects and errors: every property as a list, and as JSON.
        param([object[]] $Items)
        # A record's InvocationInfo is PowerShell's own copy of the command line and its bound parameters, as the
        # user typed them (a password in a connection string included); the module cannot change it, so it is left out.
        foreach ($item in $Items) {
            $item | Format-List * -Force | Out-String -Width 500
            # Verbose, warning and debug records carry it too, and an exception's ErrorRecord again; exceptions are shown as text below.
            $shown = if ($item -is [System.Management.Automation.ErrorRecord] -or $item -is [System.Management.Automation.InformationalRecord]) {
                $item | Select-Object * -ExcludeProperty InvocationInfo, Exception
            } else { $item }
            try { $shown | ConvertTo-Json -Depth 5 -WarningAction SilentlyContinue } catch { "$_" }
            if ($item -is [System.Management.Automation.ErrorRecord]) { $item.Exception.ToString(); "$($item.ErrorDetails)"; "$($item.TargetObject)" }
        }
    }
}

AfterAll {
    Stop-MongoTestServer $server
    Remove-Item $repository, $copy -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Secrets never appear' {
    BeforeAll {
        $Error.Clear()
        $common = @{ Verbose = $true; Debug = $true; ErrorAction = 'Continue'; WarningAction = 'Continue' }
        $script:captured = @(& {
                # Password in the connection string, then through -Credential; both with the encryption passphrase.
                $full = Backup-MongoDatabase -ConnectionString $uriWithPassword -Repository $repository -Database $db -EncryptionKey $passphrase @common
                $full
                (Get-Collection $uriWithPassword $db 'orders').InsertOne((New-BsonDocument ([ordered]@{ _id = 99; v = 'late' })))
                Backup-MongoOplog -ConnectionString $uri -Credential $credential -Repository $repository -EncryptionKey $passphrase @common
                Backup-MongoDatabase -ConnectionString $uri -Credential $credential -Repository $repository -Database $db -EncryptionKey $passphrase @common
                Get-MongoSnapshot -Repository $repository @common
                Get-MongoRestoreWindow -Repository $repository @common
                Find-MongoOplogEntry -Repository $repository -Namespace "$db.orders" -EncryptionKey $passphrase @common
                Test-MongoSnapshot -Repository $repository -Id $full.Id -EncryptionKey $passphrase -ConnectionString $uri -Credential $credential -Confirm:$false @common
                $full | Restore-MongoDatabase -ConnectionString $uriWithPassword -RenameDatabase "$db=$($db)_a" -EncryptionKey $passphrase -Confirm:$false @common
                $full | Restore-MongoDatabase -ConnectionString $uri -Credential $credential -RenameDatabase "$db=$($db)_b" -EncryptionKey $passphrase -Confirm:$false @common
                $window = Get-MongoRestoreWindow -Repository $repository
                Restore-MongoPointInTime -ConnectionString $uri -Credential $credential -Repository $repository -ClusterTime $window.ToTimestamp -RenameDatabase "$db=$($db)_c" -EncryptionKey $passphrase -Confirm:$false @common
                Copy-MongoSnapshot -Repository $repository -Id $full.Id -Destination $copy -Confirm:$false @common
                Export-MongoSnapshot -Repository $repository -Id $full.Id -Path (Join-Path $copy 'exported.archive') -Archive -EncryptionKey $passphrase -Confirm:$false @common
                Invoke-MongoSnapshotRetention -Repository $repository -KeepLast 1 -WhatIf @common
                Remove-MongoSnapshot -Repository $copy -Id $full.Id -WhatIf @common
                Update-MongoSnapshotKey -Repository $repository -EncryptionKey $passphrase -NewEncryptionKey $passphrase -Confirm:$false @common
                Set-MongoRepository -Repository $copy -RequireEncryption -EncryptionKey $passphrase -Confirm:$false @common
                Invoke-MongoBackupPolicy -ConnectionString $uriWithPassword -Repository $repository -FullEvery '1.00:00:00' -EncryptionKey $passphrase -Confirm:$false @common
                # Wrong passwords and a wrong passphrase: the failures must not repeat what was typed either.
                try { Backup-MongoDatabase -ConnectionString $uriWithWrongPassword -Repository $repository -Database $db @common } catch { $_ }
                try { Backup-MongoDatabase -ConnectionString $uri -Credential $wrongCredential -Repository $repository -Database $db @common } catch { $_ }
                try { $full | Restore-MongoDatabase -ConnectionString $uri -Credential $credential -EncryptionKey (ConvertTo-SecureString 'Wrong-passphrase-1' -AsPlainText -Force) @common } catch { $_ }
                try { Find-MongoOplogEntry -Repository $repository -Namespace "$db.orders" -EncryptionKey (ConvertTo-SecureString 'Wrong-passphrase-1' -AsPlainText -Force) @common } catch { $_ }
            } *>&1)
        $script:errors = @($Error)
        $script:text = (ConvertTo-AllText ($captured + $errors)) -join "`n"
        $script:fileText = foreach ($file in Get-ChildItem $repository, $copy -Recurse -File) {
            [System.Text.Encoding]::UTF8.GetString([System.IO.File]::ReadAllBytes($file.FullName))
        }
    }

    It 'ran every cmdlet that connects or reads a repository, with verbose and debug output and the failures' {
        $commands = @(Get-Command -Module MongoBackup -CommandType Cmdlet | Where-Object Name -ne 'New-MongoRepository').Name
        foreach ($name in $commands) { (Get-Content $PSCommandPath -Raw) | Should -Match "\b$name\b" -Because "$name must be exercised here" }
        @($captured | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Count | Should -BeGreaterThan 5
        @($captured | Where-Object { $_ -is [MongoBackup.MongoSnapshot] }).Count | Should -BeGreaterThan 2
        ($errors | ForEach-Object { $_.FullyQualifiedErrorId }) -join ' ' | Should -Match 'MongoBackup\.AuthenticationFailed.*MongoBackup\.AuthenticationFailed'
        ($errors | ForEach-Object { $_.FullyQualifiedErrorId }) -join ' ' | Should -Match 'MongoBackup\.WrongEncryptionKey'
    }

    It 'shows the user name but never the password, in output, streams, errors or JSON' {
        $text | Should -Match $user
        $at = $text.IndexOf($password)
        $at | Should -Be -1 -Because $(if ($at -ge 0) { "the password leaks here: " + $text.Substring([Math]::Max(0, $at - 300), 400) })
    }

    It 'speaks human text: no verbose line, warning or error shows a record or object in its .NET default form' {
        # A C# record prints as "OplogPosition { Timestamp = ..., Inclusive = False }", a class as its type name.
        $messages = @($captured + $errors | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -or $_ -is [System.Management.Automation.WarningRecord] -or $_ -is [System.Management.Automation.ErrorRecord] } |
            ForEach-Object { if ($_ -is [System.Management.Automation.ErrorRecord]) { $_.Exception.Message } else { $_.Message } })
        $messages.Count | Should -BeGreaterThan 20
        $messages | Where-Object { $_ -match '\b[A-Z]\w+ \{ [A-Z]\w* = ' -or $_ -match '\b(MongoBackup|System|MongoDB)\.[A-Z]\w*\.[A-Z]\w*' } | Should -BeNullOrEmpty
        $messages | Where-Object { $_ -match '^Saved \d+ oplog entr' } | Should -Match '^Saved \d+ oplog entr(y|ies) (after|from) Timestamp\(\d+, \d+\) up to Timestamp\(\d+, \d+\)'
    }

    It 'never shows the encryption passphrase' {
        $text.Contains($passphraseText) | Should -BeFalse
    }

    It 'writes neither the password nor the passphrase into any repository file' {
        @($fileText).Count | Should -BeGreaterThan 5
        foreach ($content in $fileText) {
            $content.Contains($password) | Should -BeFalse
            $content.Contains($passphraseText) | Should -BeFalse
        }
    }
}

Describe 'A password in the connection string' {
    # It works, but it stays in the script and the history: every cmdlet that takes -ConnectionString says so once per
    # command, naming the ways that keep it out (-Credential, the runbook's MONGOBACKUP_PASSWORD_FILE), never the password.
    BeforeAll {
        $script:pwRepository = New-TestFolder
        $script:pwFull = Backup-MongoDatabase -ConnectionString $uri -Credential $credential -Repository $pwRepository -Database $db -WarningAction SilentlyContinue
        # Written outside $db, whose count the TLS tests check.
        $script:pwNotes = Get-Collection $uriWithPassword "$($db)_pwnotes" 'notes'
        $pwNotes.InsertOne((New-BsonDocument ([ordered]@{ _id = 'for the window' })))
        Backup-MongoOplog -ConnectionString $uri -Credential $credential -Repository $pwRepository -WarningAction SilentlyContinue | Out-Null
        $script:pwWindow = Get-MongoRestoreWindow -Repository $pwRepository

        function Assert-OnePasswordWarning([object[]] $Warnings) {
            $about = @($Warnings | Where-Object { "$_" -like '*connection string holds a password*' })
            $about.Count | Should -Be 1 -Because 'the command warns once, whatever it runs'
            "$($about[0])" | Should -BeLike '*-Credential*'
            "$($about[0])" | Should -BeLike '*MONGOBACKUP_PASSWORD_FILE*'
            "$($about[0])" | Should -Not -BeLike "*$password*"
        }
    }

    It '<Name> warns once, without the password, and still runs' -ForEach @(
        @{ Name = 'Backup-MongoDatabase'; Run = { Backup-MongoDatabase -ConnectionString $uriWithPassword -Repository $pwRepository -Database $db } }
        @{ Name = 'Backup-MongoOplog'; Run = { $pwNotes.InsertOne((New-BsonDocument ([ordered]@{ _id = 'for the slice' }))); Backup-MongoOplog -ConnectionString $uriWithPassword -Repository $pwRepository } }
        @{ Name = 'Invoke-MongoBackupPolicy'; Run = { Invoke-MongoBackupPolicy -ConnectionString $uriWithPassword -Repository $pwRepository -Database $db -FullEvery 1d } }
        @{ Name = 'Restore-MongoDatabase'; Run = { $pwFull | Restore-MongoDatabase -ConnectionString $uriWithPassword -RenameDatabase "$db=$($db)_pw1" -Confirm:$false } }
        @{ Name = 'Restore-MongoPointInTime'; Run = { Restore-MongoPointInTime -ConnectionString $uriWithPassword -Repository $pwRepository -ClusterTime $pwWindow.ToTimestamp -RenameDatabase "$db=$($db)_pw2" -Confirm:$false } }
        @{ Name = 'Test-MongoSnapshot, given two snapshots through the pipeline'; Run = { Get-MongoSnapshot -Repository $pwRepository -Kind Full | Select-Object -First 2 |
                Test-MongoSnapshot -ConnectionString $uriWithPassword -Confirm:$false } }
    ) {
        $ErrorActionPreference = 'Stop'
        $all = @(& $Run 3>&1)
        @($all | Where-Object { $_ -isnot [System.Management.Automation.WarningRecord] }) | Should -Not -BeNullOrEmpty
        Assert-OnePasswordWarning @($all | Where-Object { $_ -is [System.Management.Automation.WarningRecord] })
    }

    It 'says nothing of it when the password comes through -Credential' {
        Backup-MongoOplog -ConnectionString $uri -Credential $credential -Repository $pwRepository -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null
        $warnings | Where-Object { "$_" -like '*connection string holds*' } | Should -BeNullOrEmpty
    }

    It 'names a certificate key password given as a connection string option, not its value' {
        $secret = 'Cert' + [guid]::NewGuid().ToString('N')
        $warnings = $null
        try { Backup-MongoOplog -ConnectionString "$uri/?tlsCertificateKeyFilePassword=$secret" -Credential $credential -Repository $pwRepository -WhatIf -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null }
        catch { "$_" | Should -Not -BeLike "*$secret*" }
        $about = @($warnings | Where-Object { "$_" -like '*connection string holds*' })
        $about.Count | Should -Be 1
        "$($about[0])" | Should -BeLike '*tlsCertificateKeyFilePassword*-TlsCertificatePassword*'
        "$($about[0])" | Should -Not -BeLike "*$secret*"
    }
}

Describe 'SCRAM authentication' {
    It 'works with -Credential and refuses a wrong password as AuthenticationFailed' {
        # The newest backup of $db (the policy run above took one of all databases, which a partial one does not stand in for).
        (Get-MongoSnapshot -Repository $repository | Where-Object { $_.Kind -eq 'Full' -and $_.Scope -eq "databases $db" } | Select-Object -First 1) |
            Restore-MongoDatabase -ConnectionString $uri -Credential $credential -RenameDatabase "$db=$($db)_scram" -EncryptionKey $passphrase -Confirm:$false -WarningAction SilentlyContinue |
            ForEach-Object Succeeded | Should -BeTrue
        { Backup-MongoDatabase -ConnectionString $uri -Credential $wrongCredential -Repository $repository -Database $db -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.AuthenticationFailed*'
        { Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db -ErrorAction Stop } | Should -Throw
    }
}

Describe 'A server that requires authentication, given no credential' {
    # mongod answers an unauthenticated command with code 13, "Command NAME requires authentication" (the test server too,
    # when started with --auth). Every cmdlet that connects says a credential is missing: never UnexpectedError.
    BeforeAll {
        $script:authRepository = New-TestFolder
        $script:authFull = Backup-MongoDatabase -ConnectionString $uri -Credential $credential -Repository $authRepository -Database $db -WarningAction SilentlyContinue
        (Get-Collection $uriWithPassword "$($db)_later" 'notes').InsertOne((New-BsonDocument ([ordered]@{ _id = 1; v = 'after the full' })))   # not in $db, whose count the TLS tests check
        Backup-MongoOplog -ConnectionString $uri -Credential $credential -Repository $authRepository -WarningAction SilentlyContinue | Out-Null
        $script:authWindow = Get-MongoRestoreWindow -Repository $authRepository
    }

    It '<Name> fails with AuthenticationFailed saying no credential was given' -ForEach @(
        @{ Name = 'Backup-MongoDatabase'; Run = { Backup-MongoDatabase -ConnectionString $uri -Repository (New-TestFolder) -Database $db } }
        @{ Name = 'Backup-MongoOplog'; Run = { Backup-MongoOplog -ConnectionString $uri -Repository $authRepository } }
        @{ Name = 'Invoke-MongoBackupPolicy'; Run = { Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $authRepository -FullEvery 1d } }
        @{ Name = 'Restore-MongoDatabase'; Run = { $authFull | Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$db=$($db)_noauth" -Confirm:$false } }
        @{ Name = 'Restore-MongoPointInTime'; Run = { Restore-MongoPointInTime -ConnectionString $uri -Repository $authRepository -ClusterTime $authWindow.ToTimestamp -RenameDatabase "$db=$($db)_noauth" -Confirm:$false } }
        @{ Name = 'Test-MongoSnapshot'; Run = { Test-MongoSnapshot -Repository $authRepository -Id $authFull.Id -ConnectionString $uri -Confirm:$false } }
    ) {
        $failure = $null
        $ErrorActionPreference = 'Stop'; $WarningPreference = 'SilentlyContinue'
        try { & $Run | Out-Null } catch { $failure = $_ }
        $failure | Should -Not -BeNullOrEmpty
        $failure.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.AuthenticationFailed*' -Because "$failure"
        "$failure" | Should -Match 'requires authentication, and no credential was given'
        "$failure" | Should -Match '-Credential'
        $failure.CategoryInfo.Category | Should -Be 'AuthenticationError'
    }
}

Describe 'The scheduling runbook against a server that requires authentication' {
    It 'reads the password from the file MONGOBACKUP_PASSWORD_FILE names, and never shows it' {
        $folder = New-TestFolder
        $passwordFile = Join-Path $folder 'mongo-password'
        Set-Content -Path $passwordFile -Value $password   # with a trailing newline, as an editor or echo leaves it
        $run = Invoke-RunbookWithEnvironment @{ MONGOBACKUP_URI = $uri; MONGOBACKUP_REPOSITORY = (Join-Path $folder 'repo'); MONGOBACKUP_KEEP_LAST = '2'
            MONGOBACKUP_USERNAME = $user; MONGOBACKUP_PASSWORD_FILE = $passwordFile }

        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'MongoBackup policy: Full '
        $run.Output.Contains($password) | Should -BeFalse
    }

    It 'refuses MONGOBACKUP_PASSWORD and MONGOBACKUP_PASSWORD_FILE together, and a file that does not exist, naming the variable' {
        $both = Invoke-RunbookWithEnvironment @{ MONGOBACKUP_URI = $uri; MONGOBACKUP_REPOSITORY = (New-TestFolder); MONGOBACKUP_USERNAME = $user
            MONGOBACKUP_PASSWORD = $password; MONGOBACKUP_PASSWORD_FILE = (Join-Path (New-TestFolder) 'mongo-password') }
        $missing = Invoke-RunbookWithEnvironment @{ MONGOBACKUP_URI = $uri; MONGOBACKUP_REPOSITORY = (New-TestFolder); MONGOBACKUP_USERNAME = $user
            MONGOBACKUP_PASSWORD_FILE = (Join-Path (New-TestFolder) 'no-such-file') }

        $both.ExitCode | Should -Be 1
        $both.Output | Should -Match 'Both MONGOBACKUP_PASSWORD and MONGOBACKUP_PASSWORD_FILE are set'
        $missing.ExitCode | Should -Be 1
        $missing.Output | Should -Match "MONGOBACKUP_PASSWORD_FILE names '.*no-such-file', which is not a readable file"
        ($both.Output + $missing.Output).Contains($password) | Should -BeFalse
    }

    It 'with no credential, exits 1 saying the server requires authentication and none was given' {
        $run = Invoke-RunbookWithEnvironment @{ MONGOBACKUP_URI = $uri; MONGOBACKUP_REPOSITORY = (New-TestFolder); MONGOBACKUP_KEEP_LAST = '2' }
        $run.ExitCode | Should -Be 1
        $run.Output | Should -Match 'requires authentication, and no credential was given'
        $run.Output | Should -Not -Match 'UnexpectedError'
    }
}

Describe 'TLS' {
    BeforeAll {
        $folder = New-TestFolder
        $rsa = [System.Security.Cryptography.RSA]::Create(2048)
        $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=localhost', $rsa,
            [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
        $names = [System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new()
        $names.AddDnsName('localhost'); $names.AddIpAddress([System.Net.IPAddress]::Loopback)
        $request.CertificateExtensions.Add($names.Build())
        $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($true, $false, 0, $true))
        $certificate = $request.CreateSelfSigned([DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddDays(1))
        $script:pfx = Join-Path $folder 'server.pfx'
        [System.IO.File]::WriteAllBytes($pfx, $certificate.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Pfx))
        $script:caFile = Join-Path $folder 'ca.pem'
        Set-Content $caFile $certificate.ExportCertificatePem()
        $script:tlsServer = Start-MongoTestServer -Arguments '--tls', $pfx
        $script:tlsUri = $tlsServer.Uri
        $script:tlsFolder = $folder
        $script:plain = Backup-MongoDatabase -ConnectionString $uri -Credential $credential -Repository (Join-Path $folder 'repo') -Database $db -WarningAction SilentlyContinue
    }

    AfterAll {
        Stop-MongoTestServer $tlsServer
        Remove-Item $tlsFolder -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'connects with -TlsCaFile holding the server certificate, with no warning' {
        $result = $plain | Restore-MongoDatabase -ConnectionString $tlsUri -TlsCaFile $caFile -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue
        $result.Succeeded | Should -BeTrue
        $result.Documents | Should -Be 21
        $warnings | Where-Object { "$_" -match 'TlsAllowInvalidCertificate' } | Should -BeNullOrEmpty
    }

    It 'connects with -TlsAllowInvalidCertificate and warns every time' {
        $snapshot = Backup-MongoDatabase -ConnectionString $tlsUri -TlsAllowInvalidCertificate -Repository (Join-Path $tlsFolder 'repo2') -Database $db -WarningVariable warnings -WarningAction SilentlyContinue
        $snapshot.Documents | Should -Be 21
        @($warnings | Where-Object { "$_" -match 'TlsAllowInvalidCertificate' }).Count | Should -Be 1
        Backup-MongoOplog -ConnectionString $tlsUri -TlsAllowInvalidCertificate -Repository (Join-Path $tlsFolder 'repo2') -WarningVariable again -WarningAction SilentlyContinue
        @($again | Where-Object { "$_" -match 'TlsAllowInvalidCertificate' }).Count | Should -Be 1
    }

    It 'refuses the server when its certificate is not trusted' {
        $other = Join-Path $tlsFolder 'other-ca.pem'
        $otherKey = [System.Security.Cryptography.ECDsa]::Create()
        $otherCa = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=someone else', $otherKey, [System.Security.Cryptography.HashAlgorithmName]::SHA256).
            CreateSelfSigned([DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddDays(1))
        Set-Content $other $otherCa.ExportCertificatePem()
        { Backup-MongoDatabase -ConnectionString ($tlsUri + '&serverSelectionTimeoutMS=3000') -TlsCaFile $other -Repository (Join-Path $tlsFolder 'repo3') -Database $db -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.ServerUnreachable*'
    }

    It 'refuses a client certificate file that does not exist, naming it' {
        { Backup-MongoDatabase -ConnectionString $tlsUri -TlsCaFile $caFile -TlsCertificateFile (Join-Path $tlsFolder 'missing.pem') -Repository (Join-Path $tlsFolder 'repo4') -Database $db -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*missing.pem*does not exist*'
    }
}
