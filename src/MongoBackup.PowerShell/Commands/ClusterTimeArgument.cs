using System.Globalization;
using System.Text.RegularExpressions;
using MongoBackup.Engine.Model;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// Reads -ClusterTime: an oplog timestamp written as "seconds,increment" or as the shell and this module print it,
/// "Timestamp(seconds, increment)" (so a FromTimestamp/ToTimestamp of Get-MongoRestoreWindow can be pasted back).
/// </summary>
public static partial class ClusterTimeArgument
{
    [GeneratedRegex(@"^\s*(?:(?:Timestamp)?\(\s*(?<s>\d+)\s*,\s*(?<i>\d+)\s*\)|(?<s>\d+)\s*,\s*(?<i>\d+))\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex Shape();

    public static OplogTimestamp Parse(string text)
    {
        var match = Shape().Match(text ?? "");
        if (match.Success
            && uint.TryParse(match.Groups["s"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            && uint.TryParse(match.Groups["i"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var increment))
            return new OplogTimestamp(seconds, increment);
        throw new MongoBackupException(ErrorIds.InvalidArgument,
            $"-ClusterTime '{text}' is not an oplog timestamp: write it as 'seconds,increment' (for example '1764000000,3') or 'Timestamp(1764000000, 3)', each a whole number up to {uint.MaxValue}.",
            target: text);
    }
}
