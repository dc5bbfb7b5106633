using System.Management.Automation;

namespace MongoBackup.PowerShell.Completion;

/// <summary>
/// Turns candidate names into completion results: those starting with what was typed, quoted when they need it. A '*' or
/// '?' typed is a wildcard, as the parameters that take patterns read it ('2026*oplog' completes every oplog slice of
/// 2026); any other character, '[' and ']' too, stands for itself.
/// </summary>
internal static class CompletionMatches
{
    public static IEnumerable<CompletionResult> Of(IEnumerable<(string Name, string ToolTip)> candidates, string wordToComplete)
    {
        var typed = wordToComplete.Trim('\'', '"');
        var pattern = new WildcardPattern(WildcardPattern.Escape(typed).Replace("`*", "*").Replace("`?", "?") + "*", WildcardOptions.IgnoreCase);
        return candidates
            .Where(c => pattern.IsMatch(c.Name))
            .Select(c => new CompletionResult(Quote(c.Name), c.Name, CompletionResultType.ParameterValue, c.ToolTip));
    }

    public static IEnumerable<CompletionResult> Of(IEnumerable<string> names, string wordToComplete) =>
        Of(names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(n => (n, n)), wordToComplete);

    // Names with spaces, quotes or PowerShell's special characters must stay one argument.
    private static string Quote(string name) =>
        name.Length > 0 && name.All(c => char.IsLetterOrDigit(c) || c is '_' or '-' or '.' or ':' or '/' or '\\' or '=')
            ? name
            : $"'{name.Replace("'", "''")}'";
}
