namespace MongoBackup.Engine.Storage;

/// <summary>A new file that reaches stable storage before it closes (owner-only, as every repository file).</summary>
internal sealed class DurableFile(string path, StableStorage storage) : FileStream(path, OwnerOnlyFiles.WriteOptions(FileMode.Create, 1 << 16))
{
    private bool _flushed;

    protected override void Dispose(bool disposing)
    {
        if (disposing) FlushOnce();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        FlushOnce();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private void FlushOnce()
    {
        if (_flushed || !CanWrite) return;
        _flushed = true;
        storage.FlushFile(this);
    }
}
