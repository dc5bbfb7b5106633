using MongoBackup.Engine.Repository;

namespace MongoBackup.PowerShell;

/// <summary>
/// The warning a command that writes gives when the repository it writes into holds no snapshot yet: it is starting a
/// new repository there. A first backup does that on purpose; a mistyped -Repository (/backups/mongoo, an az:// prefix
/// spelled wrong, a volume that is not mounted) does it by accident, and a scheduled job's log must show which it was.
/// </summary>
public static class NewRepositoryNotice
{
    /// <summary>
    /// The warning when <paramref name="repository"/> holds no snapshot, complete or not; null when it holds one. Reads at
    /// most the listing of snapshot ids and one manifest.
    /// </summary>
    /// <param name="what">What starts it, as the sentence's subject: "this backup", "this copy", "setting these rules" (a singular subject).</param>
    /// <param name="parameter">The parameter that named the repository (-Repository, -Destination).</param>
    /// <param name="planned">A -WhatIf dry run: the warning says the run would start it.</param>
    public static async Task<string?> ForAsync(ISnapshotRepository repository, string what, string parameter, bool planned, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(repository);
        await foreach (var _ in repository.ListAsync(ct).ConfigureAwait(false)) return null;
        return Text(repository.Location, what, parameter, planned);
    }

    /// <summary>The warning for <paramref name="location"/>, which holds no snapshot.</summary>
    public static string Text(string location, string what, string parameter, bool planned) =>
        $"{location} holds no snapshot yet: {what} {(planned ? "would start" : "starts")} a new repository there. " +
        $"If you meant an existing repository, check {parameter}: a mistyped path starts a new one.";
}
