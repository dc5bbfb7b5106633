Describe 'MongoBackup module' {
    It 'imports from the staged build' {
        Import-Module $env:MONGOBACKUP_MODULE -Force
        (Get-Module MongoBackup).Name | Should -Be 'MongoBackup'
    }
}
