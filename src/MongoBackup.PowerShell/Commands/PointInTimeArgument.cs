using System.Management.Automation;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// Lets -PointInTime take a DateTimeOffset as well as a DateTime: the offset value becomes the same instant in UTC,
/// which PowerShell's own conversion (through text, in the current culture) would not reliably give.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class PointInTimeArgumentAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData) =>
        (inputData is PSObject ps ? ps.BaseObject : inputData) switch
        {
            DateTimeOffset offset => offset.UtcDateTime,
            var other => other,
        };

    /// <summary>
    /// The instant a DateTime names: UTC when its Kind says so; otherwise local time, as PowerShell users type
    /// Get-Date or '2026-11-24 14:05'.
    /// </summary>
    public static DateTimeOffset ToInstant(DateTime value) => value.Kind == DateTimeKind.Utc
        ? new DateTimeOffset(value)
        : new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Local));
}
