using System.Globalization;
using System.Management.Automation;
using MongoBackup.Engine.Events;

namespace MongoBackup.PowerShell.Pipeline;

/// <summary>
/// Turns engine progress into Write-Progress records: one overall bar per activity, and a child bar per
/// namespace under it showing documents, bytes, rate and time left.
/// </summary>
public sealed class ProgressReporter
{
    private readonly Dictionary<string, ProgressRecord> _overall = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ProgressRecord> _namespaces = new(StringComparer.Ordinal);
    private int _nextId = 1;

    public ProgressRecord Report(ProgressUpdate update) =>
        update.Namespace is null ? ReportOverall(update) : ReportNamespace(update);

    /// <summary>Closes every bar still open, so nothing lingers on the host after the command.</summary>
    public IEnumerable<ProgressRecord> CompleteAll()
    {
        foreach (var record in _namespaces.Values.Concat(_overall.Values).Where(r => r.RecordType != ProgressRecordType.Completed))
        {
            record.RecordType = ProgressRecordType.Completed;
            yield return record;
        }
    }

    private ProgressRecord ReportOverall(ProgressUpdate update)
    {
        var record = Overall(update.Activity);
        var namespaces = update.NamespacesTotal > 0 ? $"{update.NamespacesDone} of {update.NamespacesTotal} namespaces, " : "";
        record.StatusDescription = namespaces + Amounts(update);
        record.PercentComplete = update.PercentComplete ?? -1;
        record.RecordType = update.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing;
        return record;
    }

    private ProgressRecord ReportNamespace(ProgressUpdate update)
    {
        if (!_namespaces.TryGetValue(update.Namespace!, out var record))
        {
            record = new ProgressRecord(_nextId++, update.Namespace, "Starting")
            {
                ParentActivityId = Overall(update.Activity).ActivityId,
            };
            _namespaces[update.Namespace!] = record;
        }
        record.StatusDescription = Amounts(update);
        record.PercentComplete = update.PercentComplete ?? -1;
        record.SecondsRemaining = update.TimeLeft is { } left ? (int)Math.Ceiling(left.TotalSeconds) : -1;
        record.RecordType = update.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing;
        return record;
    }

    private ProgressRecord Overall(string activity)
    {
        if (!_overall.TryGetValue(activity, out var record))
        {
            record = new ProgressRecord(_nextId++, activity, "Starting");
            _overall[activity] = record;
        }
        return record;
    }

    private static string Amounts(ProgressUpdate update)
    {
        var documents = update.TotalDocuments is { } total
            ? string.Format(CultureInfo.InvariantCulture, "{0:N0} of ~{1:N0} documents", update.Documents, total)
            : string.Format(CultureInfo.InvariantCulture, "{0:N0} documents", update.Documents);
        // Raw BSON and stored (compressed, encrypted) bytes differ several times over: say which one this is.
        var unit = update.BytesAre == ProgressBytes.Stored ? " stored" : " of BSON";
        var bytes = update.Bytes > 0 ? ", " + ByteSize.Format(update.Bytes) + unit : "";
        var rate = update.DocumentsPerSecond > 0
            ? string.Format(CultureInfo.InvariantCulture, " ({0:N0} docs/s{1})", update.DocumentsPerSecond,
                update.BytesPerSecond > 0 ? ", " + ByteSize.Format((long)update.BytesPerSecond) + "/s" : "")
            : "";
        return documents + bytes + rate;
    }
}
