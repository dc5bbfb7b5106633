using MongoBackup.Engine.Repository;
using MongoBackup.Engine.Tests.Integration;
using MongoBackup.Engine.Tests.Support;

namespace MongoBackup.Engine.Tests.Repository;

/// <summary>A repository's settings as one command sees them (Copy-MongoSnapshot's destination): read once, told what it writes.</summary>
public sealed class SettingsReadOnceTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Judging_many_snapshots_reads_the_settings_once()
    {
        var folder = new FolderRepository(_folder.Path);
        var stored = new RepositorySettings { RequireEncryption = true, KeyId = "0123456789abcdef" };
        await folder.WriteSettingsAsync(stored, CancellationToken.None);
        var metered = new MeteredRepository(folder);
        var settings = new SettingsReadOnce(metered);

        for (var i = 0; i < 5; i++) Assert.Equal(stored, await settings.ReadAsync(CancellationToken.None));

        Assert.Equal(1, metered.SettingsReads);
    }

    [Fact]
    public async Task Settings_the_command_wrote_are_seen_without_reading_them_back()
    {
        var metered = new MeteredRepository(new FolderRepository(_folder.Path));
        var settings = new SettingsReadOnce(metered);
        Assert.Null(await settings.ReadAsync(CancellationToken.None));
        var written = new RepositorySettings { RequireEncryption = true };
        await metered.WriteSettingsAsync(written, CancellationToken.None);

        settings.Written(written);

        Assert.Equal(written, await settings.ReadAsync(CancellationToken.None));
        Assert.Equal(1, metered.SettingsReads);
    }

    [Fact]
    public async Task A_read_that_failed_is_not_kept()
    {
        var folder = new FolderRepository(_folder.Path);
        var metered = new MeteredRepository(folder);
        var settings = new SettingsReadOnce(metered);
        var file = Path.Combine(_folder.Path, RepositorySettings.FileName);
        await File.WriteAllTextAsync(file, "{ not settings");
        var damaged = await Assert.ThrowsAsync<MongoBackupException>(() => settings.ReadAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.CorruptFile, damaged.ErrorId);

        await File.WriteAllTextAsync(file, new RepositorySettings { RequireEncryption = true }.Serialize());

        Assert.True((await settings.ReadAsync(CancellationToken.None))!.RequireEncryption);
        Assert.Equal(2, metered.SettingsReads);
    }
}
