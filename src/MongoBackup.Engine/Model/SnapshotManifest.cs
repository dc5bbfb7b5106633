using System.Text.Json;
using System.Text.Json.Serialization;

namespace MongoBackup.Engine.Model;

/// <summary>What a snapshot holds.</summary>
public enum SnapshotKind
{
    /// <summary>Databases and collections (mongodump's layout), with the oplog written while they were read.</summary>
    Full,

    /// <summary>An oplog slice: the oplog entries since the previous slice or full snapshot, in oplog.bson.</summary>
    Oplog,
}

/// <summary>How a snapshot ended. A run that never finished leaves no manifest at all, so it has no status.</summary>
public enum SnapshotStatus
{
    /// <summary>Every file was written and the manifest committed: restorable.</summary>
    Complete,

    /// <summary>Recorded as failed: never restored nor taken as a base; retention removes it.</summary>
    Failed,
}

/// <summary>
/// What a snapshot file holds: documents, mongodump's metadata.json, the oplog, or the exact BSON metadata kept beside a
/// metadata.json that Extended JSON cannot hold exactly (written only then, so older versions still read the others).
/// </summary>
public enum ManifestFileKind
{
    /// <summary>DB/COLL.bson: the documents as raw BSON, end to end.</summary>
    Data,

    /// <summary>DB/COLL.metadata.json: mongodump's Extended JSON of the options, indexes, type and UUID.</summary>
    Metadata,

    /// <summary>oplog.bson: oplog entries in timestamp order.</summary>
    Oplog,

    /// <summary>DB/COLL.metadata.bsn: the metadata as BSON, where Extended JSON cannot hold it exactly.</summary>
    ExactMetadata,
}

/// <summary>
/// manifest.json: what a snapshot holds, written last so that a snapshot exists only once it is whole.
/// Never holds a credential.
/// </summary>
public sealed class SnapshotManifest
{
    /// <summary>Bumped when the manifest's shape changes incompatibly.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>
    /// What manifests written now bind (see <see cref="Integrity"/>): each file's namespace, role and size, each
    /// namespace's count and bytes, a full snapshot's oplog entry count, and (encrypted) a seal over the whole manifest.
    /// </summary>
    public const int CurrentIntegrity = 1;
    /// <summary>The manifest's file name at the root of each snapshot folder.</summary>
    public const string FileName = "manifest.json";

    /// <summary>Where a folder repository writes the manifest before renaming it into place.</summary>
    public const string TempFileName = FileName + ".tmp";

    /// <summary>The manifest shape this file follows; a reader refuses a version it does not know.</summary>
    public int FormatVersion { get; set; } = CurrentFormatVersion;
    /// <summary>
    /// The snapshot id, "yyyyMMddTHHmmssfffZ-kind-random" (UTC start time first, so ids sort by time); also its folder name.
    /// </summary>
    public string Id { get; set; } = "";
    /// <summary>Full snapshot or oplog slice.</summary>
    public SnapshotKind Kind { get; set; }
    /// <summary>
    /// Complete, or Failed with the error in the manifest; only Complete snapshots are restored, listed as usable or counted.
    /// </summary>
    public SnapshotStatus Status { get; set; }
    /// <summary>The MongoBackup version that wrote the snapshot (<see cref="EngineVersion.Current"/>).</summary>
    public string ToolVersion { get; set; } = "";
    /// <summary>The server it was taken from; slices and full snapshots of one replica set name belong together.</summary>
    public SnapshotSource Source { get; set; } = new();
    /// <summary>When the run began (UTC, written as ISO 8601 "Z"): what -FullEvery and retention measure from.</summary>
    public DateTimeOffset StartTime { get; set; }
    /// <summary>When the run finished writing its files (UTC); listings sort by it, newest first.</summary>
    public DateTimeOffset EndTime { get; set; }

    /// <summary>The cluster time the data is consistent at once the saved oplog is replayed; null for a standalone.</summary>
    public ConsistencyPoint? ConsistentAt { get; set; }
    /// <summary>
    /// True when the data plus its saved oplog restore to one moment (<see cref="ConsistentAt"/>): replica sets without -Query.
    /// </summary>
    public bool PointInTimeConsistent { get; set; }
    /// <summary>
    /// For an oplog slice, the first entry its file holds (inclusive). For a full snapshot, where its copy started,
    /// noted before the catalog was listed: the newest entry then, whose write the dump already holds (excluded from
    /// the file), or the first entry of the oldest transaction then open (included).
    /// </summary>
    public OplogTimestamp? OplogStart { get; set; }
    /// <summary>The last entry the snapshot's oplog file holds (inclusive).</summary>
    public OplogTimestamp? OplogEnd { get; set; }

    /// <summary>For an oplog slice: where the previous slice ended, so gaps between slices can be seen.</summary>
    public OplogTimestamp? PreviousSliceEnd { get; set; }

    /// <summary>For an oplog slice: how many entries it holds.</summary>
    public long OplogEntries { get; set; }

    /// <summary>
    /// For an oplog slice whose starting point had already rolled out of the server's oplog: the span whose
    /// writes are lost. Recorded, never hidden: no restore window crosses it.
    /// </summary>
    public OplogGap? Gap { get; set; }
    /// <summary>
    /// For a full snapshot: what the backup was asked to take (null in manifests written before scopes were
    /// recorded, read as <see cref="SnapshotScope.Whole"/>). Null for oplog slices, which hold the whole oplog.
    /// </summary>
    public SnapshotScope? Scope { get; set; }

    /// <summary>
    /// A full snapshot taken outside the backup chain (as dbatools' -CopyOnly): restorable on its own, but never the
    /// base of a restore window, never counted by retention or the policy as the chain's full snapshot.
    /// </summary>
    public bool CopyOnly { get; set; }

    /// <summary>
    /// A full snapshot of the backup chain (<see cref="SnapshotKind.Full"/>, not <see cref="CopyOnly"/>): the only kind
    /// that can be a chain's base, that the policy and retention count as its full snapshot and a removal guard keeps
    /// for its slices. Each of them adds what it needs besides (complete, a consistency point, the same source, a scope).
    /// </summary>
    [JsonIgnore]
    public bool IsChainFull => Kind == SnapshotKind.Full && !CopyOnly;

    /// <summary>The scope a full snapshot covers; <see cref="SnapshotScope.Whole"/> when the manifest records none.</summary>
    [JsonIgnore]
    public SnapshotScope EffectiveScope => Scope ?? SnapshotScope.Whole;

    /// <summary>
    /// For a snapshot of a sharded cluster: the cut and the shards (see <see cref="ClusterSection"/>); absent otherwise, so
    /// replica-set manifests are written as before and older versions read them unchanged.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ClusterSection? Cluster { get; set; }

    /// <summary>
    /// Each namespace taken, with its type, its document count and its raw BSON bytes (before compression or encryption).
    /// </summary>
    public List<ManifestNamespace> Namespaces { get; set; } = [];
    /// <summary>
    /// Each stored file with its path, kind, namespace, stored size in bytes (compressed, encrypted) and SHA-256.
    /// </summary>
    public List<ManifestFile> Files { get; set; } = [];
    /// <summary>How every file of the snapshot is compressed (one choice per snapshot).</summary>
    public Compression Compression { get; set; }

    /// <summary>
    /// The level the files were compressed at (see <see cref="Codecs.CompressionLevels"/>); null without compression, and in
    /// manifests written before levels were recorded (their gzip files were written at Fastest, their zstd at Optimal).
    /// </summary>
    public System.IO.Compression.CompressionLevel? CompressionLevel { get; set; }

    /// <summary>Encryption at rest; null while snapshots are not encrypted.</summary>
    public ManifestEncryption? Encryption { get; set; }
    /// <summary>The -Tag labels given to the run (ordinal keys); never a secret.</summary>
    public Dictionary<string, string> Tags { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// What this manifest binds, so a reader knows what it may check: 0 (absent) in manifests written before files were
    /// bound to their namespaces and a full snapshot's oplog entries were counted; <see cref="CurrentIntegrity"/> since.
    /// A new field, so older versions of MongoBackup still read these manifests (they ignore it).
    /// </summary>
    public int Integrity { get; set; }

    /// <summary>
    /// For an encrypted snapshot: an HMAC-SHA256 under a key derived from the snapshot's data key, over the canonical
    /// JSON of everything else in this manifest, so no field can change unseen by whoever holds the key. Null for plain
    /// snapshots (nothing secret to key it with) and for encrypted ones written before manifests were sealed.
    /// </summary>
    public ManifestSeal? Seal { get; set; }

    /// <summary>Fields this version does not know (written by a newer one), kept so a rewrite or copy does not drop them.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? UnknownFields { get; set; }

    /// <summary>
    /// The JSON this manifest was read from, exactly as stored: what its seal covers. Null for one built in memory, or
    /// changed since it was read (a seal then covers what it serializes to).
    /// </summary>
    [JsonIgnore]
    internal string? StoredJson { get; set; }

    /// <summary>
    /// For a view of one shard of a cluster snapshot: the folder ("shard0/") its file paths are under in the snapshot;
    /// empty for a snapshot read as itself.
    /// </summary>
    [JsonIgnore]
    internal string StoredUnder { get; init; } = "";

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase), new UtcDateTimeOffsetConverter() },
        TypeInfoResolver = ManifestJsonContext.Default,
    };

    /// <summary>
    /// The manifest as indented JSON (camelCase, enums as camelCase strings, times in UTC): what is stored as manifest.json.
    /// </summary>
    public string Serialize() => JsonSerializer.Serialize(this, JsonOptions);

    /// <exception cref="InvalidDataException">The text is not a manifest; the message names <paramref name="fileName"/>.</exception>
    public static SnapshotManifest Deserialize(string json, string fileName)
    {
        SnapshotManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<SnapshotManifest>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Manifest '{fileName}' is not valid: {e.Message}", e);
        }
        if (manifest is null)
            throw new InvalidDataException($"Manifest '{fileName}' is empty (null).");
        if (string.IsNullOrWhiteSpace(manifest.Id))
            throw new InvalidDataException($"Manifest '{fileName}' has no snapshot id.");
        if (manifest.FormatVersion > CurrentFormatVersion)
            throw new InvalidDataException(
                $"Manifest '{fileName}' has format version {manifest.FormatVersion}; this version of MongoBackup reads up to {CurrentFormatVersion}.");
        if (FindDamagedEntry(manifest) is { } damage)
            throw new InvalidDataException($"Manifest '{fileName}' is damaged: {damage}.");
        manifest.StoredJson = json;
        return manifest;
    }

    // JSON that parses can still lack what every reader relies on (a field renamed by damage reads as null).
    private static string? FindDamagedEntry(SnapshotManifest manifest)
    {
        if (manifest.Files is null || manifest.Namespaces is null) return "it has no list of files or namespaces";
        if (manifest.Scope is { } scope && scope.MissingList() is { } missing) return $"its scope has no list of {missing}";
        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in manifest.Files)
        {
            if (file is null || string.IsNullOrEmpty(file.Path) || file.Sha256 is null || file.Size < 0)
                return "a file entry has no path, size or SHA-256";
            if (!paths.Add(file.Path)) return $"'{file.Path}' is listed twice";
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var ns in manifest.Namespaces)
        {
            if (ns is null || ns.Database is null || ns.Collection is null || ns.Type is null)
                return "a namespace entry has no database, collection or type";
            if (!names.Add(ns.Database + "." + ns.Collection)) return $"the namespace {ns.Database}.{ns.Collection} is listed twice";
        }
        return null;
    }

    /// <summary>Writes every time as UTC ("Z") so manifests from different machines compare as text.</summary>
    private sealed class UtcDateTimeOffsetConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetDateTimeOffset().ToUniversalTime();

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToUniversalTime());
    }
}
