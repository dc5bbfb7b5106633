using System.Collections;
using System.Collections.ObjectModel;

namespace MongoBackup;

/// <summary>
/// A list property of an output object. It enumerates, indexes and counts like an array in the pipeline, and prints as
/// its items joined by ", " where PowerShell turns a value into text (Export-Csv, ConvertTo-Csv, Format-Table), instead
/// of "System.String[]".
/// </summary>
public sealed class OutputList<T> : ReadOnlyCollection<T>
{
    public OutputList(IEnumerable<T> items) : base(items.ToList()) { }

    public static OutputList<T> Empty { get; } = new([]);

    public override string ToString() => string.Join(", ", this);
}

/// <summary>Builds <see cref="OutputList{T}"/>s.</summary>
public static class OutputList
{
    public static OutputList<T> Of<T>(IEnumerable<T> items) => new(items);
}

/// <summary>Snapshot tags: a case-insensitive hashtable that prints as "name=value; name=value" (Export-Csv included).</summary>
public sealed class TagTable : Hashtable
{
    public TagTable() : base(StringComparer.OrdinalIgnoreCase) { }

    public override string ToString() =>
        string.Join("; ", Keys.Cast<object>().Select(k => k.ToString()!).Order(StringComparer.OrdinalIgnoreCase).Select(k => $"{k}={this[k]}"));
}
