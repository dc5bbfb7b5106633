using System.Management.Automation;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// -Id values as every snapshot cmdlet reads them: an exact id stands for itself (whether it exists is the command's
/// to say), a wildcard pattern for every snapshot folder of the repository it matches, complete or not, oldest first.
/// A pattern that matches nothing is a SnapshotNotFound error naming it.
/// </summary>
public static class SnapshotIdPatterns
{
    public static IReadOnlyList<string> Expand(ISnapshotRepository repository, IEnumerable<string> ids,
        Func<Func<CancellationToken, Task<List<string>>>, List<string>> await)
    {
        var result = new List<string>();
        List<string>? all = null;
        foreach (var id in ids)
        {
            if (!WildcardPattern.ContainsWildcardCharacters(id))
            {
                result.Add(id);
                continue;
            }
            all ??= await(ct => ListIdsAsync(repository, ct));
            var pattern = new WildcardPattern(id, WildcardOptions.IgnoreCase);
            var matched = all.Where(pattern.IsMatch).ToList();
            if (matched.Count == 0)
                throw new MongoBackupException(ErrorIds.SnapshotNotFound,
                    $"No snapshot in '{repository.Location}' matches '{id}'.", target: id);
            result.AddRange(matched);
        }
        return result.Distinct(StringComparer.Ordinal).ToList();
    }

    private static async Task<List<string>> ListIdsAsync(ISnapshotRepository repository, CancellationToken ct)
    {
        var ids = new List<string>();
        await foreach (var found in repository.ListAsync(ct).ConfigureAwait(false)) ids.Add(found.SnapshotId);
        return ids.Order(StringComparer.Ordinal).ToList();
    }
}
