using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;
using MongoBackup.Engine.Repository;

namespace MongoBackup.PowerShell.Completion;

/// <summary>
/// Completes -PointInTime with the ends of the restore windows of the repository bound to -Repository: each window's To
/// then From, newest window first, in local time with its offset to the millisecond ('yyyy-MM-dd HH:mm:ss.fff zzz', as
/// Get-MongoRestoreWindow's list view shows them and -PointInTime reads them back as the same instant), the window as
/// tooltip. It is a moment, never a file name (as -ClusterTime completes the consistency points).
/// </summary>
public sealed class PointInTimeCompleter : IArgumentCompleter
{
    /// <summary>The form of a completed moment: the one the views show for restore boundaries.</summary>
    public const string Format = "yyyy-MM-dd HH:mm:ss.fff zzz";

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var windows = RestoreWindows.Compute(BoundRepository.Manifests(fakeBoundParameters).Manifests);
        var candidates = windows.Reverse()
            .SelectMany(w => new[] { (Moment: w.ToWallTime, End: "end"), (Moment: w.FromWallTime, End: "start") }
                .Select(e => (Text(e.Moment), $"{e.End} of the window {Text(w.FromWallTime)} to {Text(w.ToWallTime)} (full snapshot {w.BaseSnapshot.Id}, {w.Slices.Count} slice(s))")))
            .DistinctBy(c => c.Item1);
        return CompletionMatches.Of(candidates, wordToComplete).ToList();
    }

    private static string Text(DateTimeOffset moment) => LocalTime.Of(moment).ToString(Format, CultureInfo.InvariantCulture);
}

/// <summary>
/// Completes -RenameDatabase with the databases of the backup source (as -Database completes them), each in the
/// 'name=' form the parameter takes, so only the new name is left to type.
/// </summary>
public sealed class RenameDatabaseCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var databases = SourceNamespaces.Find(new BoundArguments(fakeBoundParameters), commandAst).Select(n => n.Database)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return CompletionMatches.Of(databases.Select(d => (d + "=", $"rename {d}: type the new name after the =")), wordToComplete).ToList();
    }
}
