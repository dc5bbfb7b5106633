using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace MongoBackup.Engine.Formats;

/// <summary>
/// A mongodump --archive file (plain, gzip or zstd). Documents of all namespaces are interleaved in
/// segments, so they are read in one sequential pass and routed to each namespace's consumer.
/// </summary>
internal sealed class DumpArchiveReader : IDumpReader
{

    private readonly string _file;
    private readonly ArchivePrelude _prelude;

    private DumpArchiveReader(string file, ArchivePrelude prelude)
    {
        _file = file;
        _prelude = prelude;
        Namespaces = prelude.Entries
            .Where(e => !IsOplog(e.Database, e.Collection))
            .Select(e => new DumpNamespace(e.Database, e.Collection, e.Metadata, $"archive '{file}'") { Damage = e.Damage })
            .ToList();
        HasOplog = prelude.Entries.Any(e => IsOplog(e.Database, e.Collection));
        _listed = prelude.Entries
            .SelectMany(e => e.Type == CollectionMetadata.TimeseriesType || e.Metadata?.IsTimeseries == true
                ? new[] { (e.Database, e.Collection), (e.Database, TimeseriesBuckets.Of(e.Collection)) }
                : [(e.Database, e.Collection)])
            .ToHashSet();
    }

    private readonly HashSet<(string, string)> _listed;

    /// <summary>Whether a pass has read the oplog to its end marker, and the damage it found there (null: its checksum matched).</summary>
    private (bool Checked, CorruptDumpException? Damage) _oplogChecked;

    public string Location => _file;
    public IReadOnlyList<DumpNamespace> Namespaces { get; }
    public bool HasOplog { get; }
    public string ServerVersion => _prelude.ServerVersion;
    public string ToolVersion => _prelude.ToolVersion;

    public static DumpArchiveReader Open(string path)
    {
        var file = Path.GetFullPath(path);
        using var stream = DumpReaders.OpenSniffed(file);
        using var reader = new BsonDocumentReader(stream, file);
        var prelude = ArchivePrelude.ReadAsync(stream, reader, file, CancellationToken.None).GetAwaiter().GetResult();
        return new DumpArchiveReader(file, prelude);
    }

    public async Task ReadBlocksAsync(IReadOnlyCollection<DumpNamespace> chosen,
        Func<DumpNamespace, IAsyncEnumerable<DocumentBlock>, Task> consume, int maxParallel, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(chosen);
        ArgumentNullException.ThrowIfNull(consume);
        var sinks = new Dictionary<(string, string), ArchiveNamespaceSink>();
        foreach (var ns in chosen)
        {
            if (!Namespaces.Any(n => n.Database == ns.Database && n.Collection == ns.Collection))
                throw new ArgumentException($"Namespace '{ns.FullName}' is not in the archive '{_file}'.", nameof(chosen));
            var sink = new ArchiveNamespaceSink(ns);
            foreach (var collection in SegmentCollections(ns)) sinks[(ns.Database, collection)] = sink;
        }
        // Even with nothing chosen the pass runs to the archive's end: an archive whose header lists nothing (or
        // nothing chosen) must still be whole, or a damaged header would make it restore "nothing" successfully.
        // Every consumer runs at once: the single pass cannot wait for one namespace while another's channel is full.
        var consumers = sinks.Values.Distinct().Select(sink => RunConsumerAsync(sink, consume, ct)).ToList();
        var pump = Task.Run(() => PumpAsync(sinks, ct, checkOplog: true), CancellationToken.None);
        await Task.WhenAll(consumers.Append(pump)).ConfigureAwait(false);
    }

    /// <summary>
    /// The oplog's entries checked against the CRC-64 its end marker records, before the replay applies any of them: the
    /// checksum is known only at the oplog's end, and the replay would otherwise apply entries as it reads them
    /// (mongorestore does: its demultiplexer streams the oplog to the replay, common/archive/demultiplexer.go
    /// RegularCollectionReceiver, and meets a mismatch only after). The data pass (<see cref="ReadBlocksAsync"/>) checks it
    /// on its way, as it reads the whole archive anyway; otherwise this reads the archive once, keeping nothing.
    /// </summary>
    /// <exception cref="CorruptDumpException">The oplog's entries do not match their checksum, or the archive breaks or ends before the oplog's end marker.</exception>
    public async Task VerifyOplogAsync(CancellationToken ct)
    {
        if (!HasOplog) return;
        if (!_oplogChecked.Checked)
            await Task.Run(() => PumpAsync([], ct, checkOplog: true), CancellationToken.None).ConfigureAwait(false);
        if (_oplogChecked.Damage is { } damage) throw damage;
    }

    /// <summary>False: the oplog's checksum is checked by a pass over the archive that keeps no entry (the data pass's, or one of its own).</summary>
    public bool OplogCheckReadsEntries => false;

    public async IAsyncEnumerable<byte[]> ReadOplogAsync([EnumeratorCancellation] CancellationToken ct)
    {
        if (!HasOplog) yield break;
        var oplog = new ArchiveNamespaceSink(new DumpNamespace("", ArchivePrelude.OplogCollection, null, $"archive '{_file}'"));
        var sinks = new Dictionary<(string, string), ArchiveNamespaceSink> { [("", ArchivePrelude.OplogCollection)] = oplog };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pump = Task.Run(() => PumpAsync(sinks, stop.Token), CancellationToken.None);
        try
        {
            await foreach (var document in DumpReaderDocuments.Documents(oplog.Channel.Reader.ReadAllAsync(ct), ct).ConfigureAwait(false))
                yield return document;
        }
        finally
        {
            oplog.Abandon();
            stop.Cancel();
            try { await pump.ConfigureAwait(false); } catch (OperationCanceledException) { }
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static bool IsOplog(string db, string collection) => db == "" && collection == ArchivePrelude.OplogCollection;

    /// <summary>
    /// The collection names a namespace's segments may carry: a timeseries collection's documents are its buckets,
    /// labelled system.buckets.&lt;name&gt; before server 8.3 and by the collection's own name after.
    /// </summary>
    private static IEnumerable<string> SegmentCollections(DumpNamespace ns) =>
        ns.Metadata?.IsTimeseries == true ? [TimeseriesBuckets.Of(ns.Collection), ns.Collection] : [ns.Collection];

    private static async Task RunConsumerAsync(ArchiveNamespaceSink sink, Func<DumpNamespace, IAsyncEnumerable<DocumentBlock>, Task> consume, CancellationToken ct)
    {
        try
        {
            await consume(sink.Namespace, sink.Channel.Reader.ReadAllAsync(ct)).ConfigureAwait(false);
        }
        finally
        {
            // A consumer that stops early (or fails) must not block the pass that feeds the others.
            sink.Abandon();
        }
    }

    /// <summary>One sequential pass over the archive, handing each chosen namespace's documents to its channel.</summary>
    /// <param name="sinks">The chosen namespaces' sinks, by the (db, collection) their segments carry.</param>
    /// <param name="checkOplog">
    /// Also checksum the oplog's entries when no sink takes them, recording the verdict (<see cref="VerifyOplogAsync"/>):
    /// the data pass reads the whole archive anyway, so the replay need not read it once more to trust it.
    /// </param>
    private async Task PumpAsync(Dictionary<(string, string), ArchiveNamespaceSink> sinks, CancellationToken ct, bool checkOplog = false)
    {
        var oplogCrc = checkOplog && HasOplog ? new Crc64Ecma() : null;
        try
        {
            await using var stream = DumpReaders.OpenSniffed(_file);
            using var reader = new BsonDocumentReader(stream, _file);
            await ArchivePrelude.ReadAsync(stream, reader, _file, ct).ConfigureAwait(false);
            var segments = new ArchiveSegmentReader(reader, _file);
            var ended = new HashSet<ArchiveNamespaceSink>();
            var closed = new HashSet<(string, string)>();
            while (await segments.NextAsync(ct).ConfigureAwait(false) is { } segment)
            {
                var key = (segment.Database, segment.Collection);
                CheckSegmentOrder(segment, closed);
                if (segment.IsEnd)
                {
                    if (sinks.TryGetValue(key, out var finished))
                    {
                        ended.Add(finished);
                        // The damage is that namespace's own: it alone fails (its consumer takes back what it restored),
                        // and the pass goes on, since the framing held and the next namespaces' checksums are their own.
                        if (ChecksumDamage(segment, $"the documents of '{finished.Namespace.FullName}'", finished.Crc) is { } damage)
                        {
                            finished.Complete(damage);
                            continue;
                        }
                        await finished.FlushAsync(ct).ConfigureAwait(false);
                        finished.Complete();
                    }
                    else if (oplogCrc is not null && IsOplog(segment.Database, segment.Collection))
                    {
                        _oplogChecked = (true, ChecksumDamage(segment, "the oplog's entries", oplogCrc));
                    }
                    continue;
                }
                sinks.TryGetValue(key, out var sink);
                var crc = sink?.Crc ?? (IsOplog(segment.Database, segment.Collection) ? oplogCrc : null);
                while (await segments.NextDocumentAsync(ct).ConfigureAwait(false) is { } document)
                {
                    crc?.Append(document);
                    if (sink is not null) await sink.WriteAsync(document, ct).ConfigureAwait(false);
                }
                // Segments of namespaces interleave: what one brought goes on now, so no namespace holds a block waiting.
                if (sink is not null) await sink.FlushAsync(ct).ConfigureAwait(false);
            }
            // An oplog cut off is the oplog's damage (the replay is refused), not the chosen namespaces', which all ended.
            if (oplogCrc is not null && !_oplogChecked.Checked)
                _oplogChecked = (true, new CorruptDumpException(_file, reader.Position, "the archive ends before the end marker of the oplog: it is truncated"));
            var unfinished = sinks.Values.FirstOrDefault(s => !ended.Contains(s));
            if (unfinished is not null)
                throw new CorruptDumpException(_file, reader.Position,
                    $"the archive ends before the end marker of '{unfinished.Namespace.FullName}': it is truncated");
            foreach (var sink in sinks.Values)
            {
                await sink.FlushAsync(ct).ConfigureAwait(false);
                sink.Complete();
            }
        }
        catch (Exception e)
        {
            foreach (var sink in sinks.Values) sink.Complete(e);
            throw;
        }
    }

    /// <summary>
    /// A namespace's documents against the checksum its end marker records: mongo-tools' archive format (common/archive/
    /// spec.md, eof-header) defines it as the CRC-64 (Go's crc64.ECMA table) of all the namespace's documents, across all
    /// its segments, in the order written: the multiplexer hashes every document it writes for the namespace (MuxIn.Write,
    /// common/archive/multiplexer.go) and puts the sum in the end marker (formatEOF); the demultiplexer hashes the same
    /// bytes as it routes them and compares at the end marker (demultiplexer.go, "CRC mismatch for namespace"). It covers
    /// only the documents, not the headers or terminators, so a mismatch with the framing intact is damage to that
    /// namespace's documents alone. An absent CRC reads as 0, as mongorestore reads it, so it matches only a namespace
    /// with no documents. A checksum cannot say which document changed: the offset is the end marker's.
    /// </summary>
    private CorruptDumpException? ChecksumDamage(ArchiveSegmentReader.Segment end, string what, Crc64Ecma crc) =>
        end.Crc == crc.Value ? null
            : new CorruptDumpException(_file, end.Offset,
                $"{what} do not match the checksum mongodump recorded "
                + $"(expected {end.Crc:x16}, read {crc.Value:x16}) in the end marker at this offset: one of them changed");

    /// <summary>
    /// As mongorestore's demultiplexer requires: a segment belongs to a namespace the prelude lists, and nothing of a
    /// namespace follows its end marker (documents there would otherwise be dropped unseen).
    /// </summary>
    private void CheckSegmentOrder(ArchiveSegmentReader.Segment segment, HashSet<(string, string)> closed)
    {
        var key = (segment.Database, segment.Collection);
        var name = $"{segment.Database}.{segment.Collection}";
        if (!_listed.Contains(key))
            throw new CorruptDumpException(_file, segment.Offset, $"a segment holds '{name}', which the archive's header does not list");
        if (segment.IsEnd ? !closed.Add(key) : closed.Contains(key))
            throw new CorruptDumpException(_file, segment.Offset, $"a segment of '{name}' follows the end marker of that namespace");
    }
}
