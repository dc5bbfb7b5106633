using System.Globalization;
using System.Security.Cryptography;

namespace MongoBackup.Engine.Repository;

/// <summary>Snapshot ids that sort by start time as plain text: "20261124T221500Z-full-3f9a".</summary>
public static class SnapshotIds
{
    public static string NewId(DateTimeOffset start, string kind)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        var utc = start.ToUniversalTime().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        // A random suffix keeps two runs started in the same second apart.
        var suffix = Convert.ToHexString(RandomNumberGenerator.GetBytes(2)).ToLowerInvariant();
        return $"{utc}-{kind.ToLowerInvariant()}-{suffix}";
    }
}
