using System.Text;
using MongoBackup.Engine.Model;

namespace MongoBackup.Engine.Housekeeping;

/// <summary>
/// The scratch database a test restore (<see cref="ScratchRestoreCheck"/>) sends each of a snapshot's databases to:
/// "&lt;database&gt;__verify_&lt;random&gt;", a name the restore's rename takes whatever the source's name is. A source keeps
/// whatever name its server gave it, and the scratch name is ours to choose, so it is made to fit: within MongoDB's
/// 64-byte bound in UTF-8 bytes (NamespaceString::validDBName counts bytes, not characters: 28 'é' are 56 bytes) and
/// the 255-byte bound of the namespaces it will hold (a time-series collection's system.buckets.NAME counted), cut at
/// a character, never inside one; what only a new name is refused for (<see cref="NamespaceNames.NewDatabaseProblem"/>:
/// a Windows-only character such as ':', a leading '&gt;' or '=') replaced by '_'; and distinct for every source
/// database, also when two long names share their first bytes (two sources onto one scratch database would be refused).
/// </summary>
internal static class ScratchDatabaseNames
{
    /// <summary>Each database of <paramref name="namespaces"/> and its scratch name, which ends with <paramref name="suffix"/>.</summary>
    public static Dictionary<string, string> For(IEnumerable<ManifestNamespace> namespaces, string suffix)
    {
        var databases = namespaces.GroupBy(n => n.Database, StringComparer.Ordinal)
            .Select(g => (Database: g.Key, LongestCollection: g.Max(n => Encoding.UTF8.GetByteCount(DataCollection(n)))))
            .OrderBy(d => d.Database, StringComparer.Ordinal);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (database, longestCollection) in databases)
        {
            // Room for the name before the suffix: under the database bound, and leaving its longest namespace within 255 bytes.
            var room = Math.Min(NamespaceNames.DatabaseBytesLimit - 1, NamespaceNames.NamespaceBytesMax - 1 - longestCollection)
                - Encoding.UTF8.GetByteCount(suffix);
            var stem = Portable(database);
            var name = Cut(stem, room) + suffix;
            // Another database's scratch name already: a counter after the stem tells them apart (MongoDB also refuses two names differing only in case).
            for (var n = 2; !taken.Add(name.ToUpperInvariant()); n++)
                name = Cut(stem, room - n.ToString(System.Globalization.CultureInfo.InvariantCulture).Length) + n + suffix;
            names[database] = name;
        }
        return names;
    }

    /// <summary>The collection a namespace's documents are restored into: a time-series collection's buckets collection.</summary>
    private static string DataCollection(ManifestNamespace ns) => CollectionKinds.FromTypeName(ns.Type).DataCollection(ns.Collection);

    /// <summary>The name with each character a new database name may not hold replaced by '_'.</summary>
    private static string Portable(string database)
    {
        var kept = new StringBuilder(database.Length);
        foreach (var rune in database.EnumerateRunes())
            kept.Append(NamespaceNames.NewDatabaseProblem(rune.ToString()) is null ? rune.ToString() : "_");
        return kept.ToString();
    }

    /// <summary>The longest start of <paramref name="stem"/> within <paramref name="bytes"/> UTF-8 bytes, cut between characters.</summary>
    private static string Cut(string stem, int bytes)
    {
        var kept = new StringBuilder();
        var used = 0;
        foreach (var rune in stem.EnumerateRunes())
        {
            used += rune.Utf8SequenceLength;
            if (used > bytes) break;
            kept.Append(rune.ToString());
        }
        return kept.ToString();
    }
}
