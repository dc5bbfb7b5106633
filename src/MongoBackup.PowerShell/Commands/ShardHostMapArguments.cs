using System.Collections;
using MongoBackup.Engine.Model;

namespace MongoBackup.PowerShell.Commands;

/// <summary>-ShardHostMap @{'old:27018'='new:27018'} as the engine's host map, refusing an empty name or address.</summary>
public static class ShardHostMapArguments
{
    public static Dictionary<string, string> ToDictionary(Hashtable? hostMap)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in hostMap ?? new Hashtable())
        {
            var (from, to) = (entry.Key?.ToString(), entry.Value?.ToString());
            if (string.IsNullOrWhiteSpace(from) || string.IsNullOrWhiteSpace(to))
                throw new MongoBackupException(ErrorIds.InvalidArgument, "-ShardHostMap maps 'host:port' as config.shards names a member to 'host:port' as this machine reaches it: an entry is empty.", target: "ShardHostMap");
            map[from] = to;
        }
        return map;
    }
}
