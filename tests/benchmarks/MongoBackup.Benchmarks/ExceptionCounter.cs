using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace MongoBackup.Benchmarks;

/// <summary>
/// Counts the exceptions thrown in this process (the engine and the driver; the server is another process) while it is
/// open, caught or not: each costs the runtime's exception handling, so a restore should throw none per batch. A
/// restore counts 0 to about 10 whatever its size (issue 19): the driver's monitor threads throwing and catching as the
/// restore's client is disposed, depending on when they wake; a count that grows with the documents is a regression.
/// With MONGOBACKUP_BENCH_EXCEPTIONS=1 it also prints where each distinct one was thrown, to find it.
/// </summary>
public sealed class ExceptionCounter : IDisposable
{
    private long _count;
    private readonly ConcurrentDictionary<string, int> _sites = new(StringComparer.Ordinal);
    private readonly bool _describe = Environment.GetEnvironmentVariable("MONGOBACKUP_BENCH_EXCEPTIONS") == "1";

    private ExceptionCounter() => AppDomain.CurrentDomain.FirstChanceException += OnThrown;

    public static ExceptionCounter Start() => new();

    /// <summary>Exceptions thrown since <see cref="Start"/>.</summary>
    public long Count => Interlocked.Read(ref _count);

    private void OnThrown(object? sender, FirstChanceExceptionEventArgs e)
    {
        Interlocked.Increment(ref _count);
        if (_describe)
            _sites.AddOrUpdate($"{e.Exception.GetType().FullName}: {e.Exception.Message}\n{Environment.StackTrace}", 1, (_, n) => n + 1);
    }

    public void Dispose()
    {
        AppDomain.CurrentDomain.FirstChanceException -= OnThrown;
        foreach (var (site, n) in _sites.OrderByDescending(s => s.Value))
            Console.Error.WriteLine($"--- thrown {n} times: {site}");
    }
}
