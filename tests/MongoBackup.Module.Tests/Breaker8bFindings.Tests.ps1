# Breaker8b's findings, each a test that fails until it is fixed (see the breaker's report for the repro and cause).
# Nothing here is a fix: each It states what a DBA would expect.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-MongoBackupModule
    $script:server = Start-MongoTestServer
    $script:uri = $server.Uri
    $script:suffix = [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:none = [System.Threading.CancellationToken]::None

    function script:Get-Json8b([string] $Database, [string] $Collection) { Get-AllDocuments (Get-Collection $uri $Database $Collection) }
    function script:Add-Foreign8b([string] $Database, [string] $Collection) {
        # What the target holds of its own under a name the replayed oplog mentions.
        $foreign = Get-Collection $uri $Database $Collection
        $foreign.InsertOne((New-BsonDocument @{ _id = 1; foreign = $true }), $null, $none)
        $foreign.InsertOne((New-BsonDocument @{ _id = 99; foreign = $true }), $null, $none)
    }
    function script:Write-BsonFile8b([string] $Path, [string[]] $Json) {
        # Each JSON document written as BSON, one after the other, as mongodump writes a .bson file.
        $stream = [System.IO.File]::Create($Path)
        try {
            foreach ($text in $Json) {
                $writer = [MongoDB.Bson.IO.BsonBinaryWriter]::new($stream)
                [MongoDB.Bson.Serialization.BsonSerializer]::Serialize($writer, [MongoDB.Bson.BsonDocument], [MongoDB.Bson.BsonDocument]::Parse($text))
                $writer.Flush()
            }
        } finally { $stream.Dispose() }
    }
    function script:New-Dump8b([string] $Database, [string[]] $Oplog) {
        # A mongodump --oplog folder: $Database.a holding one document, and oplog.bson.
        $folder = New-TestFolder
        New-Item -ItemType Directory -Force (Join-Path $folder $Database) | Out-Null
        Write-BsonFile8b (Join-Path $folder "$Database/a.bson") @('{"_id": 1}')
        Set-Content (Join-Path $folder "$Database/a.metadata.json") '{"options":{},"indexes":[{"v":2,"key":{"_id":1},"name":"_id_"}],"collectionName":"a"}'
        Write-BsonFile8b (Join-Path $folder 'oplog.bson') $Oplog
        return $folder
    }
    $script:foreignJson8b = @('{ "_id" : 1, "foreign" : true }', '{ "_id" : 99, "foreign" : true }')
    $script:txn8b = '"lsid":{"id":{"$binary":{"base64":"AAAAAAAAAAAAAAAAAAAAAA==","subType":"04"}},"uid":{"$binary":{"base64":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=","subType":"00"}}},"txnNumber":{"$numberLong":"1"}'
}

AfterAll {
    Remove-TestRun -Uri $uri -Suffix $suffix -Server $server
}

Describe 'Finding 3: a collection the oplog creates, whose name the target holds as an empty collection, is restored without its options' {
    BeforeAll {
        function script:Get-Options8b([string] $Database, [string] $Collection) {
            $client = [MongoDB.Driver.MongoClient]::new($uri)
            $all = [MongoDB.Driver.IAsyncCursorExtensions]::ToList($client.GetDatabase($Database).ListCollections($null, $none), $none)
            Write-Output -NoEnumerate ($all | Where-Object { $_['name'].AsString -eq $Collection })
        }
    }

    It 'Restore-MongoDatabase: a capped collection the oplog creates is restored capped (not the target''s plain empty one, reported as a success)' {
        $database = "b8b_capped_$suffix"
        [MongoDB.Driver.MongoClient]::new($uri).GetDatabase($database).CreateCollection('newc', $null, $none)   # empty, plain
        $dump = New-Dump8b $database @(
            '{"ts":{"$timestamp":{"t":1700000000,"i":1}},"t":1,"op":"c","ns":"' + $database + '.$cmd","o":{"create":"newc","capped":true,"size":4096}}'
            '{"ts":{"$timestamp":{"t":1700000000,"i":2}},"t":1,"op":"i","ns":"' + $database + '.newc","o":{"_id":1}}'
        )

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $dump -ErrorAction SilentlyContinue -WarningAction SilentlyContinue

        $options = (Get-Options8b $database 'newc')['options'].AsBsonDocument
        if ($result.Succeeded) { $options.GetValue('capped', $false).ToBoolean() | Should -BeTrue -Because 'the source collection is capped, and the restore says it succeeded' }
        else { $result.Succeeded | Should -BeTrue -Because 'an empty target collection is no reason to refuse' }
    }

    It 'Restore-MongoDatabase: a time-series collection the oplog creates is restored as time-series' {
        $database = "b8b_tsempty_$suffix"
        [MongoDB.Driver.MongoClient]::new($uri).GetDatabase($database).CreateCollection('ts', $null, $none)   # empty, plain
        $dump = New-Dump8b $database @(
            '{"ts":{"$timestamp":{"t":1700000000,"i":1}},"t":1,"op":"c","ns":"' + $database + '.$cmd","o":{"create":"ts","timeseries":{"timeField":"t","granularity":"seconds","bucketMaxSpanSeconds":3600}}}'
        )

        $result = Restore-MongoDatabase -ConnectionString $uri -Path $dump -ErrorAction SilentlyContinue -WarningAction SilentlyContinue

        $result.Succeeded | Should -BeTrue
        (Get-Options8b $database 'ts')['type'].AsString | Should -Be 'timeseries'
    }
}
