using MongoBackup.Engine.Storage;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// A lease on a folder repository: the file &lt;repo&gt;/.mongobackup-lease holding holder, token and expiry.
/// It is created exclusively (written whole under a private name, then linked into place without overwriting,
/// so nobody ever reads a half-written lease). Every change to it (acquire, take over when expired, renew,
/// release) happens while holding an OS lock on &lt;repo&gt;/.mongobackup-lease.guard, only for the milliseconds the
/// change takes: of two runs taking over an expired lease at once, only one gets it. The OS drops that lock when a
/// process dies, so a crash never leaves the guard held; the lease itself expires.
/// </summary>
public sealed class FolderLease : IRepositoryLease
{
    /// <summary>The lease file at the repository folder's root, &lt;repo&gt;/.mongobackup-lease (JSON, see <see cref="LeaseRecord"/>).</summary>
    public const string FileName = ".mongobackup-lease";

    private readonly string _path;
    private readonly TimeSpan _duration;
    private readonly TimeProvider _clock;
    private LeaseRecord _record;
    private bool _released;

    private FolderLease(string path, TimeSpan duration, TimeProvider clock, LeaseRecord record)
    {
        _path = path;
        _duration = duration;
        _clock = clock;
        _record = record;
    }

    /// <summary>Who holds the lease (the holder id given when it was taken).</summary>
    public string HolderId => _record.Holder;

    /// <summary>When the lease lapses unless renewed (UTC).</summary>
    public DateTimeOffset ExpiresAt => _record.ExpiresAt;

    /// <summary>Takes the lease in <paramref name="folder"/> for <paramref name="duration"/>, when none is live or the live one is the same holder's.</summary>
    /// <returns>Granted, or Refused with the live holder and its expiry.</returns>
    /// <exception cref="IOException">The lease file or its guard cannot be written.</exception>
    public static Task<LeaseAttempt> TryAcquireAsync(string folder, string holderId, TimeSpan duration, TimeProvider clock, CancellationToken ct)
    {
        var path = Path.Combine(folder, FileName);
        return Task.FromResult(WithGuard(path, ct, () => TryAcquire(path, holderId, duration, clock, ct)));
    }

    private static LeaseAttempt TryAcquire(string path, string holderId, TimeSpan duration, TimeProvider clock, CancellationToken ct)
    {
        // Two passes: the second follows a takeover of an expired lease (or a lease released in between).
        for (var attempt = 0; attempt < 2; attempt++)
        {
            ct.ThrowIfCancellationRequested();
            var record = new LeaseRecord(holderId, Guid.NewGuid().ToString("N"), clock.GetUtcNow() + duration);
            if (TryCreateExclusive(path, record))
                return LeaseAttempt.Granted(new FolderLease(path, duration, clock, record));

            var current = ReadCurrent(path);
            if (current.Exists && current.Record is { } held && held.IsLive(clock.GetUtcNow()))
                return LeaseAttempt.Refused(held.Holder, held.ExpiresAt);
            if (current.Exists) TakeOverExpired(path, current.Text);
        }
        var after = ReadCurrent(path).Record;
        return after is null
            ? throw new MongoBackupException(ErrorIds.RepositoryNotWritable, $"The lease file {path} could not be created.", target: path)
            : LeaseAttempt.Refused(after.Holder, after.ExpiresAt);
    }

    /// <summary>Runs a change to the lease file under the guard lock, waiting briefly while another run holds it.</summary>
    private static T WithGuard<T>(string path, CancellationToken ct, Func<T> change)
    {
        var guardPath = path + ".guard";
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            FileStream guard;
            try
            {
                // FileShare.None is an exclusive OS lock (flock on Linux and macOS, a share mode on Windows).
                guard = new FileStream(guardPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(Random.Shared.Next(2, 15));
                continue;
            }
            using (guard) return change();
        }
    }

    /// <summary>Pushes the expiry to now plus the duration.</summary>
    /// <exception cref="MongoBackupException">LeaseLost when the lease expired and another holder took it.</exception>
    public Task RenewAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        WithGuard(_path, ct, () =>
        {
            EnsureStillOurs();
            var renewed = _record with { ExpiresAt = _clock.GetUtcNow() + _duration };
            // Replacing is atomic, and under the guard nobody can take the lease over between the check and the write.
            File.Move(WriteTemp(_path, renewed), _path, overwrite: true);
            _record = renewed;
            return true;
        });
        return Task.CompletedTask;
    }

    /// <summary>Removes the lease file if it is still this lease (a successor's is left); a second call does nothing.</summary>
    public Task ReleaseAsync(CancellationToken ct)
    {
        if (_released) return Task.CompletedTask;
        _released = true;
        WithGuard(_path, CancellationToken.None, () =>
        {
            // Only our own lease is removed; a successor's (ours expired and was taken over) stays.
            if (ReadCurrent(_path).Record?.Token == _record.Token) File.Delete(_path);
            return true;
        });
        return Task.CompletedTask;
    }

    /// <summary>Releases the lease (see <see cref="ReleaseAsync"/>).</summary>
    public async ValueTask DisposeAsync() => await ReleaseAsync(CancellationToken.None).ConfigureAwait(false);

    private void EnsureStillOurs()
    {
        var current = ReadCurrent(_path).Record;
        if (current?.Token != _record.Token)
            throw new MongoBackupException(ErrorIds.LeaseLost,
                current is null
                    ? $"The repository lease {_path} held by {_record.Holder} is gone (removed by someone else)."
                    : $"The repository lease {_path} held by {_record.Holder} was taken over by {current.Holder} after it expired at {_record.ExpiresAt:u}.",
                target: _path);
    }

    private static bool TryCreateExclusive(string path, LeaseRecord record)
    {
        var temp = WriteTemp(path, record);
        try
        {
            // Without overwrite the move fails when a lease already exists (link on Unix, MoveFileEx on Windows).
            File.Move(temp, path, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temp);
            return false;
        }
    }

    /// <summary>Removes the expired lease that was read (called under the guard, so it cannot be a successor's).</summary>
    private static void TakeOverExpired(string path, string expiredText)
    {
        if (ReadCurrent(path).Text == expiredText) File.Delete(path);
    }

    private static (bool Exists, string Text, LeaseRecord? Record) ReadCurrent(string path)
    {
        try
        {
            var text = File.ReadAllText(path);
            return (true, text, LeaseRecord.TryParse(text));
        }
        catch (FileNotFoundException)
        {
            return (false, "", null);
        }
    }

    private static string WriteTemp(string path, LeaseRecord record)
    {
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        using (var stream = OwnerOnlyFiles.CreateFile(temp, 4096))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(record.Serialize());
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        return temp;
    }
}
