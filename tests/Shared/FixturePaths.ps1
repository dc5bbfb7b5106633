# Where the compatibility fixtures written by MongoDB's own tools are, for PowerShell (the build's test task and the
# Pester tests), the same place tests/Shared/FixturePaths.cs finds for the xunit tests: the mongo-tools folder under
# $env:MONGOBACKUP_FIXTURES when set, otherwise under ../shared/fixtures beside the repository.

function Get-MongoToolsFixturePath {
    # The mongo-tools fixture folder, whether or not it exists.
    $repository = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
    $root = if ($env:MONGOBACKUP_FIXTURES) { $env:MONGOBACKUP_FIXTURES } else { Join-Path $repository '../shared/fixtures' }
    return [System.IO.Path]::GetFullPath((Join-Path $root 'mongo-tools'))
}

function Assert-MongoToolsFixtures {
    # Stops with one message naming where the fixtures were looked for, instead of every test that reads one failing.
    $path = Get-MongoToolsFixturePath
    if (-not (Test-Path -LiteralPath $path -PathType Container)) {
        throw ("The mongo-tools fixtures were not found at '$path': the tests read the dumps, archives and oplogs MongoDB's " +
            "own tools wrote from there. Put the shared folder beside the repository (../shared/fixtures/mongo-tools), or " +
            "set MONGOBACKUP_FIXTURES to the folder that holds mongo-tools.")
    }
    return $path
}
