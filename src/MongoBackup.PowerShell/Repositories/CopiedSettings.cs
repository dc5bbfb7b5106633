using MongoBackup.Engine.Repository;

namespace MongoBackup.PowerShell;

/// <summary>
/// A copy's repository settings (Set-MongoRepository's rules): Copy-MongoSnapshot starting a new repository gives it
/// its source's settings, so an offsite copy of a repository that requires encryption requires it too; into a repository
/// that already holds snapshots it changes nothing, and says when the two repositories' rules differ.
/// </summary>
public static class CopiedSettings
{
    /// <summary>The rules in words: "requires encryption under key 1a2b..." or "has no rules (any snapshot, encrypted or not)".</summary>
    public static string Describe(RepositorySettings? settings)
    {
        if (settings is null || settings == new RepositorySettings()) return "has no rules (any snapshot, encrypted or not)";
        var key = settings.KeyId is { } id ? $" under key {id}{(settings.KdfSalt is null ? "" : " (a passphrase, with its salt)")}" : "";
        return settings.RequireEncryption ? $"requires encryption{key}" : $"takes snapshots{key}, encrypted or not";
    }

    /// <summary>Whether two repositories' rules are the same (none at all and defaults are the same).</summary>
    public static bool Same(RepositorySettings? a, RepositorySettings? b)
    {
        var (x, y) = (a ?? new RepositorySettings(), b ?? new RepositorySettings());
        return x.RequireEncryption == y.RequireEncryption && string.Equals(x.KeyId, y.KeyId, StringComparison.OrdinalIgnoreCase)
            && x.KdfSalt == y.KdfSalt && x.KdfIterations == y.KdfIterations;
    }

    /// <summary>The sentence added to the new-repository warning when the copy carries (a dry run: would carry) the source's rules.</summary>
    public static string Carried(RepositorySettings settings, string source, bool planned) =>
        $" The copy {(planned ? "would give" : "gives")} it the settings of {source}: it {Describe(settings)} (Set-MongoRepository shows and changes them).";

    /// <summary>The warning when an existing destination's rules differ from its source's; they are left as they are.</summary>
    public static string Mismatch(string source, RepositorySettings? sourceSettings, string destination, RepositorySettings? destinationSettings) =>
        $"The settings of {destination} differ from those of {source}, which this copy leaves as they are: {source} {Describe(sourceSettings)}; " +
        $"{destination} {Describe(destinationSettings)}. To make them the same, run Set-MongoRepository -Repository {destination} with the rules you want.";
}
