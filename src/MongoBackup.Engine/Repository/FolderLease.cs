namespace MongoBackup.Engine.Repository;

/// <summary>
/// A lease on a folder repository: the file &lt;repo&gt;/.mongobackup-lease holding holder, token and expiry.
/// It is created exclusively (written whole under a private name, then linked into place without overwriting,
/// so nobody ever reads a half-written lease). An expired lease is taken over by renaming it aside, checking that
/// what was renamed is the expired lease that was read (and putting it back if a successor's lease was caught
/// instead), then creating a new one exclusively: of two runs taking over at once, only one gets it.
/// </summary>
public sealed class FolderLease : IRepositoryLease
{
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

    public string HolderId => _record.Holder;

    public DateTimeOffset ExpiresAt => _record.ExpiresAt;

    public static Task<LeaseAttempt> TryAcquireAsync(string folder, string holderId, TimeSpan duration, TimeProvider clock, CancellationToken ct)
    {
        var path = Path.Combine(folder, FileName);
        // Two passes: the second follows a takeover of an expired lease (or a lease released in between).
        for (var attempt = 0; attempt < 2; attempt++)
        {
            ct.ThrowIfCancellationRequested();
            var record = new LeaseRecord(holderId, Guid.NewGuid().ToString("N"), clock.GetUtcNow() + duration);
            if (TryCreateExclusive(path, record))
                return Task.FromResult(LeaseAttempt.Granted(new FolderLease(path, duration, clock, record)));

            var current = ReadCurrent(path);
            if (current.Exists && current.Record is { } held && held.IsLive(clock.GetUtcNow()))
                return Task.FromResult(LeaseAttempt.Refused(held.Holder, held.ExpiresAt));
            if (current.Exists) TakeOverExpired(path, current.Text);
        }
        var after = ReadCurrent(path).Record;
        return Task.FromResult(after is null
            ? throw new MongoBackupException(ErrorIds.RepositoryNotWritable, $"The lease file {path} could not be created.", target: path)
            : LeaseAttempt.Refused(after.Holder, after.ExpiresAt));
    }

    public Task RenewAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        EnsureStillOurs();
        var renewed = _record with { ExpiresAt = _clock.GetUtcNow() + _duration };
        var temp = WriteTemp(_path, renewed);
        // Replacing is atomic; the check above ran moments ago while the lease was live, so nobody could take it over.
        File.Move(temp, _path, overwrite: true);
        _record = renewed;
        return Task.CompletedTask;
    }

    public Task ReleaseAsync(CancellationToken ct)
    {
        if (_released) return Task.CompletedTask;
        _released = true;
        var aside = AsideName(_path);
        try { File.Move(_path, aside, overwrite: false); }
        catch (FileNotFoundException) { return Task.CompletedTask; }
        // Only our own lease is removed; a successor's (ours expired and was taken over) goes back in place.
        var moved = LeaseRecord.TryParse(File.ReadAllText(aside));
        if (moved?.Token == _record.Token) File.Delete(aside);
        else PutBack(aside, _path);
        return Task.CompletedTask;
    }

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

    private static void TakeOverExpired(string path, string expiredText)
    {
        var aside = AsideName(path);
        try { File.Move(path, aside, overwrite: false); }
        catch (FileNotFoundException) { return; } // another run moved it first; the next pass finds out who won
        if (File.ReadAllText(aside) == expiredText) File.Delete(aside);
        else PutBack(aside, path); // a successor's fresh lease was caught in between: restore it untouched
    }

    private static void PutBack(string aside, string path)
    {
        try { File.Move(aside, path, overwrite: false); }
        catch (IOException) when (File.Exists(path)) { File.Delete(aside); }
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

    private static string AsideName(string path) => $"{path}.{Guid.NewGuid():N}.aside";
}
