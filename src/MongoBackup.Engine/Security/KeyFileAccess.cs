namespace MongoBackup.Engine.Security;

/// <summary>
/// Whether an encryption key file is open to other users, as ssh checks a private key: on Linux and macOS any
/// permission for the group or others (mode &amp; 077) means someone besides its owner may read or replace the key
/// that opens every snapshot. Windows files are protected by ACLs, which this does not judge.
/// </summary>
public static class KeyFileAccess
{
    private const UnixFileMode OthersAndGroup =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private const UnixFileMode ReadByOthers = UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>A warning naming the file, its mode and the fix; null when only its owner can use it (or it does not exist).</summary>
    public static string? Warning(string path)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(path)) return null;
        var mode = File.GetUnixFileMode(path);
        if ((mode & OthersAndGroup) == 0) return null;
        var octal = Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0');
        var exposure = (mode & ReadByOthers) != 0
            ? "can be read by other users: anyone who can read it can decrypt every snapshot encrypted with it"
            : "can be changed by other users";
        return $"The encryption key file '{path}' {exposure} (mode {octal}). Make it readable by its owner only: chmod 600 '{path}'.";
    }
}
