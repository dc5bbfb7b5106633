using System.Globalization;
using MongoDB.Bson;

namespace MongoBackup.TestServer;

/// <summary>
/// The mongod server parameters this server honours, set at startup as mongod's <c>--setParameter name=value</c> sets
/// them. maxNumberOfTransactionOperationsInSingleOplogEntry, enableTestCommands and periodicNoopIntervalSecs are
/// startup-only in MongoDB; orphanCleanupDelaySecs and writePeriodicNoops may also change at runtime there, and setParameter
/// changes them here too.
/// </summary>
/// <remarks>
/// Sources: transaction_participant.idl (maxNumberOfTransactionOperationsInSingleOplogEntry: startup only, int, default
/// 2147483647, at least 1; a generated transaction_participant_gen.cpp registers it as kStartupOnly) and
/// test_commands_enabled (enableTestCommands: startup only, false by default), db/s/sharding_runtime_d_params.idl
/// (orphanCleanupDelaySecs: "How long to wait before starting cleanup of an emigrated chunk range", int, default 900),
/// repl/replication_coordinator_impl.idl (periodicNoopIntervalSecs: "Number of seconds between noop writer writes", set_at
/// startup, int, default 10, validator gt 0 and lte 10) and repl/repl_server_parameters.idl (writePeriodicNoops: "Sets
/// whether to write periodic noops or not", set_at startup and runtime, bool, default true); both are read by
/// repl/noop_writer.cpp (see <see cref="Oplog.PeriodicNoopWriter"/>).
/// </remarks>
public sealed record ServerParameters
{
    public const string MaxTransactionOperationsPerEntryName = "maxNumberOfTransactionOperationsInSingleOplogEntry";
    public const string EnableTestCommandsName = "enableTestCommands";
    public const string OrphanCleanupDelaySecsName = "orphanCleanupDelaySecs";
    public const string PeriodicNoopIntervalSecsName = "periodicNoopIntervalSecs";
    public const string WritePeriodicNoopsName = "writePeriodicNoops";

    /// <summary>mongod's default periodicNoopIntervalSecs, which is also its largest value.</summary>
    public const int DefaultPeriodicNoopIntervalSecs = 10;

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
    /// Seconds between the ticks of a primary's no-op writer: at each tick it writes {op: "n", ns: "", o: {msg: "periodic
    /// noop"}} when nothing was written since the tick before (see <see cref="Oplog.PeriodicNoopWriter"/>). 1 to 10.
    /// </summary>
    public int PeriodicNoopIntervalSecs { get; private init; } = DefaultPeriodicNoopIntervalSecs;

    /// <summary>Whether the no-op writer writes at its ticks (it still ticks when this is off, as noop_writer.cpp does).</summary>
    public bool WritePeriodicNoops { get; private init; } = true;

    /// <summary>
    /// These parameters with one MongoDB lets setParameter change at runtime (orphanCleanupDelaySecs: set_at startup and
    /// runtime, no validator, so any int; writePeriodicNoops: set_at startup and runtime, a bool, which takes any value by its
    /// truth, as BSONElement::coerce&lt;bool&gt; takes trueValue()); null for a startup-only one or an orphanCleanupDelaySecs that is
    /// not an integer.
    /// </summary>
    public ServerParameters? WithRuntime(string name, BsonValue value) => name switch
    {
        OrphanCleanupDelaySecsName when value is BsonInt32 or BsonInt64 or BsonDouble && value.ToDouble() == Math.Floor(value.ToDouble())
            && value.ToDouble() is >= int.MinValue and <= int.MaxValue => this with { OrphanCleanupDelaySecs = (int)value.ToDouble() },
        WritePeriodicNoopsName => this with { WritePeriodicNoops = TrueValue(value) },
        _ => null,
    };

    /// <summary>BSONElement::trueValue: false, null, undefined and numeric zero are false; every other value is true.</summary>
    private static bool TrueValue(BsonValue value) => value switch
    {
        BsonBoolean b => b.Value,
        BsonInt32 or BsonInt64 or BsonDouble or BsonDecimal128 => value.ToDouble() != 0,
        BsonNull or BsonUndefined => false,
        _ => true,
    };

    /// <summary>The parameter names this server knows, as getParameter and setParameter spell them.</summary>
    public static IReadOnlyCollection<string> Names { get; } = [MaxTransactionOperationsPerEntryName, EnableTestCommandsName, OrphanCleanupDelaySecsName, PeriodicNoopIntervalSecsName, WritePeriodicNoopsName];

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
                PeriodicNoopIntervalSecsName => parameters with { PeriodicNoopIntervalSecs = ParseBetween(name, value, 1, DefaultPeriodicNoopIntervalSecs) },
                WritePeriodicNoopsName => parameters with { WritePeriodicNoops = ParseBool(name, value) },
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
        PeriodicNoopIntervalSecsName => new BsonInt32(PeriodicNoopIntervalSecs),
        WritePeriodicNoopsName => new BsonBoolean(WritePeriodicNoops),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a server parameter"),
    };

    private static int ParseAtLeast(string name, string value, int least)
    {
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) || number < least)
            throw new ArgumentException($"server parameter '{name}' must be an integer of at least {least}, not '{value}'");
        return number;
    }

    private static int ParseBetween(string name, string value, int least, int most)
    {
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) || number < least || number > most)
            throw new ArgumentException($"server parameter '{name}' must be an integer from {least} to {most}, not '{value}'");
        return number;
    }

    private static bool ParseBool(string name, string value) => value switch
    {
        "1" or "true" => true,
        "0" or "false" => false,
        _ => throw new ArgumentException($"server parameter '{name}' must be true, false, 1 or 0, not '{value}'"),
    };
}
