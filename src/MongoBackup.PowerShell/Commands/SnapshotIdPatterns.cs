using System.Management.Automation;
using MongoBackup.Engine.Model;
using MongoBackup.Engine.Repository;

namespace MongoBackup.PowerShell.Commands;

/// <summary>
/// -Id values as every snapshot cmdlet reads them: an exact id stands for itself (whether it exists is the command's
/// to say), a wildcard pattern for every snapshot folder of the repository it matches, complete or not, newest first:
/// the order Get-MongoSnapshot lists them in, so Test-MongoSnapshot -Id '*-full-*' works (and reports) in the order of
/// Get-MongoSnapshot -Id '*-full-*' | Test-MongoSnapshot, and the newest snapshot, the one a restore would use, comes first.
/// A pattern that matches nothing is a SnapshotNotFound error naming it.
/// </summary>
public static class SnapshotIdPatterns
{
    /// <param name="catalog">The command's catalog of the repository: listed only for a pattern, and then once.</param>
    public static IReadOnlyList<string> Expand(SnapshotCatalog catalog, IEnumerable<string> ids,
        Func<Func<CancellationToken, Task<List<string>>>, List<string>> await)
    {
        var repository = catalog.Repository;
        var result = new List<string>();
        List<string>? all = null;
        foreach (var id in ids)
        {
            if (!WildcardPattern.ContainsWildcardCharacters(id))
            {
                result.Add(id);
                continue;
            }
            all ??= await(ct => ListIdsAsync(catalog, ct));
            var pattern = new WildcardPattern(id, WildcardOptions.IgnoreCase);
            var matched = all.Where(pattern.IsMatch).ToList();
            if (matched.Count == 0)
                throw new MongoBackupException(ErrorIds.SnapshotNotFound,
                    $"No snapshot in '{repository.Location}' matches '{id}'.", target: id);
            result.AddRange(matched);
        }
        return result.Distinct(StringComparer.Ordinal).ToList();
    }

    private static async Task<List<string>> ListIdsAsync(SnapshotCatalog catalog, CancellationToken ct) =>

        // As Get-MongoSnapshot orders them: by start time, then by id (those without a manifest last), so two snapshots
        // started in the same second come in the listed order too.
        (await catalog.FoundAsync(ct).ConfigureAwait(false))
            .OrderByDescending(f => f.Manifest?.StartTime ?? DateTimeOffset.MinValue)
            .ThenByDescending(f => f.SnapshotId, StringComparer.Ordinal)
            .Select(f => f.SnapshotId).ToList();
}
