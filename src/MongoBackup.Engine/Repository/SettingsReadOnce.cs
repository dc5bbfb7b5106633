namespace MongoBackup.Engine.Repository;

/// <summary>
/// A repository's settings as one command sees them: read on the first question (on an object store, one GET), then
/// kept for the rest of the run, and told what the command writes itself, as <see cref="SnapshotCatalog"/> is told what
/// it commits. Copy-MongoSnapshot judges every snapshot it copies against its destination's settings through one.
/// A read that failed is not kept: the next question reads again.
/// </summary>
public sealed class SettingsReadOnce(ISnapshotRepository repository)
{
    private Task<RepositorySettings?>? _read;

    /// <summary>The repository these are the settings of.</summary>
    public ISnapshotRepository Repository { get; } = repository ?? throw new ArgumentNullException(nameof(repository));

    /// <summary>The settings (null when none were set, or the repository keeps none), read on the first call only.</summary>
    /// <exception cref="MongoBackupException">CorruptFile when the settings file is damaged; the store's translated failures.</exception>
    public Task<RepositorySettings?> ReadAsync(CancellationToken ct)
    {
        if (_read is null || _read.IsFaulted || _read.IsCanceled) _read = RepositorySettingsStore.ReadAsync(Repository, ct);
        return _read;
    }

    /// <summary>The command wrote <paramref name="settings"/> to the repository: later questions see them without reading.</summary>
    public void Written(RepositorySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _read = Task.FromResult<RepositorySettings?>(settings);
    }
}
