using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Oplog;

/// <summary>
/// A replica-set primary's periodic no-op writer, as mongod runs it (src/mongo/db/repl/noop_writer.cpp, NoopWriter and
/// its PeriodicNoopRunner): a background loop that waits periodicNoopIntervalSecs (10 s by default), then ticks. At a tick
/// it writes the oplog entry {op: "n", ns: "", o: {msg: "periodic noop"}} (OpObserverImpl::onOpMessage; the entry gets ts,
/// t, v and wall like any other, so it takes the next timestamp after every write before it) only when the newest optime
/// is the one it knew at the tick before, that is when nothing was written for a whole interval; either way it then
/// remembers the newest optime. So an idle primary's newest entry is never much more than one interval old, and a busy
/// one writes none. The writer starts with the optime of the last entry written when the member became primary
/// (ReplicationCoordinatorImpl::signalDrainComplete calls startNoopWriter with the last applied optime), here the set's
/// first entry; a standalone never becomes primary and never starts it. writePeriodicNoops off keeps the ticks but skips
/// the write. A tick takes the data lock exclusively, so no command is half-way through a write, and skips when the lock
/// is not free within 1 ms (_writeNoop's GlobalLock with a deadline of now + 1 ms: "Global lock is not available,
/// skipping the noop write"), leaving its known optime as it was.
/// </summary>
internal sealed class PeriodicNoopWriter : IDisposable
{
    /// <summary>The no-op's "o" (noop_writer.cpp kMsgObj).</summary>
    public const string Message = "periodic noop";

    private static readonly TimeSpan LockWait = TimeSpan.FromMilliseconds(1);

    private readonly ReplicationLog _oplog;
    private readonly DataLock _dataLock;
    private readonly Func<ServerParameters> _parameters;
    private readonly TimeSpan _interval;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _sync = new();
    private BsonTimestamp _lastKnown;
    private Task? _loop;

    public PeriodicNoopWriter(ReplicationLog oplog, DataLock dataLock, Func<ServerParameters> parameters)
    {
        _oplog = oplog;
        _dataLock = dataLock;
        _parameters = parameters;
        // periodicNoopIntervalSecs is startup-only: the writer is made with it once (ReplicationCoordinatorImpl::startup).
        _interval = TimeSpan.FromSeconds(parameters().PeriodicNoopIntervalSecs);
        _lastKnown = oplog.LastTimestamp;
    }

    /// <summary>Starts ticking every interval from now, knowing the newest entry as of now.</summary>
    public void Start()
    {
        lock (_sync)
        {
            if (_loop != null) throw new InvalidOperationException("the no-op writer is already running");
            _lastKnown = _oplog.LastTimestamp;
            _loop = Task.Run(RunAsync);
        }
    }

    private async Task RunAsync()
    {
        // Each wait begins after the tick before it ends, as PeriodicNoopRunner::run waits on its condition variable.
        while (true)
        {
            try
            {
                await Task.Delay(_interval, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            Tick();
        }
    }

    /// <summary>Whether the writer's loop is running (started and not stopped).</summary>
    public bool IsRunning
    {
        get
        {
            lock (_sync) return _loop is { IsCompleted: false };
        }
    }

    /// <summary>
    /// One tick (see the class summary); returns whether it wrote a no-op. <paramref name="lockWait"/> replaces mongod's 1 ms
    /// for a test that ticks by hand and must not skip because a command held the lock just then.
    /// </summary>
    public bool Tick(TimeSpan? lockWait = null)
    {
        lock (_sync)
        {
            if (_stop.IsCancellationRequested) return false;
            using var held = _dataLock.TryExclusive(lockWait ?? LockWait);
            if (held == null) return false;
            var wrote = false;
            if (_oplog.LastTimestamp == _lastKnown && _parameters().WritePeriodicNoops)
            {
                _oplog.Write(new BsonDocument { { "op", "n" }, { "ns", "" }, { "o", new BsonDocument("msg", Message) } });
                wrote = true;
            }
            _lastKnown = _oplog.LastTimestamp;
            return wrote;
        }
    }

    /// <summary>Stops the ticks and waits for a tick under way to end (stopWritingPeriodicNoops joins the thread).</summary>
    public void Dispose()
    {
        Task? loop;
        lock (_sync)
        {
            if (_stop.IsCancellationRequested) return;
            _stop.Cancel();
            loop = _loop;
        }
        loop?.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
