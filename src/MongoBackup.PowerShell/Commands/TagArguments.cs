using System.Collections;
using MongoBackup.Engine.Model;

namespace MongoBackup.PowerShell.Commands;

/// <summary>-Tag @{ name = 'value' } as the engine's tag dictionary, refusing a tag without a name.</summary>
public static class TagArguments
{
    public static Dictionary<string, string> ToDictionary(Hashtable? tags)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (tags is null) return result;
        foreach (DictionaryEntry entry in tags)
        {
            var key = entry.Key?.ToString();
            if (string.IsNullOrWhiteSpace(key))
                throw new MongoBackupException(ErrorIds.InvalidArgument, "A -Tag key is empty: every tag needs a name.");
            result[key] = entry.Value?.ToString() ?? "";
        }
        return result;
    }
}
