# Loaded by MongoBackup.psd1 as a nested module, before PowerShell imports the cmdlet assembly: the cmdlets name
# engine types, and the engine (with MongoDB.Driver, Azure, AWS...) lives in bin/deps inside its own load context.
# PowerShell reflects over the cmdlets before any code of the module runs, so the way to the engine is opened here first.
# Plain .NET calls, no cmdlets: Add-Type and Join-Path would auto-load Microsoft.PowerShell.Utility and .Management
# (their manifests, assemblies and command tables), about 0.07 s of CPU on every import for two one-line calls.
# Assembly.LoadFrom is what Add-Type -Path and Import-Module use, so the cmdlet assembly is loaded once, from here.
$null = [System.Reflection.Assembly]::LoadFrom([System.IO.Path]::Combine($PSScriptRoot, 'MongoBackup.PowerShell.dll'))
[MongoBackup.PowerShell.Loading.EngineAssemblyResolver]::Register()
