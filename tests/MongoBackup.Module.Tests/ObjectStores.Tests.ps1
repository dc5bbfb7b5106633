# Backup to and restore from Azure Blob Storage (Azurite) and S3 (s3rver) repositories, as a user runs them,
# with repositories described by New-MongoRepository. The services come from tests/services (npm ci, done by build.ps1 -Task Test).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_store_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $items = Get-Collection $uri $db 'items'
    $items.InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..120) { New-BsonDocument ([ordered]@{ _id = $i; name = "item $i"; price = [double] $i / 4 }) }))

    function Start-NodeService {
        # Runs a service from tests/services on a free loopback port with its own temp folder; waits until it listens.
        param([string] $Script, [string[]] $Arguments, [string[]] $NodeOptions = @())
        $entry = Join-Path $PSScriptRoot "../services/$Script"
        if (-not (Test-Path $entry)) { throw "'$entry' is missing: run 'npm ci --prefix tests/services' (build.ps1 -Task Test does it)." }
        if (-not (Get-Command node -ErrorAction SilentlyContinue)) { throw 'Node.js (node) is not on PATH: the object-store tests need it.' }
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $data = New-TestFolder
        $info = [System.Diagnostics.ProcessStartInfo]::new('node')
        $info.WorkingDirectory = $data
        foreach ($o in $NodeOptions) { $info.ArgumentList.Add($o) }
        $info.ArgumentList.Add((Resolve-Path $entry).Path)
        foreach ($a in $Arguments) { $info.ArgumentList.Add($a.Replace('{port}', "$port").Replace('{data}', $data)) }
        $info.UseShellExecute = $false
        # Not redirected: an unread pipe would fill up and stall the service; with --silent there is little to see.
        $info.RedirectStandardOutput = $false
        $info.RedirectStandardError = $false
        $process = [System.Diagnostics.Process]::Start($info)
        $deadline = (Get-Date).AddSeconds(60)
        while ($true) {
            if ($process.HasExited) { throw "$Script exited with code $($process.ExitCode) before listening on port $port." }
            $client = [System.Net.Sockets.TcpClient]::new()
            try { $client.Connect('127.0.0.1', $port); break } catch { Start-Sleep -Milliseconds 200 } finally { $client.Dispose() }
            if ((Get-Date) -gt $deadline) { $process.Kill($true); throw "$Script did not listen on port $port within 60 s." }
        }
        [pscustomobject]@{ Process = $process; Port = $port; Data = $data }
    }

    $script:azurite = Start-NodeService 'node_modules/azurite/dist/src/blob/main.js' @('--blobHost', '127.0.0.1', '--blobPort', '{port}', '--silent', '--inMemoryPersistence', '--extentMemoryLimit', '256', '--skipApiVersionCheck')
    # s3rver through tests/services/s3-server.js, which adds AWS's conditional PUTs (the repository lease needs them).
    $script:s3 = Start-NodeService 's3-server.js' @('--address', '127.0.0.1', '--port', '{port}', '--directory', '{data}', '--silent', '--configure-bucket', 'pester') `
        -NodeOptions @('--openssl-legacy-provider') # s3rver signs list continuation tokens with DES (OpenSSL 3 legacy)

    # Azurite's documented development account key; public, not a secret.
    $script:azuriteKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
    $script:azuriteEndpoint = "http://127.0.0.1:$($azurite.Port)/devstoreaccount1"
    # The container must exist before a backup: create it with a session copy of the SDK the module ships in bin/deps
    # (the module's own copy lives in its isolated load context; LoadFrom finds the SDK's dependencies beside it).
    $blobs = Join-Path (Split-Path $env:MONGOBACKUP_MODULE) 'bin/deps/Azure.Storage.Blobs.dll'
    [void] [System.Reflection.Assembly]::LoadFrom($blobs)
    $connection = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$azuriteKey;BlobEndpoint=$azuriteEndpoint;"
    [Azure.Storage.Blobs.BlobContainerClient]::new($connection, 'pester').Create() | Out-Null

    function New-StoreRepository([string] $Kind, [string] $Prefix) {
        # A repository under its own prefix of the 'pester' container (az) or bucket (s3), signed in to the local service.
        if ($Kind -eq 'az') {
            New-MongoRepository -AzureBlob "az://devstoreaccount1/pester/$Prefix" -AccountKey (ConvertTo-SecureString $azuriteKey -AsPlainText -Force) -Endpoint $azuriteEndpoint
        }
        else {
            $credential = [pscredential]::new('S3RVER', (ConvertTo-SecureString 'S3RVER' -AsPlainText -Force))
            New-MongoRepository -S3 "s3://pester/$Prefix" -Endpoint "http://127.0.0.1:$($s3.Port)" -ForcePathStyle -Credential $credential
        }
    }
}

AfterAll {
    if ($script:uri) {
        $client = [MongoDB.Driver.MongoClient]::new($uri)
        foreach ($suffix in '', '_az', '_s3') { $client.DropDatabase("$db$suffix", [System.Threading.CancellationToken]::None) }
    }
    foreach ($service in $script:azurite, $script:s3) {
        if ($service -and -not $service.Process.HasExited) { $service.Process.Kill($true); $service.Process.WaitForExit(10000) | Out-Null }
        if ($service) { Remove-Item $service.Data -Recurse -Force -ErrorAction SilentlyContinue }
    }
    Stop-MongoTestServer $server
}

Describe 'New-MongoRepository' {
    It 'describes an Azure repository without showing its key' {
        $key = ConvertTo-SecureString $azuriteKey -AsPlainText -Force
        $repo = New-MongoRepository -AzureBlob 'az://devstoreaccount1/pester/nightly' -AccountKey $key -Endpoint $azuriteEndpoint
        $repo | Should -BeOfType MongoBackup.MongoRepository
        $repo.Kind | Should -Be 'AzureBlob'
        $repo.Location | Should -Be 'az://devstoreaccount1/pester/nightly'
        $repo.Authentication | Should -Be 'account key'
        ($repo | Format-List * | Out-String) | Should -Not -Match ([regex]::Escape($azuriteKey.Substring(0, 12)))
    }

    It 'refuses two ways of signing in at once' {
        $key = ConvertTo-SecureString 'a2V5' -AsPlainText -Force
        { New-MongoRepository -AzureBlob 'az://acct/c' -AccountKey $key -UseManagedIdentity -ErrorAction Stop } |
            Should -Throw -ErrorId 'MongoBackup.InvalidArgument*'
    }

    It 'refuses an s3:// location given to -AzureBlob' {
        { New-MongoRepository -AzureBlob 's3://bucket' -ErrorAction Stop } | Should -Throw -ErrorId 'MongoBackup.InvalidArgument*'
    }
}

Describe 'Backup and restore on <Name>' -ForEach @(
    @{ Name = 'Azure Blob Storage'; Suffix = '_az' }
    @{ Name = 'S3'; Suffix = '_s3' }
) {
    BeforeAll {
        $repo = New-StoreRepository $Suffix.TrimStart('_') 'nightly'
        $snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $repo -Database $db -WarningAction SilentlyContinue
    }

    It 'backs up into the object store' {
        $snapshot.Status | Should -Be 'Complete'
        $snapshot.Repository | Should -Be $repo.Location
        $snapshot.Documents | Should -Be 120
    }

    It 'lists the snapshot by the repository object and by its location string' {
        (Get-MongoSnapshot -Repository $repo -Latest).Id | Should -Be $snapshot.Id
        (Get-MongoSnapshot -Repository $repo.Location).Id | Should -Contain $snapshot.Id
    }

    It 'restores from the object store into a renamed database with equal documents' {
        $result = Get-MongoSnapshot -Repository $repo -Latest |
            Restore-MongoDatabase -ConnectionString $uri -RenameDatabase "$db=$db$Suffix" -Confirm:$false -WarningAction SilentlyContinue
        $result.Succeeded | Should -BeTrue
        Get-AllDocuments (Get-Collection $uri "$db$Suffix" 'items') | Should -Be (Get-AllDocuments (Get-Collection $uri $db 'items'))
    }
}

Describe 'A backup into a mistyped prefix on <Name>' -ForEach @(
    @{ Name = 'Azure Blob Storage'; Kind = 'az' }
    @{ Name = 'S3'; Kind = 's3' }
) {
    It 'warns naming the new repository it starts, and not once it holds a snapshot' {
        $typo = New-StoreRepository $Kind ('nightlyy-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        $null = Backup-MongoDatabase -ConnectionString $uri -Repository $typo -Database $db -WarningVariable first -WarningAction SilentlyContinue
        ($first.Message -join "`n") | Should -BeLike "*$($typo.Location) holds no snapshot yet: this backup starts a new repository there*"
        $null = Backup-MongoDatabase -ConnectionString $uri -Repository $typo -Database $db -WarningVariable second -WarningAction SilentlyContinue
        @($second | Where-Object { $_.Message -like '*holds no snapshot yet*' }).Count | Should -Be 0
    }

    It 'an oplog slice refuses the new prefix: it holds no full snapshot to continue' {
        $typo = New-StoreRepository $Kind ('slices-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        { Backup-MongoOplog -ConnectionString $uri -Repository $typo -ErrorAction Stop } | Should -Throw -ErrorId 'MongoBackup.NoBaseSnapshot*'
        @(Get-MongoSnapshot -Repository $typo -IncludeIncomplete).Count | Should -Be 0
    }
}

Describe 'Invoke-MongoBackupPolicy on <Name>' -ForEach @(
    @{ Name = 'Azure Blob Storage'; Kind = 'az' }
    @{ Name = 'S3'; Kind = 's3' }
) {
    BeforeAll {
        function New-PolicyRepository {
            # A fresh prefix per test, so each starts with an empty repository and no lease.
            New-StoreRepository $Kind ('policy-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        }
    }

    It 'of two concurrent runs on one repository, exactly one does the work and the other reports Skipped' {
        $repository = New-PolicyRepository
        $results = Invoke-ConcurrentPolicyRun $uri $repository

        $results.Count | Should -Be 2
        $full = @($results | Where-Object Action -EQ 'Full')
        $full.Count | Should -Be 1
        $skipped = @($results | Where-Object Action -EQ 'Skipped')
        $skipped.Count | Should -Be 1
        $skipped[0].Reason | Should -Match 'another run holds the repository lease \(.+, until .+\)'
        $skipped[0].LeaseHeldBy | Should -Not -BeNullOrEmpty
        $snapshots = @(Get-MongoSnapshot -Repository $repository)
        $snapshots.Count | Should -Be 1
        $snapshots[0].Id | Should -Be $full[0].Snapshot.Id
        $snapshots[0].Status | Should -Be 'Complete'
        ($snapshots[0] | Test-MongoSnapshot).Passed | Should -BeTrue
    }

    It 'runs again once the first run has released the lease' {
        $repository = New-PolicyRepository
        $first = Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -FullEvery '1.00:00:00' -WarningAction SilentlyContinue
        $second = Invoke-MongoBackupPolicy -ConnectionString $uri -Repository $repository -FullEvery '1.00:00:00' -WarningAction SilentlyContinue

        $first.Action | Should -Be 'Full'
        $second.Action | Should -Be 'Nothing'   # the lease was free again; only the full is not due
    }
}

Describe 'Object-store errors' {
    It 'names the location and not the key when Azure refuses the credentials' {
        $wrong = 'V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5V3JvbmdLZXk='
        $repo = New-MongoRepository -AzureBlob 'az://devstoreaccount1/pester' -AccountKey (ConvertTo-SecureString $wrong -AsPlainText -Force) -Endpoint $azuriteEndpoint
        $failure = $null
        try { Get-MongoSnapshot -Repository $repo -ErrorAction Stop } catch { $failure = $_ }
        $failure | Should -Not -BeNullOrEmpty
        $failure.FullyQualifiedErrorId | Should -BeLike 'MongoBackup.RepositoryAccessDenied*'
        $failure.Exception.Message | Should -Match 'az://devstoreaccount1/pester'
        $failure.Exception.Message | Should -Not -Match ([regex]::Escape($wrong))
    }

    It 'says a missing bucket does not exist' {
        $credential = [pscredential]::new('S3RVER', (ConvertTo-SecureString 'S3RVER' -AsPlainText -Force))
        $repo = New-MongoRepository -S3 's3://no-such-bucket' -Endpoint "http://127.0.0.1:$($s3.Port)" -ForcePathStyle -Credential $credential
        { Get-MongoSnapshot -Repository $repo -ErrorAction Stop } | Should -Throw -ErrorId 'MongoBackup.RepositoryNotFound*'
    }
}

Describe 'The scheduling runbook on object stores, signed in from its environment as a scheduler runs it' {
    BeforeAll {
        function Invoke-Runbook([hashtable] $Environment) {
            Invoke-RunbookWithEnvironment ($Environment + @{ MONGOBACKUP_URI = $uri; MONGOBACKUP_KEEP_LAST = '3' })
        }
        $script:azuriteKeySecure = ConvertTo-SecureString $azuriteKey -AsPlainText -Force
    }

    It 'az:// with AZURE_STORAGE_CONNECTION_STRING (Azurite): backs up, and never shows the key' {
        $run = Invoke-Runbook @{ MONGOBACKUP_REPOSITORY = 'az://devstoreaccount1/pester/runbook-cs'
            AZURE_STORAGE_CONNECTION_STRING = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$azuriteKey;BlobEndpoint=$azuriteEndpoint;" }
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'MongoBackup policy: Full '
        $run.Output | Should -Not -Match ([regex]::Escape($azuriteKey.Substring(0, 12)))
        $repo = New-MongoRepository -AzureBlob 'az://devstoreaccount1/pester/runbook-cs' -AccountKey $azuriteKeySecure -Endpoint $azuriteEndpoint
        @(Get-MongoSnapshot -Repository $repo).Count | Should -Be 1
    }

    It 'az:// with AZURE_STORAGE_KEY_FILE and MONGOBACKUP_ENDPOINT (the account key from a file, another endpoint)' {
        $keyFile = Join-Path (New-TestFolder) 'storage-key'
        Set-Content -Path $keyFile -Value $azuriteKey
        $run = Invoke-Runbook @{ MONGOBACKUP_REPOSITORY = 'az://devstoreaccount1/pester/runbook-key'; AZURE_STORAGE_KEY_FILE = $keyFile; MONGOBACKUP_ENDPOINT = $azuriteEndpoint }
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'MongoBackup policy: Full '
        $run.Output | Should -Not -Match ([regex]::Escape($azuriteKey.Substring(0, 12)))
    }

    It 'az:// with two Azure secrets set is refused, naming both variables' {
        $run = Invoke-Runbook @{ MONGOBACKUP_REPOSITORY = 'az://devstoreaccount1/pester/runbook-two'; AZURE_STORAGE_KEY = $azuriteKey; AZURE_STORAGE_SAS_TOKEN = 'sv=2024-01-01&sig=x' }
        $run.ExitCode | Should -Be 1
        $run.Output | Should -Match 'Set one Azure Storage secret, not AZURE_STORAGE_SAS_TOKEN and AZURE_STORAGE_KEY'
    }

    It 's3:// with the AWS SDK variables, MONGOBACKUP_ENDPOINT and MONGOBACKUP_S3_FORCE_PATH_STYLE (an S3-compatible store)' {
        $run = Invoke-Runbook @{ MONGOBACKUP_REPOSITORY = 's3://pester/runbook'; AWS_ACCESS_KEY_ID = 'S3RVER'; AWS_SECRET_ACCESS_KEY = 'S3RVER'
            MONGOBACKUP_ENDPOINT = "http://127.0.0.1:$($s3.Port)"; MONGOBACKUP_S3_FORCE_PATH_STYLE = 'true' }
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'MongoBackup policy: Full '
        $keys = [pscredential]::new('S3RVER', (ConvertTo-SecureString 'S3RVER' -AsPlainText -Force))
        @(Get-MongoSnapshot -Repository (New-MongoRepository -S3 's3://pester/runbook' -Endpoint "http://127.0.0.1:$($s3.Port)" -ForcePathStyle -Credential $keys)).Count | Should -Be 1
    }
}

Describe 'The scheduling runbook copies offsite into an object store: MONGOBACKUP_COPY_TO' {
    It 'a folder repository copied to s3:// (MONGOBACKUP_COPY_TO_ENDPOINT, the AWS SDK variables), the next run copying only what is new' {
        $repository = New-TestFolder
        $environment = @{ MONGOBACKUP_URI = $uri; MONGOBACKUP_REPOSITORY = $repository; MONGOBACKUP_KEEP_LAST = '3'; MONGOBACKUP_DATABASE = $db
            MONGOBACKUP_COPY_TO = 's3://pester/offsite'; MONGOBACKUP_COPY_TO_ENDPOINT = "http://127.0.0.1:$($s3.Port)"; MONGOBACKUP_S3_FORCE_PATH_STYLE = 'true'
            AWS_ACCESS_KEY_ID = 'S3RVER'; AWS_SECRET_ACCESS_KEY = 'S3RVER' }
        $first = Invoke-RunbookWithEnvironment $environment
        (Get-Collection $uri $db 'items').InsertOne((New-BsonDocument ([ordered]@{ _id = 'offsite' })))
        $second = Invoke-RunbookWithEnvironment $environment

        $first.ExitCode | Should -Be 0 -Because $first.Output
        $first.Output | Should -Match 'MongoBackup copy: 1 copied to s3://pester/offsite \S+; 0 failed'
        $second.ExitCode | Should -Be 0 -Because $second.Output
        $second.Output | Should -Match 'MongoBackup copy: 1 copied to s3://pester/offsite \S+; 0 failed'
        $keys = [pscredential]::new('S3RVER', (ConvertTo-SecureString 'S3RVER' -AsPlainText -Force))
        $offsite = New-MongoRepository -S3 's3://pester/offsite' -Endpoint "http://127.0.0.1:$($s3.Port)" -ForcePathStyle -Credential $keys
        $expected = @((Get-MongoSnapshot -Repository $repository).Id | Sort-Object)
        $expected.Count | Should -Be 2
        @((Get-MongoSnapshot -Repository $offsite).Id | Sort-Object) | Should -Be $expected
    }
}

Describe 'A verification recorded on <Name>' -ForEach @(
    @{ Name = 'Azure Blob Storage'; Kind = 'az' }
    @{ Name = 'S3'; Kind = 's3' }
) {
    It 'Get-MongoSnapshot shows when the snapshot was last tested and that it passed; -NotVerifiedSince leaves it out' {
        $repo = New-StoreRepository $Kind "verified-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
        $snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $repo -Database $db -WarningAction SilentlyContinue
        (Get-MongoSnapshot -Repository $repo -Id $snapshot.Id).VerificationStatus | Should -Be 'Never'
        $before = Get-Date

        (Test-MongoSnapshot -Repository $repo -Id $snapshot.Id).Passed | Should -BeTrue

        $listed = Get-MongoSnapshot -Repository $repo
        $listed.VerificationStatus | Should -Be 'Passed'
        $listed.VerificationMode | Should -Be 'Files'
        $listed.LastVerified | Should -BeGreaterOrEqual $before.AddSeconds(-1)
        @(Get-MongoSnapshot -Repository $repo -NotVerifiedSince $before.AddSeconds(-1)).Count | Should -Be 0
        @(Get-MongoSnapshot -Repository $repo -NotVerifiedSince (Get-Date).AddMinutes(1)).Id | Should -Be @($snapshot.Id)
    }
}

Describe 'The README''s local S3 (npm run s3 --prefix tests/services)' {
    It 'starts s3rver so that a backup lists: with the legacy OpenSSL provider its listings do not fail with HTTP 500' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $data = New-TestFolder
        $services = (Resolve-Path (Join-Path $PSScriptRoot '../services')).Path
        $info = [System.Diagnostics.ProcessStartInfo]::new('npm')
        # The README's command, with another port and folder (s3-server.js adds its defaults only for options not given).
        foreach ($a in 'run', 's3', '--prefix', $services, '--', '--port', "$port", '--directory', $data, '--silent') { $info.ArgumentList.Add($a) }
        $info.UseShellExecute = $false
        $process = [System.Diagnostics.Process]::Start($info)
        try {
            $deadline = (Get-Date).AddSeconds(60)
            while ($true) {
                if ($process.HasExited) { throw "npm run s3 exited with code $($process.ExitCode)." }
                $client = [System.Net.Sockets.TcpClient]::new()
                try { $client.Connect('127.0.0.1', $port); break } catch { Start-Sleep -Milliseconds 200 } finally { $client.Dispose() }
                if ((Get-Date) -gt $deadline) { throw "npm run s3 did not listen on port $port within 60 s." }
            }
            $keys = [pscredential]::new('S3RVER', (ConvertTo-SecureString 'S3RVER' -AsPlainText -Force))
            $repo = New-MongoRepository -S3 's3://backups/readme' -Endpoint "http://127.0.0.1:$port" -ForcePathStyle -Credential $keys
            $snapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $repo -Database $db
            (Get-MongoSnapshot -Repository $repo).Id | Should -Be $snapshot.Id
        }
        finally {
            $process.Kill($true); $process.WaitForExit(10000) | Out-Null
        }
    }
}
