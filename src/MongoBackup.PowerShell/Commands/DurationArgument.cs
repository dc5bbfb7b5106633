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
        var minimum = Minimum.Length > 0 ? TimeSpan.Parse(Minimum, CultureInfo.InvariantCulture) : TimeSpan.Zero;
        var duration = Parse(value, minimum);
        if (Minimum.Length > 0 && duration < minimum) // none set: the cmdlet judges the value itself (e.g. -ReconnectTimeout above zero)
            throw new ArgumentTransformationMetadataException(
                $"'{value}' is {Describe(duration)}; the shortest allowed is {Describe(minimum)}.");
        return duration;
    }

    /// <summary>The duration a value names, or an error that says how to write one (in every unit the parser takes).</summary>
    public static TimeSpan Parse(object value) => Parse(value, TimeSpan.Zero);

    /// <summary>
    /// The duration a value names, or an error that says how to write one; the forms it suggests are those at least
    /// <paramref name="minimum"/> long, so a parameter that refuses seconds is not told to take '5s'.
    /// </summary>
    public static TimeSpan Parse(object value, TimeSpan minimum) => value switch
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
                ? $"'{value}' has no unit: write it as {WithUnits(value.ToString()!.Trim(), minimum)}, or as a TimeSpan such as '1.00:00:00' (1 day)."
                : $"'{value}' is not a duration: write {Examples(minimum)}, or a TimeSpan such as '1.00:00:00' (1 day) or '00:30:00'."),
        _ => throw new ArgumentTransformationMetadataException(
            $"A {value.GetType().Name} is not a duration: write {Examples(minimum)}, or a TimeSpan such as '1.00:00:00'."),
    };

    // Every unit FromUnits takes, in the order a suggestion lists them: the likeliest meanings of a bare number first.
    private static readonly (char Unit, TimeSpan One)[] SuggestedUnits =
        [('h', TimeSpan.FromHours(1)), ('m', TimeSpan.FromMinutes(1)), ('s', TimeSpan.FromSeconds(1)),
         ('d', TimeSpan.FromDays(1)), ('w', TimeSpan.FromDays(7))];

    // '5h', '5m', '5s', '5d' or '5w': the number typed in each unit it may take, those under the minimum left out.
    private static string WithUnits(string amount, TimeSpan minimum)
    {
        var number = double.Parse(amount, CultureInfo.InvariantCulture);
        var forms = SuggestedUnits.Where(u => number * u.One.Ticks >= minimum.Ticks).Select(u => $"'{amount}{u.Unit}'").ToList();
        if (forms.Count == 0) return minimum > TimeSpan.Zero ? $"a duration of at least {Describe(minimum)}" : "a positive amount with a unit, such as '1h'";
        return forms.Count == 1 ? forms[0] : string.Join(", ", forms.Take(forms.Count - 1)) + " or " + forms[^1];
    }

    // Example durations in every unit, those under the minimum left out.
    private static string Examples(TimeSpan minimum) => string.Join(", ",
        new[] { ("'1d'", TimeSpan.FromDays(1)), ("'12h'", TimeSpan.FromHours(12)), ("'30m'", TimeSpan.FromMinutes(30)),
                ("'45s'", TimeSpan.FromSeconds(45)), ("'1h30m'", TimeSpan.FromMinutes(90)), ("'2w'", TimeSpan.FromDays(14)) }
            .Where(e => e.Item2 >= minimum).Select(e => e.Item1));

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
