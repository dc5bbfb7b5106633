namespace MongoBackup.PowerShell.Completion;

/// <summary>
/// Runs a lookup for tab completion: bounded in time, and any failure (unreachable server, bad credentials, a
/// missing repository) means "no suggestions", never an error at the prompt.
/// </summary>
internal static class QuietServerCall
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(5);

    public static IReadOnlyList<T> Run<T>(Func<CancellationToken, Task<IReadOnlyList<T>>> lookup)
    {
        using var timeout = new CancellationTokenSource(Limit);
        try
        {
            var task = Task.Run(() => lookup(timeout.Token), timeout.Token);
            return task.Wait(Limit) ? task.Result : [];
        }
        catch (Exception)
        {
            return []; // Completion offers what it can find; explaining a failure is the command's job when it runs.
        }
    }
}
