using System.Runtime.InteropServices;

namespace MongoBackup.Engine.Storage;

/// <summary>
/// Moves a file to a name that must not exist yet, in one atomic step, so that of two writers racing for one name
/// exactly one wins. File.Move(overwrite: false) is not that on Unix: the runtime checks for the target and then
/// renames (its Interop.Sys.Rename remarks: "not all races can be eliminated"), so two racers could both succeed,
/// the second silently replacing the first. POSIX link(2) fails with EEXIST when the name exists, atomically; on
/// Windows MoveFileEx without MOVEFILE_REPLACE_EXISTING, which File.Move uses, already is. A file system without hard
/// links (some network and FUSE mounts) gets the runtime's move, as before: the best it offers.
/// </summary>
internal static class NoReplaceMove
{
    private const int EEXIST = 17; // the same on Linux and macOS

    /// <summary>Moves <paramref name="source"/> to <paramref name="target"/> unless the target exists.</summary>
    /// <returns>True when moved; false when <paramref name="target"/> already existed (the source is left in place).</returns>
    /// <exception cref="IOException">The move failed for another reason (full disk, missing folder, no permission).</exception>
    public static bool TryMove(string source, string target)
    {
        if (!OperatingSystem.IsWindows())
        {
            if (Link(source, target) == 0)
            {
                File.Delete(source);
                return true;
            }
            if (Marshal.GetLastPInvokeError() == EEXIST) return false;
            // Any other refusal (a file system without hard links, a full disk, a missing folder) goes to the runtime's
            // move below: it maps the error to the exception users see, and where links are not supported it is the
            // best this file system offers.
        }
        try
        {
            File.Move(source, target, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(target))
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string created);
}
