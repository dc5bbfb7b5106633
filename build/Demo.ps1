<#
.SYNOPSIS
    A backup and restore walk-through: seeds a small shop and hr data set, backs it up, lists the snapshot,
    restores it into renamed databases and proves the copies match. Then the DBA's point-in-time story: writes,
    a scheduled oplog slice, an accidental drop, more writes, another slice, the restore window, and a restore
    to just before the drop that brings the dropped collection back.
.DESCRIPTION
    Runs unattended (-NonInteractive is fine). It (re)creates the databases shop, hr, shop_restored,
    hr_restored and shop_pitr on the given server, so point it at a test server. Exits 1 when a restored
    collection's document count or indexes differ from the original, or when the point-in-time restore does
    not bring back every document written before the drop. The point-in-time part needs a replica set; against
    a standalone server it is skipped with a message.
.EXAMPLE
    dotnet pwsh -NonInteractive -File build/Demo.ps1 -ModulePath out/MongoBackup/MongoBackup.psd1 -ConnectionString 'mongodb://127.0.0.1:27017'
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ConnectionString
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Import-Module $ModulePath -Force
# The module keeps MongoDB.Driver in its own load context; the demo seeds data with a copy of the same driver loaded here.
$deps = Join-Path (Split-Path -Parent $ModulePath) 'bin/deps'
foreach ($name in 'MongoDB.Bson', 'MongoDB.Driver') { [void] [System.Reflection.Assembly]::LoadFrom((Join-Path $deps "$name.dll")) }

$none = [System.Threading.CancellationToken]::None
$client = [MongoDB.Driver.MongoClient]::new($ConnectionString)

function Invoke-DbCommand {
    # Runs a database command given as JSON; the driver's typed helpers are awkward from PowerShell.
    param([string] $Database, [string] $Json)
    $command = [MongoDB.Driver.BsonDocumentCommand[MongoDB.Bson.BsonDocument]]::new([MongoDB.Bson.BsonDocument]::Parse($Json))
    Write-Output -NoEnumerate ($client.GetDatabase($Database).RunCommand[MongoDB.Bson.BsonDocument]($command, $null, $none))
}

function Add-Documents {
    param([string] $Database, [string] $Collection, [object[]] $Documents)
    # The command name must come first, hence [ordered].
    $json = [ordered]@{ insert = $Collection; documents = $Documents; ordered = $true } | ConvertTo-Json -Depth 10 -Compress
    Invoke-DbCommand $Database $json | Out-Null
}

function Get-CollectionFacts {
    # Name, type, document count and index keys of every collection of a database, for the comparison.
    param([string] $Database)
    $listed = Invoke-DbCommand $Database '{ "listCollections": 1, "nameOnly": false }'
    foreach ($info in $listed.GetValue('cursor').AsBsonDocument.GetValue('firstBatch').AsBsonArray) {
        $name = $info.AsBsonDocument.GetValue('name').AsString
        if ($name.StartsWith('system.')) { continue }
        $type = $info.AsBsonDocument.GetValue('type').AsString
        $count = (Invoke-DbCommand $Database (@{ count = $name } | ConvertTo-Json -Compress)).GetValue('n').ToInt64()
        $indexes = if ($type -eq 'view') { '' } else {
            $result = Invoke-DbCommand $Database (@{ listIndexes = $name } | ConvertTo-Json -Compress)
            (@(foreach ($index in $result.GetValue('cursor').AsBsonDocument.GetValue('firstBatch').AsBsonArray) {
                $doc = $index.AsBsonDocument
                $doc.GetValue('key').ToString() + $(if ($doc.Contains('unique') -and $doc.GetValue('unique').ToBoolean()) { ' unique' })
            }) | Sort-Object) -join '; '
        }
        [pscustomobject]@{ Name = $name; Type = $type; Documents = $count; Indexes = $indexes }
    }
}

function Get-DocumentText {
    # Every document of a collection as text, in _id order, to prove two collections hold the same documents.
    param([string] $Database, [string] $Collection)
    $json = [ordered]@{ find = $Collection; sort = @{ _id = 1 }; batchSize = 1000000 } | ConvertTo-Json -Compress
    $found = Invoke-DbCommand $Database $json
    @(foreach ($document in $found.GetValue('cursor').AsBsonDocument.GetValue('firstBatch').AsBsonArray) { $document.ToString() })
}

Write-Host "== Seeding shop and hr on $(([System.Reflection.Assembly]::Load('MongoBackup.Engine').GetType('MongoBackup.Engine.Connection.ConnectionStringRedactor')::Redact($ConnectionString)))"
foreach ($db in 'shop', 'hr', 'shop_restored', 'hr_restored', 'shop_pitr') { $client.DropDatabase($db, $none) }

$cities = 'Lisbon', 'Oslo', 'Austin', 'Osaka', 'Lyon'
Add-Documents shop customers @(foreach ($i in 1..40) {
    @{ _id = $i; name = "Customer $i"; email = "customer$i@example.com"; city = $cities[$i % $cities.Count]; since = @{ '$date' = "2024-0$(1 + $i % 9)-15T00:00:00Z" } }
})
Add-Documents shop products @(foreach ($i in 1..12) {
    @{ _id = "SKU-$('{0:D3}' -f $i)"; title = "Product $i"; price = [math]::Round(4.99 * $i, 2); tags = @('demo', "group$($i % 3)") }
})
Add-Documents shop orders @(foreach ($i in 1..300) {
    @{ _id = $i; customerId = 1 + $i % 40; status = @('new', 'paid', 'shipped')[$i % 3]; total = [math]::Round(9.5 * ($i % 17 + 1), 2)
       lines = @(@{ sku = "SKU-$('{0:D3}' -f (1 + $i % 12))"; qty = 1 + $i % 4 }) }
})
Invoke-DbCommand shop '{ "createIndexes": "customers", "indexes": [ { "key": { "email": 1 }, "name": "email_unique", "unique": true }, { "key": { "city": 1, "name": 1 }, "name": "city_name" } ] }' | Out-Null
Invoke-DbCommand shop '{ "createIndexes": "orders", "indexes": [ { "key": { "customerId": 1, "status": 1 }, "name": "customer_status" }, { "key": { "total": -1 }, "name": "total_desc" } ] }' | Out-Null
Invoke-DbCommand shop '{ "create": "paid_orders", "viewOn": "orders", "pipeline": [ { "$match": { "status": "paid" } } ] }' | Out-Null

Add-Documents hr departments @(foreach ($d in 'Sales', 'Support', 'Engineering') { @{ _id = $d; floor = $d.Length } })
Add-Documents hr employees @(foreach ($i in 1..25) { @{ _id = $i; name = "Employee $i"; department = @('Sales', 'Support', 'Engineering')[$i % 3]; badge = 1000 + $i } })
Invoke-DbCommand hr '{ "createIndexes": "employees", "indexes": [ { "key": { "badge": 1 }, "name": "badge_unique", "unique": true } ] }' | Out-Null

$repository = Join-Path ([System.IO.Path]::GetTempPath()) ("mongobackup-demo-" + [guid]::NewGuid().ToString('N'))
try {
    Write-Host "`n== Backup-MongoDatabase -Database shop, hr -Repository $repository"
    $snapshot = Backup-MongoDatabase -ConnectionString $ConnectionString -Repository $repository -Database shop, hr -Tag @{ purpose = 'demo' }
    $snapshot | Format-List Id, Status, ConsistentAt, PointInTimeConsistent, Databases, Collections, Documents, Source | Out-Host

    Write-Host "== Get-MongoSnapshot -Repository $repository | Format-Table"
    Get-MongoSnapshot -Repository $repository | Format-Table | Out-Host

    Write-Host "== Get-MongoSnapshot -Latest | Restore-MongoDatabase -RenameDatabase shop=shop_restored, hr=hr_restored"
    $result = Get-MongoSnapshot -Repository $repository -Latest |
        Restore-MongoDatabase -ConnectionString $ConnectionString -RenameDatabase 'shop=shop_restored', 'hr=hr_restored'
    $result | Format-Table | Out-Host
    $result.Namespaces | Format-Table | Out-Host

    Write-Host "== Comparison of the originals and the restored copies"
    $rows = foreach ($db in 'shop', 'hr') {
        $original = @(Get-CollectionFacts $db)
        $restored = @(Get-CollectionFacts "$($db)_restored")
        foreach ($o in $original) {
            $r = $restored | Where-Object Name -eq $o.Name
            [pscustomobject]@{
                Collection = "$db.$($o.Name)"
                Type       = $o.Type
                Documents  = $o.Documents
                Restored   = if ($r) { $r.Documents } else { 'missing' }
                Indexes    = if ($o.Type -eq 'view') { 'n/a' } elseif ($r -and $r.Indexes -eq $o.Indexes) { 'same' } else { 'DIFFERENT' }
                Match      = [bool] ($r -and $r.Type -eq $o.Type -and $r.Documents -eq $o.Documents -and $r.Indexes -eq $o.Indexes)
            }
        }
    }
    $rows | Format-Table -AutoSize | Out-Host
    if (-not $result.Succeeded -or @($rows | Where-Object { -not $_.Match }).Count -gt 0 -or $rows.Count -lt 6) {
        Write-Host 'The restored copies do NOT match the originals.'
        exit 1
    }
    Write-Host "All $($rows.Count) collections and views match: counts and indexes are the same."

    if (-not $snapshot.PointInTimeConsistent) {
        Write-Host "`nThe server is a standalone (no oplog): the point-in-time part needs a replica set and is skipped."
        exit 0
    }

    Write-Host "`n== Point in time: the day goes on. New orders arrive and one is paid."
    Add-Documents shop orders @(foreach ($i in 301..320) { @{ _id = $i; customerId = 1 + $i % 40; status = 'new'; total = 12.5 } })
    Invoke-DbCommand shop '{ "update": "orders", "updates": [ { "q": { "_id": 301 }, "u": { "$set": { "status": "paid" } } } ] }' | Out-Null

    Write-Host "== The scheduled job: Backup-MongoOplog -Repository $repository"
    Backup-MongoOplog -ConnectionString $ConnectionString -Repository $repository | Format-List Id, Kind, PreviousSliceEnd, OplogEnd, Entries, Gap | Out-Host

    Write-Host "== More orders, then (oops) someone drops shop.orders"
    Add-Documents shop orders @(foreach ($i in 321..330) { @{ _id = $i; customerId = 1 + $i % 40; status = 'new'; total = 20.0 } })
    $ordersBeforeDrop = @(Get-DocumentText shop orders)
    # Oplog wall times are kept to the millisecond; a second on each side keeps "just before the drop" unambiguous.
    Start-Sleep -Milliseconds 1100
    $beforeDrop = Get-Date
    Start-Sleep -Milliseconds 1100
    Invoke-DbCommand shop '{ "drop": "orders" }' | Out-Null
    Write-Host "   shop.orders dropped at about $((Get-Date).ToString('HH:mm:ss')); it held $($ordersBeforeDrop.Count) orders."

    Write-Host "== Business goes on after the drop: new customers sign up"
    Add-Documents shop customers @(foreach ($i in 41..45) { @{ _id = $i; name = "Customer $i"; email = "customer$i@example.com"; city = 'Lyon' } })

    Write-Host "== The next scheduled slice"
    Backup-MongoOplog -ConnectionString $ConnectionString -Repository $repository | Format-List Id, Kind, PreviousSliceEnd, OplogEnd, Entries, Gap | Out-Host

    Write-Host "== Get-MongoRestoreWindow -Repository $repository"
    Get-MongoRestoreWindow -Repository $repository | Format-Table | Out-Host

    Write-Host "== Restore-MongoPointInTime -PointInTime $($beforeDrop.ToString('yyyy-MM-dd HH:mm:ss.fff')) (local, just before the drop) -RenameDatabase shop=shop_pitr"
    $pitr = Restore-MongoPointInTime -ConnectionString $ConnectionString -Repository $repository -PointInTime $beforeDrop -Database shop -RenameDatabase 'shop=shop_pitr'
    $pitr | Format-List | Out-Host

    Write-Host "== Proof"
    $recovered = @(Get-DocumentText shop_pitr orders)
    $originalGone = -not (@(Get-CollectionFacts shop).Name -contains 'orders')
    $customers = (@(Get-CollectionFacts shop_pitr) | Where-Object Name -eq 'customers').Documents
    $identical = $recovered.Count -eq $ordersBeforeDrop.Count -and
        @(Compare-Object $recovered $ordersBeforeDrop -SyncWindow 0).Count -eq 0
    $proof = @(
        [pscustomobject]@{ Check = 'shop.orders is gone on the live server (the accident happened)'; Expected = 'gone'; Actual = $(if ($originalGone) { 'gone' } else { 'present' }); Ok = $originalGone }
        [pscustomobject]@{ Check = 'shop_pitr.orders holds every order written before the drop'; Expected = $ordersBeforeDrop.Count; Actual = $recovered.Count; Ok = $identical }
        [pscustomobject]@{ Check = 'shop_pitr.customers stops at the moment (no later sign-ups)'; Expected = 40; Actual = $customers; Ok = $customers -eq 40 }
    )
    $proof | Format-Table -AutoSize | Out-Host
    if (-not $pitr.Succeeded -or @($proof | Where-Object { -not $_.Ok }).Count -gt 0) {
        Write-Host 'The point-in-time restore did NOT bring back the data as it was before the drop.'
        exit 1
    }
    Write-Host "The dropped collection is back: all $($recovered.Count) orders, document for document, as they were at $($beforeDrop.ToString('HH:mm:ss.fff'))."
}
finally {
    if (Test-Path $repository) { Remove-Item $repository -Recurse -Force }
}
exit 0
