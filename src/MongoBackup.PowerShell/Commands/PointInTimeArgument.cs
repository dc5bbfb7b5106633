using System.Globalization;
using System.Management.Automation;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// Turns what a DBA gives -PointInTime into the instant it names. A DateTimeOffset, a UTC DateTime, or text with an
/// offset or 'Z' ('2026-11-24 09:03:59 -05:00', as the tables print moments) is exact. A local time (Get-Date, or text
/// without an offset) is read in this machine's time zone; one that the clock skips or repeats at a daylight-saving
/// change names no instant or two, and is refused with the UTC instants it could mean.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class PointInTimeArgumentAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData) =>
        (inputData is PSObject ps ? ps.BaseObject : inputData) switch
        {
            DateTimeOffset offset => offset,
            DateTime { Kind: DateTimeKind.Utc } utc => new DateTimeOffset(utc),
            DateTime local => FromLocal(local, TimeZoneInfo.Local),
            string text => FromText(text, TimeZoneInfo.Local),
            var other => other,
        };

    /// <summary>Text with an offset or 'Z' is that instant; text without one is a local time in <paramref name="zone"/>.</summary>
    public static DateTimeOffset FromText(string text, TimeZoneInfo zone)
    {
        foreach (var culture in new[] { CultureInfo.InvariantCulture, CultureInfo.CurrentCulture })
        {
            if (!DateTime.TryParse(text, culture, DateTimeStyles.RoundtripKind | DateTimeStyles.AllowWhiteSpaces, out var parsed)) continue;
            // RoundtripKind says whether the text carried an offset or 'Z' (Local, Utc) or not (Unspecified).
            if (parsed.Kind == DateTimeKind.Unspecified) return FromLocal(parsed, zone);
            return DateTimeOffset.Parse(text, culture, DateTimeStyles.AllowWhiteSpaces);
        }
        throw new ArgumentTransformationMetadataException(
            $"'{text}' is not a date and time: write it as '2026-11-24 14:05:00' (local time), '2026-11-24 14:05:00 -05:00' or '2026-11-24 19:05:00Z'.");
    }

    /// <summary>The instant a local wall-clock time names in <paramref name="zone"/>; a skipped or repeated one is refused.</summary>
    public static DateTimeOffset FromLocal(DateTime value, TimeZoneInfo zone)
    {
        var wall = DateTime.SpecifyKind(value, DateTimeKind.Unspecified);
        var shown = wall.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        if (zone.IsInvalidTime(wall))
        {
            // The hour the clocks skip: read with the offset before the change or the one after it.
            var before = zone.GetUtcOffset(wall.AddHours(-6));
            var after = zone.GetUtcOffset(wall.AddHours(6));
            throw new ArgumentTransformationMetadataException(
                $"{shown} does not exist in local time ({zone.Id}): the clocks skip it when daylight saving time starts. " +
                $"It could mean {Candidates(wall, [before, after])}. Give the instant you mean with its offset, for example '{shown} {Offset(before)}'.");
        }
        if (zone.IsAmbiguousTime(wall))
        {
            var offsets = zone.GetAmbiguousTimeOffsets(wall).OrderByDescending(o => o).ToArray();
            throw new ArgumentTransformationMetadataException(
                $"{shown} happens twice in local time ({zone.Id}): the clocks repeat that hour when daylight saving time ends. " +
                $"It could mean {Candidates(wall, offsets)}. Give the instant you mean with its offset, for example '{shown} {Offset(offsets[0])}'.");
        }
        return new DateTimeOffset(wall, zone.GetUtcOffset(wall));
    }

    /// <summary>How a resolved moment is echoed back: local wall time with its offset, the zone, and the UTC instant.</summary>
    public static string Describe(DateTimeOffset instant)
    {
        var local = LocalTime.Of(instant);
        return string.Create(CultureInfo.InvariantCulture,
            $"{local:yyyy-MM-dd HH:mm:ss.fff zzz} ({TimeZoneInfo.Local.Id}), which is {instant.UtcDateTime:yyyy-MM-dd HH:mm:ss.fff}Z");
    }

    private static string Candidates(DateTime wall, IEnumerable<TimeSpan> offsets) => string.Join(" or ", offsets.Select(offset =>
        string.Create(CultureInfo.InvariantCulture, $"{(wall - offset):yyyy-MM-dd HH:mm:ss}Z (at {Offset(offset)})")));

    private static string Offset(TimeSpan offset) =>
        (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString(@"hh\:mm", CultureInfo.InvariantCulture);
}
