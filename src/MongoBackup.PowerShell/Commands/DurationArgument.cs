using System.Globalization;
using System.Management.Automation;
using System.Text.RegularExpressions;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// Lets a TimeSpan parameter take a duration as people write it: '1d', '12h', '30m', '45s', '2w', combinations such
/// as '1h30m', or a TimeSpan ('1.00:00:00', '12:00:00', a [TimeSpan]); unquoted 1d and 30s too. A bare number is
/// refused, because PowerShell would read 24 as 24 ticks and '24' as 24 days; so is anything shorter than <see cref="Minimum"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed partial class DurationArgumentAttribute : ArgumentTransformationAttribute
{
    /// <summary>The shortest duration accepted, as a TimeSpan string ("00:01:00"); none when empty.</summary>
    public string Minimum { get; set; } = "";

    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is null) return null;
        var duration = Parse(value);
        if (Minimum.Length > 0 && duration < TimeSpan.Parse(Minimum, CultureInfo.InvariantCulture))
            throw new ArgumentTransformationMetadataException(
                $"'{value}' is {Describe(duration)}; the shortest allowed is {Describe(TimeSpan.Parse(Minimum, CultureInfo.InvariantCulture))}.");
        return duration;
    }

    /// <summary>The duration a value names, or an error that says how to write one.</summary>
    public static TimeSpan Parse(object value) => value switch
    {
        TimeSpan span => span,
        // PowerShell reads an unquoted 1d as the decimal 1 and 30s as the short 30 (number-literal type suffixes); the
        // only way those types reach a duration parameter is the DBA typing a unit, so they mean days and seconds.
        decimal days => TimeSpan.FromDays((double)days),
        short seconds => TimeSpan.FromSeconds(seconds),
        string text when Units().Match(text) is { Success: true } match => FromUnits(match),
        string text when !Digits().IsMatch(text)
            && TimeSpan.TryParse(text.Trim(), CultureInfo.InvariantCulture, out var span) => span,
        string or sbyte or byte or ushort or int or uint or long or ulong or float or double =>
            throw new ArgumentTransformationMetadataException(Digits().IsMatch(value.ToString() ?? "")
                ? $"'{value}' has no unit: write it as '{value}h', '{value}m' or '{value}d', or as a TimeSpan such as '1.00:00:00' (1 day)."
                : $"'{value}' is not a duration: write '1d', '12h', '30m', '1h30m', or a TimeSpan such as '1.00:00:00' (1 day) or '00:30:00'."),
        _ => throw new ArgumentTransformationMetadataException(
            $"A {value.GetType().Name} is not a duration: write '1d', '12h', '30m', or a TimeSpan such as '1.00:00:00'."),
    };

    /// <summary>A duration in the largest units that show it exactly, e.g. "1 day", "1h30m", "45 seconds".</summary>
    public static string Describe(TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero) return duration == TimeSpan.Zero ? "zero" : duration.ToString();
        if (duration.TotalDays >= 1 && duration.Ticks % TimeSpan.TicksPerDay == 0) return Plural(duration.TotalDays, "day");
        if (duration.Ticks % TimeSpan.TicksPerHour == 0) return Plural(duration.TotalHours, "hour");
        if (duration.Ticks % TimeSpan.TicksPerMinute == 0) return Plural(duration.TotalMinutes, "minute");
        if (duration.Ticks % TimeSpan.TicksPerSecond == 0) return Plural(duration.TotalSeconds, "second");
        return duration.ToString("c", CultureInfo.InvariantCulture);
    }

    private static string Plural(double count, string unit) =>
        string.Create(CultureInfo.InvariantCulture, $"{count:0} {unit}{(count == 1 ? "" : "s")}");

    private static TimeSpan FromUnits(Match match)
    {
        var total = TimeSpan.Zero;
        foreach (Capture part in match.Groups["part"].Captures)
        {
            var unitAt = part.Value.IndexOfAny(['w', 'd', 'h', 'm', 's', 'W', 'D', 'H', 'M', 'S']);
            var amount = double.Parse(part.Value[..unitAt], CultureInfo.InvariantCulture);
            total += char.ToLowerInvariant(part.Value[unitAt]) switch
            {
                'w' => TimeSpan.FromDays(7 * amount),
                'd' => TimeSpan.FromDays(amount),
                'h' => TimeSpan.FromHours(amount),
                'm' => TimeSpan.FromMinutes(amount),
                _ => TimeSpan.FromSeconds(amount),
            };
        }
        return total;
    }

    // '1d', '12h', '1h30m', '1.5h', '2w': amounts with a unit, largest first or not, no spaces inside.
    [GeneratedRegex(@"^\s*(?<part>\d+(?:\.\d+)?[wdhms])+\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex Units();

    [GeneratedRegex(@"^\s*-?\d+(?:\.\d+)?\s*$")]
    private static partial Regex Digits();
}
