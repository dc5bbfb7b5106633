using System.Runtime.InteropServices;

namespace MongoBackup.PowerShell.Pipeline;

/// <summary>
/// While Backup-MongoOplog -Continuous runs, turns SIGTERM (`systemctl stop`, `docker stop`, `kill`) into a request to
/// stop the capture, which closes its open slice and returns, so the command and then the script end on their own (exit
/// code 0) instead of the process being ended mid-slice (exit 143, the slice left Incomplete).
/// <para>
/// pwsh handles only Console.CancelKeyPress (SIGINT, SIGQUIT: Ctrl+C, which stops the pipeline and with it the capture)
/// and registers nothing for SIGTERM, so .NET's default ends the process at once. Only SIGTERM is taken here: SIGINT is
/// pwsh's own Ctrl+C already, and SIGHUP (the terminal went away) keeps its default, so `nohup` and terminal multiplexers
/// behave as they always have. The first SIGTERM cancels the default termination; a second one while the capture is
/// still stopping is left to the default, so a stuck stop can still be ended at once.
/// </para>
/// <para>
/// Nothing is registered on Windows: there SIGTERM stands for a console's shutdown or logoff event, which Windows ends
/// the process after whatever a handler does, so a handler could not make the stop wait for the slice to close.
/// </para>
/// </summary>
public sealed class StopSignals : IDisposable
{
    private readonly PosixSignalRegistration? _registration;
    private readonly Action _stop;
    private int _received;

    /// <summary>Registers the handler; <paramref name="stop"/> is called once, on a thread-pool thread, at the first SIGTERM.</summary>
    public StopSignals(Action stop)
    {
        _stop = stop ?? throw new ArgumentNullException(nameof(stop));
        if (OperatingSystem.IsWindows()) return;
        try { _registration = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal); }
        catch (PlatformNotSupportedException) { /* a platform that does not deliver it: the default stays */ }
    }

    /// <summary>The signal that requested the stop ("SIGTERM"), or null while none has.</summary>
    public string? Received { get; private set; }

    private void OnSignal(PosixSignalContext context)
    {
        // A second signal while stopping: not cancelled, so the default ends the process.
        if (Interlocked.Exchange(ref _received, 1) != 0) return;
        Received = context.Signal.ToString();
        context.Cancel = true;
        _stop();
    }

    /// <summary>Unregisters the handler: SIGTERM gets its default behaviour again.</summary>
    public void Dispose() => _registration?.Dispose();
}
