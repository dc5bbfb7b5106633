using System.Management.Automation;

namespace MongoBackup.PowerShell;

/// <summary>
/// Lets a string -Repository parameter take a New-MongoRepository object too: the object is remembered (with its
/// sign-in) and bound as its location, so every cmdlet resolves both the same way through <see cref="RepositoryResolver"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class RepositoryArgumentAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is MongoRepository repository)
        {
            RepositoryResolver.Remember(repository);
            return repository.Location;
        }
        return inputData;
    }
}
