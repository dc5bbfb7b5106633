# Loaded by MongoBackup.psd1 as a nested module, before PowerShell imports the cmdlet assembly: the cmdlets name
# engine types, and the engine (with MongoDB.Driver, Azure, AWS...) lives in bin/deps inside its own load context.
# PowerShell reflects over the cmdlets before any code of the module runs, so the way to the engine is opened here first.
Add-Type -Path (Join-Path $PSScriptRoot 'MongoBackup.PowerShell.dll')
[MongoBackup.PowerShell.Loading.EngineAssemblyResolver]::Register()
