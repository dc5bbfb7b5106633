using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace MongoBackup.Engine.Repository;

/// <summary>Snapshot ids that sort by start time as plain text: "20261124T221500Z-full-3f9a".</summary>
public static partial class SnapshotIds
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

    /// <summary>
    /// Whether <paramref name="name"/> is an id a backup gives (<see cref="NewId"/>'s form: "20261124T221500Z-full-3f9a", a real
    /// UTC second, the kind full or oplog, four lower-case hex digits). A repository's folder without a manifest is one of its
    /// snapshots (an unfinished backup) only when so named, or when it holds the marker a reservation writes first
    /// (<see cref="SnapshotFolderMarker"/>); any other folder (an export, a copy kept beside the snapshots) is not listed.
    /// </summary>
    public static bool IsGiven(string? name) => name is not null && GivenIdForm().IsMatch(name) && StartOf(name) is not null;

    /// <summary>
    /// The start time an id of <see cref="NewId"/>'s form carries (to the second), or null for another name: what a snapshot
    /// without a readable manifest is listed and ordered by.
    /// </summary>
    public static DateTimeOffset? StartOf(string id) =>
        id is { Length: >= 16 } && DateTimeOffset.TryParseExact(id[..16], "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var start)
            ? start
            : null;

    /// <summary>The kind an id of <see cref="NewId"/>'s form names ("-full-", "-oplog-"), or null for another name.</summary>
    public static SnapshotKind? KindOf(string id) =>
        id.Contains("-full-", StringComparison.Ordinal) ? SnapshotKind.Full
        : id.Contains("-oplog-", StringComparison.Ordinal) ? SnapshotKind.Oplog
        : null;

    // What NewId makes: "20261124T221500Z-full-3f9a".
    [GeneratedRegex(@"^\d{8}T\d{6}Z-(full|oplog)-[0-9a-f]{4}$", RegexOptions.CultureInvariant)]
    private static partial Regex GivenIdForm();
}
