# A namespace some of whose documents the server refuses (a dump holding one _id twice, two restores racing into one
# target) fails like any namespace: a non-terminating error naming it (so $?, -ErrorAction Stop and try/catch see it),
# and its result's Error says what was refused; the other documents stay in, as mongorestore keeps them.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:suffix = [guid]::NewGuid().ToString('N').Substring(0, 8)

    function script:New-DuplicateIdDump([string] $Database) {
        # A mongodump folder whose $Database/a.bson holds _id 1 twice.
        $folder = New-TestFolder
        New-Item -ItemType Directory (Join-Path $folder $Database) | Out-Null
        $stream = [System.IO.File]::Create((Join-Path $folder "$Database/a.bson"))
        try {
            foreach ($text in '{"_id": 1, "v": 1}', '{"_id": 1, "v": 2}', '{"_id": 2}') {
                $writer = [MongoDB.Bson.IO.BsonBinaryWriter]::new($stream)
                [MongoDB.Bson.Serialization.BsonSerializer]::Serialize($writer, [MongoDB.Bson.BsonDocument], [MongoDB.Bson.BsonDocument]::Parse($text))
                $writer.Flush()
            }
        } finally { $stream.Dispose() }
        Set-Content (Join-Path $folder "$Database/a.metadata.json") '{"options":{},"indexes":[{"v":2,"key":{"_id":1},"name":"_id_"}],"collectionName":"a"}'
        return $folder
    }
}

AfterAll {
    Remove-TestRun -Uri $uri -Suffix $suffix -Server $server
}

Describe 'Restore-MongoDatabase of a namespace the server refuses some documents of' {
    It 'writes a non-terminating NamespaceRestoreFailed error naming it, the count and the reason, and keeps the other documents' {
        $database = "refused_$suffix"
        $dump = New-DuplicateIdDump $database

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $dump -ErrorAction SilentlyContinue -ErrorVariable problems -WarningAction SilentlyContinue

        $namespace = $result.Namespaces[0]
        ($namespace.Succeeded, $namespace.DocumentsRefused, $result.Succeeded) | Should -Be @($false, 1, $false)
        @($problems).Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'MongoBackup.NamespaceRestoreFailed*'
        $problems[0].TargetObject | Should -Be "$database.a"
        $problems[0].Exception.Message | Should -Match 'refused 1 of the 3 documents'
        $problems[0].Exception.Message | Should -Match 'E11000'
        $namespace.Error | Should -Be $problems[0].Exception.Message
        Get-DocumentCount (Get-Collection $uri $database 'a') | Should -Be 2
    }

    It 'stops a script that runs it with -ErrorAction Stop' {
        $database = "refusedstop_$suffix"
        $dump = New-DuplicateIdDump $database

        { Restore-MongoDatabase -ConnectionString $uri -Path $dump -ErrorAction Stop -WarningAction SilentlyContinue } |
            Should -Throw -ErrorId 'MongoBackup.NamespaceRestoreFailed*'
    }
}
