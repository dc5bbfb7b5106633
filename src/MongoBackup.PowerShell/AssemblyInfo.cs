namespace MongoBackup.PowerShell;
