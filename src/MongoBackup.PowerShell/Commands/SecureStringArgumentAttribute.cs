using System.Collections;
using System.Management.Automation;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// On every SecureString parameter: a plain string is refused with how to give a secret, instead of PowerShell's
/// generic "Cannot convert the value of type System.String to type System.Security.SecureString". PowerShell puts
/// the parameter's name in front of the message ("Cannot process argument transformation on parameter 'EncryptionKey'").
/// The string itself is never shown: it is the secret.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class SecureStringArgumentAttribute : ArgumentTransformationAttribute
{
    /// <summary>The hint, also for a test to find.</summary>
    public const string Hint =
        "A plain string is not taken for a secret, since it would stay in your script and the PowerShell history: give a SecureString, " +
        "such as (Read-Host -AsSecureString), a SecretManagement vault's Get-Secret, or ConvertTo-SecureString of an encrypted standard string " +
        "(ConvertFrom-SecureString's output).";

    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        var plain = value is string || value is IEnumerable many and not string
            && many.Cast<object?>().Any(v => (v is PSObject p ? p.BaseObject : v) is string);
        if (plain) throw new ArgumentTransformationMetadataException(Hint);
        return inputData;
    }
}
