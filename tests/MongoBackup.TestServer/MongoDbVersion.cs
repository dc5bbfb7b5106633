namespace MongoBackup.TestServer;

/// <summary>
/// The MongoDB release a test server answers as, and the oplog forms that release writes: what hello, buildInfo,
/// serverStatus and getParameter's featureCompatibilityVersion report and how a retryable insertMany is logged agree.
/// </summary>
/// <remarks>
/// Sources: wire versions from the server's wire_version.h (7.0: WIRE_VERSION_70 = 21; 8.0: WIRE_VERSION_80 = 25).
/// A retryable insertMany (a vectored insert, write_ops_exec.cpp insertBatchAndHandleErrors) is logged one 'i' entry
/// per document on 7.0, each with lsid, txnNumber, stmtId and the prevOpTime of the one before; 8.0 groups them into
/// applyOps entries with multiOpType 1 (featureFlagReplicateVectoredInsertsTransactionally, repl_server_parameters.idl,
/// version "8.0"; jstests/multiVersion/.../retryable_write_sessions_truncated_on_fcv_downgrade.js: the flag "results in
/// oplog entries which can't be read by older versions"), as mongo-tools' 8.0 captures hold them
/// (mongorestore/testdata/oplogs/bson/vectored_insert.bson). See <see cref="Oplog.RetryableWriteLog"/>.
/// </remarks>
public sealed record MongoDbVersion
{
    /// <summary>MongoDB 7.0 (the default): a retryable insertMany logs one insert entry per document.</summary>
    public static MongoDbVersion V7_0 { get; } = new("7.0.14", [7, 0, 14, 0], "7.0", 21, groupsVectoredInserts: false);

    /// <summary>MongoDB 8.0: a retryable insertMany logs its inserts grouped in applyOps entries, multiOpType 1.</summary>
    public static MongoDbVersion V8_0 { get; } = new("8.0.4", [8, 0, 4, 0], "8.0", 25, groupsVectoredInserts: true);

    private MongoDbVersion(string version, int[] versionArray, string featureCompatibilityVersion, int maxWireVersion, bool groupsVectoredInserts)
    {
        Version = version;
        VersionArray = versionArray;
        FeatureCompatibilityVersion = featureCompatibilityVersion;
        MaxWireVersion = maxWireVersion;
        GroupsVectoredInserts = groupsVectoredInserts;
    }

    /// <summary>buildInfo's and serverStatus' version, e.g. "7.0.14".</summary>
    public string Version { get; }

    /// <summary>buildInfo's versionArray: major, minor, patch, 0.</summary>
    public IReadOnlyList<int> VersionArray { get; }

    /// <summary>getParameter's featureCompatibilityVersion.version, e.g. "7.0".</summary>
    public string FeatureCompatibilityVersion { get; }

    /// <summary>hello's maxWireVersion.</summary>
    public int MaxWireVersion { get; }

    /// <summary>Whether a retryable write's consecutive inserts are logged grouped in applyOps entries (8.0) or one entry each (7.0).</summary>
    public bool GroupsVectoredInserts { get; }

    /// <summary>The release "7.0" or "8.0" names (as the command line's --mongodbVersion takes it); null for another.</summary>
    public static MongoDbVersion? Named(string name) => name switch
    {
        "7.0" => V7_0,
        "8.0" => V8_0,
        _ => null,
    };
}
