using System.Text.Json.Serialization;
using MongoDB.Bson;

namespace MongoBackup.Engine.Model;

/// <summary>The server a snapshot was taken from, as the manifest records it (never with credentials).</summary>
public sealed class SnapshotSource
{
    /// <summary>"Standalone", "ReplicaSet" or "Sharded".</summary>
    public string Topology { get; set; } = "";
    /// <summary>The replica set name; null for a standalone server.</summary>
    public string? ReplicaSetName { get; set; }
    /// <summary>
    /// The server's version (buildInfo), such as "7.0.14": an export's archive prelude names it, and oplog forms depend on it.
    /// </summary>
    public string ServerVersion { get; set; } = "";
    /// <summary>host:port of the members, never with credentials.</summary>
    public List<string> Hosts { get; set; } = [];
    /// <summary>
    /// The replica set's identity: its configuration's settings.replicaSetId (an ObjectId fixed when the set was initiated,
    /// as 24 hex digits), which tells apart two sets of the same name. Null for a standalone server, a mongos, a source
    /// whose configuration could not be read (replSetGetConfig refused), and manifests written before it was recorded;
    /// left out of the JSON then, so those manifests read and seal as before. A cluster records each shard's beside it.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? ReplicaSetId { get; set; }
}

/// <summary>Writes lost between two oplog slices: after <see cref="From"/> and before <see cref="To"/>.</summary>
public sealed record OplogGap(OplogTimestamp From, OplogTimestamp To)
{
    /// <summary>For messages: the span whose writes were lost, by wall time and timestamp.</summary>
    public override string ToString() => $"writes after {From.WallTime:u} ({From}) and before {To.WallTime:u} ({To}) lost";
}

/// <summary>A cluster time and the wall time it corresponds to.</summary>
public sealed record ConsistencyPoint(OplogTimestamp Timestamp, DateTimeOffset WallTime)
{
    /// <summary>An oplog entry's timestamp (ts) and wall time (wall, to the millisecond); entries of old servers without a wall time get their second.</summary>
    /// <exception cref="KeyNotFoundException">The entry has no ts.</exception>
    /// <exception cref="InvalidCastException">Its ts is not a BSON timestamp.</exception>
    public static ConsistencyPoint OfEntry(BsonDocument entry)
    {
        var ts = OplogTimestamp.FromBsonTimestamp(entry["ts"].AsBsonTimestamp);
        var wall = entry.TryGetValue("wall", out var w) && w.IsValidDateTime
            ? DateTimeOffset.FromUnixTimeMilliseconds(w.AsBsonDateTime.MillisecondsSinceEpoch)
            : ts.WallTime;
        return new ConsistencyPoint(ts, wall);
    }

    /// <summary>For messages: "Timestamp(s, i) (wall time)".</summary>
    public override string ToString() => $"{Timestamp} ({WallTime:u})";
}

/// <summary>One namespace of a snapshot: its type, and the documents and bytes (uncompressed BSON) its data file holds.</summary>
public sealed record ManifestNamespace(string Database, string Collection, string Type, long Documents, long Bytes)
{
    /// <summary>"database.collection", as <see cref="ManifestFile.Namespace"/> names it.</summary>
    [JsonIgnore]
    public string FullName => Database + "." + Collection;
}

/// <summary>
/// One file of a snapshot: its path relative to the snapshot root ('/' separators), size, SHA-256 (lowercase hex), role
/// (<see cref="Kind"/>) and the namespace it belongs to.
/// </summary>
public sealed record ManifestFile(string Path, long Size, string Sha256, ManifestFileKind Kind)
{
    /// <summary>
    /// "database.collection" of the manifest namespace whose data or metadata this file is (a timeseries collection's
    /// buckets file belongs to the collection); null for the oplog, and in manifests written before files were bound.
    /// </summary>
    public string? Namespace { get; init; }
}

/// <summary>An encrypted snapshot's manifest seal: the algorithm and the tag (lowercase hex). See <see cref="SnapshotManifest.Seal"/>.</summary>
public sealed record ManifestSeal(string Algorithm, string Tag);

/// <summary>
/// How a snapshot's files are encrypted: algorithm, key id (the user's key fingerprint), the data key wrapped by
/// that key, and how the user's key is made from a passphrase (KDF, base64 salt, iterations; "raw" for a key file).
/// </summary>
public sealed record ManifestEncryption(string Algorithm, string KeyId, string WrappedDataKey)
{
    /// <summary>
    /// "PBKDF2-HMAC-SHA256" for a passphrase, "raw" for a key file (<see cref="Security.KeyEncryptionKey"/>).
    /// </summary>
    public string Kdf { get; init; } = "";
    /// <summary>The passphrase's salt, base64 (16 bytes); null for a key file.</summary>
    public string? KdfSalt { get; init; }
    /// <summary>PBKDF2 iterations for a passphrase (600,000 by default); 0 for a key file.</summary>
    public int KdfIterations { get; init; }
}
