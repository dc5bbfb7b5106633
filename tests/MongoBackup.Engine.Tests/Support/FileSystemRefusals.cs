using System.ComponentModel;
using System.Diagnostics;

namespace MongoBackup.Engine.Tests.Support;

/// <summary>
/// The probes and switches the tests use to make the file system itself refuse a write or a delete
/// (<see cref="ReadOnlyFolder"/>, an undeletable file): whether a folder still takes a new file, and chattr for root,
/// whom permission bits do not stop.
/// </summary>
internal static class FileSystemRefusals
{
    /// <summary>Whether a file can be created (and deleted again) in <paramref name="folder"/>.</summary>
    public static bool CanCreateIn(string folder)
    {
        var probe = Path.Combine(folder, $".probe-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return false;
        }
    }

    /// <summary>Runs chattr with <paramref name="arguments"/> (e.g. "+i", a path); false when it fails or is not installed.</summary>
    public static bool Chattr(params string[] arguments)
    {
        try
        {
            using var chattr = Process.Start(new ProcessStartInfo("chattr", arguments) { RedirectStandardError = true })!;
            chattr.StandardError.ReadToEnd();
            chattr.WaitForExit();
            return chattr.ExitCode == 0;
        }
        catch (Win32Exception)
        {
            return false; // no chattr here
        }
    }
}
