using System.Globalization;
using MongoDB.Bson;

namespace MongoBackup.TestServer;

/// <summary>
/// The mongod server parameters this server honours, set at startup as mongod's <c>--setParameter name=value</c> sets
/// them. Both are startup-only in MongoDB, so the setParameter command refuses to change them at runtime.
/// </summary>
/// <remarks>
/// Sources: transaction_participant.idl (maxNumberOfTransactionOperationsInSingleOplogEntry: startup only, int, default
/// 2147483647, at least 1; a generated transaction_participant_gen.cpp registers it as kStartupOnly) and
/// test_commands_enabled (enableTestCommands: startup only, false by default).
/// </remarks>
public sealed class ServerParameters
{
    public const string MaxTransactionOperationsPerEntryName = "maxNumberOfTransactionOperationsInSingleOplogEntry";
    public const string EnableTestCommandsName = "enableTestCommands";

    /// <summary>The defaults of a mongod started without --setParameter.</summary>
    public static ServerParameters Defaults { get; } = new(int.MaxValue, false);

    private ServerParameters(int maxTransactionOperationsPerEntry, bool enableTestCommands)
    {
        MaxTransactionOperationsPerEntry = maxTransactionOperationsPerEntry;
        EnableTestCommands = enableTestCommands;
    }

    /// <summary>How many operations one applyOps entry of a transaction holds at most before the chain continues.</summary>
    public int MaxTransactionOperationsPerEntry { get; }

    /// <summary>Whether test-only commands (prepareTransaction on a replica set that is not a shard) are accepted.</summary>
    public bool EnableTestCommands { get; }

    /// <summary>The parameter names this server knows, as getParameter and setParameter spell them.</summary>
    public static IReadOnlyCollection<string> Names { get; } = [MaxTransactionOperationsPerEntryName, EnableTestCommandsName];

    /// <summary>Parses name=value pairs as mongod's --setParameter does; an unknown name or a bad value is an ArgumentException naming it.</summary>
    public static ServerParameters FromStartup(IReadOnlyDictionary<string, string>? values)
    {
        var parameters = Defaults;
        foreach (var (name, value) in values ?? new Dictionary<string, string>())
        {
            parameters = name switch
            {
                MaxTransactionOperationsPerEntryName => new ServerParameters(ParseAtLeastOne(name, value), parameters.EnableTestCommands),
                EnableTestCommandsName => new ServerParameters(parameters.MaxTransactionOperationsPerEntry, ParseBool(name, value)),
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
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a server parameter"),
    };

    private static int ParseAtLeastOne(string name, string value)
    {
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) || number < 1)
            throw new ArgumentException($"server parameter '{name}' must be an integer of at least 1, not '{value}'");
        return number;
    }

    private static bool ParseBool(string name, string value) => value switch
    {
        "1" or "true" => true,
        "0" or "false" => false,
        _ => throw new ArgumentException($"server parameter '{name}' must be true, false, 1 or 0, not '{value}'"),
    };
}
