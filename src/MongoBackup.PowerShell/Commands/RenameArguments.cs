using System.Collections;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Restore;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// Builds the engine's namespace map from -RenameDatabase (hashtables or 'old=new' strings) and
/// -NamespaceMap (a hashtable of 'db.coll' patterns), naming the argument that is wrong; and what each rename selects.
/// </summary>
public static class RenameArguments
{
    public static NamespaceMap Build(object[]? renameDatabase, Hashtable? namespaceMap)
    {
        var map = new NamespaceMap();
        foreach (var (from, to) in Pairs(renameDatabase ?? [], "-RenameDatabase"))
        {
            if (from.Contains('.') || to.Contains('.'))
                throw new MongoBackupException(ErrorIds.InvalidArgument,
                    $"-RenameDatabase '{from}={to}' names databases, which cannot contain '.'; use -NamespaceMap for collections.");
            map.AddDatabaseRename(from, to);
        }
        foreach (var (from, to) in Pairs(namespaceMap is null ? [] : [namespaceMap], "-NamespaceMap"))
            map.Add(from, to);
        return map;
    }

    /// <summary>
    /// Each rename's source as an include pattern (mongorestore's --nsInclude syntax, as the map reads it) with how the
    /// user wrote it: 'shop=shop_copy' gives "shop.*"; a -NamespaceMap key is its own pattern, its $parts$ as '*'.
    /// </summary>
    public static IReadOnlyList<(string Written, string SourcePattern)> Sources(object[]? renameDatabase, Hashtable? namespaceMap) =>
        Pairs(renameDatabase ?? [], "-RenameDatabase").Select(p => ($"-RenameDatabase '{p.From}={p.To}'", NamespacePattern.Escape(p.From) + ".*"))
            .Concat(Pairs(namespaceMap is null ? [] : [namespaceMap], "-NamespaceMap").Select(p => ($"-NamespaceMap '{p.From}' = '{p.To}'", NamespacePattern.MatchingOf(p.From))))
            .ToList();

    private static IEnumerable<(string From, string To)> Pairs(object[] values, string parameter)
    {
        foreach (var raw in values)
        {
            var value = raw is System.Management.Automation.PSObject ps ? ps.BaseObject : raw;
            switch (value)
            {
                case IDictionary dictionary:
                    foreach (DictionaryEntry entry in dictionary)
                        yield return Checked(entry.Key?.ToString(), entry.Value?.ToString(), parameter);
                    break;
                case string text when text.Split('=') is [var from, var to]:
                    yield return Checked(from.Trim(), to.Trim(), parameter);
                    break;
                default:
                    throw new MongoBackupException(ErrorIds.InvalidArgument,
                        $"{parameter} takes a hashtable (@{{ old = 'new' }}) or 'old=new' strings; '{value}' is neither.");
            }
        }
    }

    private static (string, string) Checked(string? from, string? to, string parameter) =>
        string.IsNullOrWhiteSpace(from) || string.IsNullOrWhiteSpace(to)
            ? throw new MongoBackupException(ErrorIds.InvalidArgument, $"{parameter} has an empty name in '{from}={to}'.")
            : (from, to);
}
