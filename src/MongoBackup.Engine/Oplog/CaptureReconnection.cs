using System.Diagnostics;
using MongoBackup.Engine.Connection;
using MongoBackup.Engine.Events;
using MongoDB.Driver;

namespace MongoBackup.Engine.Oplog;

/// <summary>
/// A continuous capture's wait after a lost connection: it retries every <see cref="ContinuousCaptureRequest.ReconnectDelay"/>
/// until the server answers again, for at most <see cref="ContinuousCaptureRequest.ReconnectTimeout"/>, and then checks what
/// a capture's first slice checks (<see cref="ChainContinuity"/>): the server reached is the set captured and its oplog holds
/// the last entry captured, byte for byte, unless it rolled past it (the gap returned).
/// </summary>
internal sealed class CaptureReconnection(IMongoClient client, ContinuousCaptureRequest request, ServerTopology captured, IEngineObserver observer)
{
    /// <summary>Waits until the server answers and continues the capture; returns the span its oplog rolled past after <paramref name="last"/>, or null.</summary>
    /// <exception cref="MongoBackupException">ServerUnreachable past the time allowed; NoBaseSnapshot when the server reached does not continue the capture.</exception>
    /// <exception cref="OperationCanceledException">The capture was stopped while it waited.</exception>
    public async Task<OplogGap?> ResumeAsync(StoredEntry last, CancellationToken ct)
    {
        var lost = Stopwatch.StartNew();
        while (true)
        {
            await Task.Delay(request.ReconnectDelay, ct);
            try
            {
                var now = await ServerTopology.DiscoverAsync(client, ct);
                var oplog = new OplogSource(client);
                var gap = await oplog.RolledPastAsync(last.Timestamp, ct);
                await ChainContinuity.RequireResumedAsync(oplog, last, gap, captured, now, request.Slice.Repository.Location, ct);
                return gap;
            }
            catch (Exception e) when (!ct.IsCancellationRequested && Unreachable(e))
            {
                if (lost.Elapsed >= request.ReconnectTimeout)
                    throw new MongoBackupException(ErrorIds.ServerUnreachable,
                        $"{request.Slice.Connection.DisplayName} could not be reached for {lost.Elapsed:hh\\:mm\\:ss} (more than the {request.ReconnectTimeout:hh\\:mm\\:ss} a " +
                        $"continuous capture waits): {FirstLine(e.Message)} The capture stopped after {last.Timestamp}; start it again once the server is back.",
                        e, request.Slice.Connection.DisplayName);
                observer.Debug($"{request.Slice.Connection.DisplayName} is still unreachable ({e.GetType().Name}); retrying.");
            }
        }
    }

    /// <summary>A failure that waiting may cure: the driver's own (<see cref="ConnectionLoss"/>), or the topology's translation of them (a server selection that timed out).</summary>
    internal static bool Unreachable(Exception e) =>
        ConnectionLoss.IsResumable(e) || e is MongoBackupException { ErrorId: ErrorIds.ServerUnreachable } described && described.InnerException is not null;

    private static string FirstLine(string message) => message.Split('\n')[0].TrimEnd() is var line && line.EndsWith('.') ? line : line + ".";
}
