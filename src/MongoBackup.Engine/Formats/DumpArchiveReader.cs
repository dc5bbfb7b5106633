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
        var pump = Task.Run(() => PumpAsync(sinks, ct), CancellationToken.None);
        await Task.WhenAll(consumers.Append(pump)).ConfigureAwait(false);
    }

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
    private async Task PumpAsync(Dictionary<(string, string), ArchiveNamespaceSink> sinks, CancellationToken ct)
    {
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
                        // mongodump records the checksum in every end marker (common/archive/multiplexer.go); an absent one
                        // reads as 0, as mongorestore reads it (demultiplexer.go), so it matches only a namespace with no documents.
                        if (segment.Crc != finished.Crc.Value)
                            throw new CorruptDumpException(_file, segment.Offset,
                                $"the documents of '{finished.Namespace.FullName}' do not match the checksum mongodump recorded "
                                + $"(expected {segment.Crc:x16}, read {finished.Crc.Value:x16})");
                        ended.Add(finished);
                        await finished.FlushAsync(ct).ConfigureAwait(false);
                        finished.Complete();
                    }
                    continue;
                }
                sinks.TryGetValue(key, out var sink);
                while (await segments.NextDocumentAsync(ct).ConfigureAwait(false) is { } document)
                    if (sink is not null)
                    {
                        sink.Crc.Append(document);
                        await sink.WriteAsync(document, ct).ConfigureAwait(false);
                    }
                // Segments of namespaces interleave: what one brought goes on now, so no namespace holds a block waiting.
                if (sink is not null) await sink.FlushAsync(ct).ConfigureAwait(false);
            }
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
