using System.Globalization;

namespace MongoBackup;

/// <summary>Durations as the table and list views show them: "42 ms", "4.2 s", "12:34", "1:02:03", "3.04:05:06" (days first).</summary>
public static class TimeText
{
    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero) span = span.Duration();
        if (span < TimeSpan.FromSeconds(1)) return string.Create(CultureInfo.InvariantCulture, $"{span.TotalMilliseconds:0} ms");
        if (span < TimeSpan.FromMinutes(1)) return string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.0} s");
        if (span < TimeSpan.FromHours(1)) return span.ToString(@"m\:ss", CultureInfo.InvariantCulture);
        if (span < TimeSpan.FromDays(1)) return span.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture);
        return span.ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture);
    }
}
