namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// The filters a command was given, each as the user wrote it ("-Database 'salez'") with what it keeps, and which of
/// them alone match nothing. Get-MongoSnapshot (over snapshots) and Restore-MongoDatabase (over a source's namespaces)
/// share it, so a mistyped filter is named the same way wherever it is met, with the names there are.
/// </summary>
/// <typeparam name="T">What the filters choose among.</typeparam>
internal sealed class FilterCriteria<T>
{
    private readonly List<(string Given, Func<T, bool> Matches)> _criteria = [];

    /// <summary>How many filters were given.</summary>
    public int Count => _criteria.Count;

    /// <summary>Each filter as the user wrote it, in the order given.</summary>
    public IEnumerable<string> Given => _criteria.Select(c => c.Given);

    /// <summary>Adds a filter: <paramref name="given"/> as the user wrote it, <paramref name="matches"/> whether it keeps a candidate.</summary>
    public FilterCriteria<T> Add(string given, Func<T, bool> matches)
    {
        _criteria.Add((given, matches));
        return this;
    }

    /// <summary>Whether every filter keeps <paramref name="candidate"/>.</summary>
    public bool All(T candidate) => _criteria.All(c => c.Matches(candidate));

    /// <summary>The filters that, each on its own, keep none of <paramref name="candidates"/>: the likely typos.</summary>
    public IReadOnlyList<string> MatchingNothing(IReadOnlyCollection<T> candidates) =>
        _criteria.Where(c => !candidates.Any(c.Matches)).Select(c => c.Given).ToList();

    /// <summary>Values quoted as a message shows a parameter's: 'a', 'b'.</summary>
    public static string Quoted(IEnumerable<string> values) => string.Join(", ", values.Select(v => $"'{v}'"));

    /// <summary>The first <paramref name="shown"/> names, sorted, and how many more: enough to see the right spelling.</summary>
    public static string Some(IEnumerable<string> names, int shown = 10)
    {
        var all = names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (all.Count == 0) return "(none)";
        return string.Join(", ", all.Take(shown)) + (all.Count > shown ? $" and {all.Count - shown} more" : "");
    }
}
