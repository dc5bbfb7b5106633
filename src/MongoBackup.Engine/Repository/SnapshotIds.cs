using System.Globalization;
using System.Security.Cryptography;

namespace MongoBackup.Engine.Repository;

/// <summary>Snapshot ids that sort by start time as plain text: "20261124T221500Z-full-3f9a".</summary>
public static class SnapshotIds
{
    /// <summary>A new id: the start time in UTC to the second, the kind in lower case, and 16 random bits in hex ("20261124T221500Z-full-3f9a"). Two ids drawn in the same second may collide: <see cref="PendingSnapshot"/> reserves them, drawing another when one is taken.</summary>
    public static string NewId(DateTimeOffset start, string kind)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        var utc = start.ToUniversalTime().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        // A random suffix keeps two runs started in the same second apart.
        var suffix = Convert.ToHexString(RandomNumberGenerator.GetBytes(2)).ToLowerInvariant();
        return $"{utc}-{kind.ToLowerInvariant()}-{suffix}";
    }

    /// <summary>
    /// Whether <paramref name="id"/> can name a snapshot folder at all: not empty, no path separator, not "." or "..".
    /// Any other name is looked up (snapshots made by hand or by older versions keep their folder's name).
    /// </summary>
    public static bool CanNameSnapshot(string? id) =>
        !string.IsNullOrWhiteSpace(id) && id.IndexOfAny(['/', '\\']) < 0 && id is not ("." or "..");

    /// <summary>Refuses an id that cannot name a snapshot folder (it would reach outside the repository).</summary>
    /// <exception cref="ArgumentException">The id is empty, holds a path separator, or is "." or "..".</exception>
    public static void RequireValid(string? id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        if (!CanNameSnapshot(id)) throw new ArgumentException($"'{id}' is not a valid snapshot id.", nameof(id));
    }
}
