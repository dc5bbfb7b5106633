namespace MongoBackup;

/// <summary>
/// Moments as the module's output objects carry them: DateTimeOffset in this machine's time zone, so each prints with
/// its offset ("2026-11-24 09:03:59 -05:00"), compares correctly with Get-Date, and, copied back into -PointInTime,
/// names the same instant.
/// </summary>
public static class LocalTime
{
    public static DateTimeOffset Of(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, TimeZoneInfo.Local);

    public static DateTimeOffset? Of(DateTimeOffset? instant) => instant is { } value ? Of(value) : null;
}
