using MongoBackup.Engine.Security;
using MongoBackup.Engine.Tests.Integration;

namespace MongoBackup.Engine.Tests.Security;

/// <summary>A key file others can use is named with its mode and the fix, as ssh does for an open private key.</summary>
public sealed class KeyFileAccessTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private string KeyFile(UnixFileMode mode)
    {
        var path = Path.Combine(_folder.Path, "backup.key");
        File.WriteAllText(path, new string('a', 64));
        File.SetUnixFileMode(path, mode);
        return path;
    }

    [Theory]
    [InlineData(0b110_100_100, "0644", "can be read by other users")] // the input: rw-r--r--
    [InlineData(0b110_100_000, "0640", "can be read by other users")]
    [InlineData(0b110_000_100, "0604", "can be read by other users")]
    [InlineData(0b110_010_000, "0620", "can be changed by other users")]
    public void A_key_file_open_to_others_is_named_with_its_mode_and_chmod_600(int mode, string octal, string exposure)
    {
        if (OperatingSystem.IsWindows()) return; // ACLs, not modes
        var path = KeyFile((UnixFileMode)mode);

        var warning = KeyFileAccess.Warning(path);

        Assert.NotNull(warning);
        Assert.Contains($"'{path}'", warning);
        Assert.Contains(exposure, warning);
        Assert.Contains($"(mode {octal})", warning);
        Assert.Contains($"chmod 600 '{path}'", warning);
    }

    [Theory]
    [InlineData(0b110_000_000)] // 0600
    [InlineData(0b100_000_000)] // 0400
    public void A_key_file_only_its_owner_can_use_gets_no_warning(int mode)
    {
        if (OperatingSystem.IsWindows()) return;
        Assert.Null(KeyFileAccess.Warning(KeyFile((UnixFileMode)mode)));
    }
}
