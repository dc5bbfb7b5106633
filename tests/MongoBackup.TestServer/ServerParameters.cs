using System.Globalization;
using MongoDB.Bson;

namespace MongoBackup.TestServer;

/// <summary>
/// The mongod server parameters this server honours, set at startup as mongod's <c>--setParameter name=value</c> sets
/// them. The first two are startup-only in MongoDB; orphanCleanupDelaySecs may also change at runtime there, which this
/// server does not implement: its setParameter command refuses to change any of them at runtime.
/// </summary>
/// <remarks>
/// Sources: transaction_participant.idl (maxNumberOfTransactionOperationsInSingleOplogEntry: startup only, int, default
/// 2147483647, at least 1; a generated transaction_participant_gen.cpp registers it as kStartupOnly) and
/// test_commands_enabled (enableTestCommands: startup only, false by default), db/s/sharding_runtime_d_params.idl
/// (orphanCleanupDelaySecs: "How long to wait before starting cleanup of an emigrated chunk range", int, default 900).
/// </remarks>
public sealed record ServerParameters
{
    public const string MaxTransactionOperationsPerEntryName = "maxNumberOfTransactionOperationsInSingleOplogEntry";
    public const string EnableTestCommandsName = "enableTestCommands";
    public const string OrphanCleanupDelaySecsName = "orphanCleanupDelaySecs";

    /// <summary>The defaults of a mongod started without --setParameter.</summary>
    public static ServerParameters Defaults { get; } = new();

    private ServerParameters() { }

    /// <summary>How many operations one applyOps entry of a transaction holds at most before the chain continues.</summary>
    public int MaxTransactionOperationsPerEntry { get; private init; } = int.MaxValue;

    /// <summary>Whether test-only commands (prepareTransaction on a replica set that is not a shard) are accepted.</summary>
    public bool EnableTestCommands { get; private init; }

    /// <summary>
    /// Seconds a donor shard keeps a chunk's documents after the chunk moved away, before its range deleter removes them
    /// (moveChunk with _waitForDelete deletes at once, migration_source_manager.cpp kNow); until then they are orphans.
    /// </summary>
    public int OrphanCleanupDelaySecs { get; private init; } = 900;

    /// <summary>
    /// These parameters with one MongoDB lets setParameter change at runtime (orphanCleanupDelaySecs: set_at startup and
    /// runtime, no validator, so any int); null for a startup-only one or a value that is not an integer.
    /// </summary>
    public ServerParameters? WithRuntime(string name, BsonValue value) =>
        name == OrphanCleanupDelaySecsName && value is BsonInt32 or BsonInt64 or BsonDouble && value.ToDouble() == Math.Floor(value.ToDouble())
            && value.ToDouble() is >= int.MinValue and <= int.MaxValue
            ? this with { OrphanCleanupDelaySecs = (int)value.ToDouble() } : null;

    /// <summary>The parameter names this server knows, as getParameter and setParameter spell them.</summary>
    public static IReadOnlyCollection<string> Names { get; } = [MaxTransactionOperationsPerEntryName, EnableTestCommandsName, OrphanCleanupDelaySecsName];

    /// <summary>Parses name=value pairs as mongod's --setParameter does; an unknown name or a bad value is an ArgumentException naming it.</summary>
    public static ServerParameters FromStartup(IReadOnlyDictionary<string, string>? values)
    {
        var parameters = Defaults;
        foreach (var (name, value) in values ?? new Dictionary<string, string>())
        {
            parameters = name switch
            {
                MaxTransactionOperationsPerEntryName => parameters with { MaxTransactionOperationsPerEntry = ParseAtLeast(name, value, 1) },
                EnableTestCommandsName => parameters with { EnableTestCommands = ParseBool(name, value) },
                OrphanCleanupDelaySecsName => parameters with { OrphanCleanupDelaySecs = ParseAtLeast(name, value, int.MinValue) },
                _ => throw new ArgumentException($"unknown server parameter '{name}' (known: {string.Join(", ", Names)})", nameof(values)),
            };
        }
        return parameters;
    }

    /// <summary>The parameter's value as getParameter reports it.</summary>
    public BsonValue ValueOf(string name) => name switch
    {
        MaxTransactionOperationsPerEntryName => new BsonInt32(MaxTransactionOperationsPerEntry),
        EnableTestCommandsName => new BsonBoolean(EnableTestCommands),
        OrphanCleanupDelaySecsName => new BsonInt32(OrphanCleanupDelaySecs),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a server parameter"),
    };

    private static int ParseAtLeast(string name, string value, int least)
    {
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) || number < least)
            throw new ArgumentException($"server parameter '{name}' must be an integer of at least {least}, not '{value}'");
        return number;
    }

    private static bool ParseBool(string name, string value) => value switch
    {
        "1" or "true" => true,
        "0" or "false" => false,
        _ => throw new ArgumentException($"server parameter '{name}' must be true, false, 1 or 0, not '{value}'"),
    };
}
