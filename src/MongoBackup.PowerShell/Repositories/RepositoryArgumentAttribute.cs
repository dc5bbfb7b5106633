using System.Management.Automation;

namespace MongoBackup.PowerShell;

/// <summary>
/// Lets a string -Repository parameter take a New-MongoRepository object and a folder (DirectoryInfo) too: the object is remembered (with its
/// sign-in) and bound as its location, so every cmdlet resolves both the same way through <see cref="RepositoryResolver"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class RepositoryArgumentAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        switch (value)
        {
            case MongoRepository repository:
                RepositoryResolver.Remember(repository);
                return repository.Location;
            case FileSystemInfo folder:
                return folder.FullName; // Get-ChildItem -Directory | Get-MongoSnapshot
            default:
                return inputData;
        }
    }
}
