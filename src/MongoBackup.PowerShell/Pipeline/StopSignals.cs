using System.Runtime.InteropServices;

namespace MongoBackup.PowerShell.Pipeline;

/// <summary>
/// While a long-running command (Backup-MongoOplog -Continuous) runs, turns SIGTERM, SIGHUP and SIGINT into the same
/// stop as Ctrl+C, so that `systemctl stop`, `kill` or a closed terminal let it finish and close what it is writing
/// instead of ending the process mid-write.
/// <para>
/// pwsh itself registers no SIGTERM or SIGHUP handler (its ConsoleHost handles only Console.CancelKeyPress, i.e. SIGINT
/// and SIGQUIT, by stopping the pipeline as Ctrl+C), and .NET's default for both is to end the process (exit 143 for
/// SIGTERM). SIGINT is registered too for hosts that do not stop the pipeline on it; where pwsh does, both lead to the
/// same, idempotent stop. The first signal cancels the default termination; a second one while the command is still
/// stopping is left to the default, so a stuck stop can still be ended.
/// </para>
/// </summary>
public sealed class StopSignals : IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly Action _stop;
    private int _received;

    /// <summary>Registers the handlers; <paramref name="stop"/> is called once, on a thread-pool thread, at the first signal.</summary>
    public StopSignals(Action stop)
    {
        _stop = stop ?? throw new ArgumentNullException(nameof(stop));
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGINT })
        {
            try { _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal)); }
            catch (PlatformNotSupportedException) { /* this platform does not deliver it */ }
        }
    }

    /// <summary>The first signal received ("SIGTERM", ...), or null while none was.</summary>
    public string? Received { get; private set; }

    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Exchange(ref _received, 1) != 0) return;
        Received = context.Signal.ToString();
        context.Cancel = true;
        _stop();
    }

    /// <summary>Unregisters the handlers: signals get their default behaviour again.</summary>
    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _registrations.Clear();
    }
}
