# Commands that ask for confirmation, run where no one can answer (pwsh -NonInteractive, as this suite and a scheduled
# job run): a clear MongoBackup.ConfirmationRequired naming the cmdlet and -Confirm:$false, nothing done; not
# PowerShell's bare "NonInteractive mode. Read and Prompt functionality is not available".
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:db = 'pester_unattended_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    (Get-Collection $uri $db 'orders').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..5) { New-BsonDocument @{ _id = $i } }))
    $script:repository = New-TestFolder
    $script:first = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db
    $script:second = Backup-MongoDatabase -ConnectionString $uri -Repository $repository -Database $db
    $ConfirmPreference = 'High' # PowerShell's default: a High-impact command asks

    function Assert-ConfirmationRequired([scriptblock] $Command, [string] $Cmdlet) {
        $failure = { & $Command } | Should -Throw -PassThru -ErrorId "MongoBackup.ConfirmationRequired,*"
        $failure.Exception.Message | Should -BeLike "$Cmdlet asks for confirmation*cannot prompt*add -Confirm:`$false to $Cmdlet*"
        $failure.Exception.Message | Should -Not -BeLike '*Read and Prompt functionality*'
    }
}

AfterAll {
    if ($script:uri) { [MongoDB.Driver.MongoClient]::new($uri).DropDatabase($db, [System.Threading.CancellationToken]::None) }
    Stop-MongoTestServer $server
    Remove-Item $repository -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Confirmation in a session that cannot prompt' {
    It 'the session is non-interactive, as the failure needs' {
        [Environment]::GetCommandLineArgs() | Should -Contain '-NonInteractive'
    }

    It 'Remove-MongoSnapshot without -Confirm:$false names itself and -Confirm:$false, and removes nothing' {
        Assert-ConfirmationRequired { Remove-MongoSnapshot -Repository $repository -Id $first.Id } 'Remove-MongoSnapshot'
        @(Get-MongoSnapshot -Repository $repository).Count | Should -Be 2
    }

    It 'Invoke-MongoSnapshotRetention without -Confirm:$false does the same' {
        Assert-ConfirmationRequired { Invoke-MongoSnapshotRetention -Repository $repository -KeepLast 1 } 'Invoke-MongoSnapshotRetention'
        @(Get-MongoSnapshot -Repository $repository).Count | Should -Be 2
    }

    It 'Restore-MongoDatabase -Drop without -Confirm:$false does the same, and the target keeps its data' {
        (Get-Collection $uri $db 'orders').InsertOne((New-BsonDocument @{ _id = 'added after the backup' }))
        Assert-ConfirmationRequired { $second | Restore-MongoDatabase -ConnectionString $uri -Drop } 'Restore-MongoDatabase'
        Get-DocumentCount (Get-Collection $uri $db 'orders') | Should -Be 6
    }

    # Tryout8 P15: the -Drop question of a point-in-time restore reached the host's prompt directly (UnexpectedError).
    It 'Restore-MongoPointInTime -Drop without -Confirm:$false does the same, and the target keeps its data' {
        $pitrRepository = New-TestFolder
        try {
            Backup-MongoDatabase -ConnectionString $uri -Repository $pitrRepository -Database $db -WarningAction SilentlyContinue | Out-Null
            (Get-Collection $uri $db 'orders').InsertOne((New-BsonDocument @{ _id = 'in the slice' }))
            Backup-MongoOplog -ConnectionString $uri -Repository $pitrRepository | Out-Null
            (Get-Collection $uri $db 'orders').DeleteMany((New-BsonDocument @{ _id = 'in the slice' })) | Out-Null
            Assert-ConfirmationRequired {
                Get-MongoRestoreWindow -Repository $pitrRepository |
                    Restore-MongoPointInTime -ConnectionString $uri -ClusterTime ((Get-MongoRestoreWindow -Repository $pitrRepository).ToTimestamp) -Database $db -Drop
            } 'Restore-MongoPointInTime'
            Get-DocumentCount (Get-Collection $uri $db 'orders') | Should -Be 6
        }
        finally { Remove-Item $pitrRepository -Recurse -Force -ErrorAction SilentlyContinue }
    }

    # The Medium-impact cmdlets prompt only with -Confirm: the same refusal, through the same path, and nothing is written.
    It '<Cmdlet> -Confirm does the same, and writes nothing' -ForEach @(
        @{ Cmdlet = 'Export-MongoSnapshot'; Run = { param($Path) Export-MongoSnapshot -Repository $repository -Id $second.Id -Path $Path -Confirm -ErrorAction Stop } }
        @{ Cmdlet = 'Copy-MongoSnapshot'; Run = { param($Path) Copy-MongoSnapshot -Repository $repository -Id $second.Id -Destination $Path -Confirm -ErrorAction Stop } }
        @{ Cmdlet = 'Backup-MongoDatabase'; Run = { param($Path) Backup-MongoDatabase -ConnectionString $uri -Repository $Path -Database $db -Confirm -WarningAction SilentlyContinue -ErrorAction Stop } }
    ) {
        $target = Join-Path (New-TestFolder) 'target'
        Assert-ConfirmationRequired { & $Run $target } $Cmdlet
        if (Test-Path $target) { @(Get-ChildItem $target -Recurse -File) | Should -BeNullOrEmpty }
    }

    It 'with -Confirm:$false they run unattended' {
        $second | Restore-MongoDatabase -ConnectionString $uri -Drop -Confirm:$false | Out-Null
        Get-DocumentCount (Get-Collection $uri $db 'orders') | Should -Be 5
        Remove-MongoSnapshot -Repository $repository -Id $first.Id -Confirm:$false
        @(Get-MongoSnapshot -Repository $repository).Id | Should -Be @($second.Id)
    }
}

Describe 'Confirmation in a pwsh -File script whose standard input is empty' {
    # As a scheduler or CI runs a script: pwsh -NoProfile -File script.ps1 < /dev/null. Without -NonInteractive the console
    # host does try to prompt, reads the end of its input and fails inside PowerShell (a NullReferenceException); with
    # -NonInteractive it refuses to prompt. Either way the user gets ConfirmationRequired and nothing is done.
    BeforeAll {
        $script:childRepository = New-TestFolder
        $script:keyRepository = New-TestFolder
        $script:scripts = New-TestFolder
        $script:childDb = $db + '_child'
        (Get-Collection $uri $childDb 'orders').InsertMany([MongoDB.Bson.BsonDocument[]] @(foreach ($i in 1..3) { New-BsonDocument @{ _id = $i } }))
        $script:childSnapshot = Backup-MongoDatabase -ConnectionString $uri -Repository $childRepository -Database $childDb -WarningAction SilentlyContinue
        $script:oldKey = 'the passphrase of the child test'
        Backup-MongoDatabase -ConnectionString $uri -Repository $keyRepository -Database $childDb -WarningAction SilentlyContinue `
            -EncryptionKey (ConvertTo-SecureString $oldKey -AsPlainText -Force) | Out-Null
        (Get-Collection $uri $childDb 'orders').InsertOne((New-BsonDocument @{ _id = 'added after the backup' }))

        # Two encrypted snapshots (re-keyed, or copied to the destination): a command acting on several items is asked once per item.
        $script:twoKeyRepository = New-TestFolder
        $script:copyDestination = New-TestFolder
        foreach ($i in 1..2) {
            Backup-MongoDatabase -ConnectionString $uri -Repository $twoKeyRepository -Database $childDb -WarningAction SilentlyContinue `
                -EncryptionKey (ConvertTo-SecureString $oldKey -AsPlainText -Force) | Out-Null
        }

        function Invoke-ChildWithEmptyInput([string] $Command, [string[]] $Switches, [string[]] $Answers = @(), [string] $KeyRepositoryPath = $keyRepository) {
            # A child pwsh running a script file, its standard input a pipe closed at once (an empty stream); the script
            # prints the error it caught as one RESULT line. Under 'dotnet pwsh' the process is dotnet: run pwsh.dll through it.
            $file = Join-Path $scripts ("child-" + [guid]::NewGuid().ToString('N') + '.ps1')
            Set-Content -Path $file -Value @"
param([string] `$Uri, [string] `$Repository, [string] `$KeyRepository, [string] `$Id, [string] `$Database, [string] `$OldKey, [string] `$Destination)
Import-Module `$env:MONGOBACKUP_MODULE
try { $Command; 'RESULT:' + (@{ Id = 'none' } | ConvertTo-Json -Compress) }
catch { 'RESULT:' + (@{ Id = `$_.FullyQualifiedErrorId; Message = `$_.Exception.Message } | ConvertTo-Json -Compress) }
"@
            $exe = [Environment]::ProcessPath
            $arguments = @('-NoProfile') + $Switches + @('-File', $file, '-Uri', $uri, '-Repository', $childRepository, '-KeyRepository', $KeyRepositoryPath,
                '-Id', $childSnapshot.Id, '-Database', $childDb, '-OldKey', $oldKey, '-Destination', $copyDestination)
            if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $arguments = @(Join-Path $PSHOME 'pwsh.dll') + $arguments }
            $info = [System.Diagnostics.ProcessStartInfo]::new($exe, [string[]] $arguments)
            $info.RedirectStandardInput = $true
            $info.RedirectStandardOutput = $true
            $info.RedirectStandardError = $true
            $child = [System.Diagnostics.Process]::Start($info)
            try {
                # The answers given, then the end of input: the prompts after them read nothing.
                foreach ($answer in $Answers) { $child.StandardInput.WriteLine($answer) }
                $child.StandardInput.Close()
                $errors = $child.StandardError.ReadToEndAsync()
                $output = $child.StandardOutput.ReadToEnd()
                $child.WaitForExit()
                $result = [regex]::Match($output, 'RESULT:(\{.*\})')
                $result.Success | Should -BeTrue -Because "the child prints what it caught (output: $output $($errors.Result))"
                return $result.Groups[1].Value | ConvertFrom-Json
            }
            finally { $child.Dispose() }
        }

        function Assert-Refused($Caught, [string] $Cmdlet) {
            $Caught.Id | Should -BeLike "MongoBackup.ConfirmationRequired,*" -Because $Caught.Message
            $Caught.Message | Should -BeLike "$Cmdlet asks for confirmation*cannot prompt*nothing was done*add -Confirm:`$false to $Cmdlet*"
        }
    }

    AfterAll {
        if ($script:uri) { [MongoDB.Driver.MongoClient]::new($uri).DropDatabase($childDb, [System.Threading.CancellationToken]::None) }
        Remove-Item $childRepository, $keyRepository, $twoKeyRepository, $copyDestination, $scripts -Recurse -Force -ErrorAction SilentlyContinue
    }

    Context 'pwsh <Label>' -ForEach @(@{ Label = '-File'; Switches = @() }, @{ Label = '-NonInteractive -File'; Switches = @('-NonInteractive') }) {
        It 'Remove-MongoSnapshot is refused with ConfirmationRequired, and the snapshot is kept' {
            $caught = Invoke-ChildWithEmptyInput 'Remove-MongoSnapshot -Repository $Repository -Id $Id' $Switches
            Assert-Refused $caught 'Remove-MongoSnapshot'
            @(Get-MongoSnapshot -Repository $childRepository).Id | Should -Be @($childSnapshot.Id)
        }

        It 'Restore-MongoDatabase -Drop is refused with ConfirmationRequired, and the target keeps its data' {
            $caught = Invoke-ChildWithEmptyInput 'Get-MongoSnapshot -Repository $Repository -Id $Id | Restore-MongoDatabase -ConnectionString $Uri -Drop' $Switches
            Assert-Refused $caught 'Restore-MongoDatabase'
            Get-DocumentCount (Get-Collection $uri $childDb 'orders') | Should -Be 4
        }

        It 'Update-MongoSnapshotKey is refused with ConfirmationRequired, and no manifest is rewritten' {
            $before = Get-ChildItem $keyRepository -Recurse -Filter manifest.json | Get-FileHash | ForEach-Object Hash
            $caught = Invoke-ChildWithEmptyInput ('Update-MongoSnapshotKey -Repository $KeyRepository -EncryptionKey (ConvertTo-SecureString $OldKey -AsPlainText -Force) ' +
                '-NewEncryptionKey (ConvertTo-SecureString "the new passphrase of the child" -AsPlainText -Force)') $Switches
            Assert-Refused $caught 'Update-MongoSnapshotKey'
            Get-ChildItem $keyRepository -Recurse -Filter manifest.json | Get-FileHash | ForEach-Object Hash | Should -Be $before
        }
    }
    # Breaker7: printf 'y\n' | pwsh -File rotate.ps1 re-keyed the first snapshot, then the second prompt read the end of input and
    # said "nothing was done". Every confirmation is now asked before any manifest is rewritten, so that is true again.
    It 'Update-MongoSnapshotKey over two snapshots, input ending after one answer: refused before any rewrite, both still under the old key' {
        $before = Get-ChildItem $twoKeyRepository -Recurse -Filter manifest.json | Get-FileHash | ForEach-Object Hash
        $caught = Invoke-ChildWithEmptyInput ('Update-MongoSnapshotKey -Repository $KeyRepository -EncryptionKey (ConvertTo-SecureString $OldKey -AsPlainText -Force) ' +
            '-NewEncryptionKey (ConvertTo-SecureString "the new passphrase of the child" -AsPlainText -Force)') @() -Answers 'y' -KeyRepositoryPath $twoKeyRepository
        Assert-Refused $caught 'Update-MongoSnapshotKey'
        Get-ChildItem $twoKeyRepository -Recurse -Filter manifest.json | Get-FileHash | ForEach-Object Hash | Should -Be $before
        @(Get-MongoSnapshot -Repository $twoKeyRepository | ForEach-Object KeyFingerprint | Sort-Object -Unique).Count | Should -Be 1
    }

    It 'Copy-MongoSnapshot -Confirm over two snapshots, input ending after one answer: the refusal names the snapshot already copied' {
        $caught = Invoke-ChildWithEmptyInput 'Get-MongoSnapshot -Repository $KeyRepository | Copy-MongoSnapshot -Destination $Destination -Confirm -ErrorAction Stop' @() -Answers 'y' -KeyRepositoryPath $twoKeyRepository
        $caught.Id | Should -BeLike "MongoBackup.ConfirmationRequired,*" -Because $caught.Message
        $copied = @(Get-MongoSnapshot -Repository $copyDestination)
        $copied.Count | Should -Be 1 -Because 'the first copy was confirmed and made (the premise)'
        $caught.Message | Should -Not -BeLike '*nothing was done*'
        $caught.Message | Should -BeLike "*what it did before this prompt stands: snapshot $($copied[0].Id) was copied to *"
    }
}
