using MongoBackup.TestServer.Wire;
using MongoDB.Bson;
using static MongoBackup.TestServer.Commands.FieldRule;

namespace MongoBackup.TestServer.Commands;

/// <summary>
/// The commands this server serves whose mongod parser is a strict IDL command (an unknown field is refused), with
/// their fields as the named IDL file declares them (mongodb/mongo, src/mongo/...). A command not listed here is
/// checked by its own handler only. Fields declared but not served are refused when given a value that would change
/// the result (see <see cref="FieldRule"/>); fields that change nothing on a one-member in-memory server (allowDiskUse,
/// noCursorTimeout: its cursors never time out; oplogReplay: a no-op since 4.4) are taken.
/// </summary>
internal static class CommandShapes
{
    /// <summary>A strict IDL struct or command of these fields.</summary>
    internal static CommandShape Shape(string source, params (string Name, FieldRule Rule)[] fields) =>
        new(source, fields.ToDictionary(f => f.Name, f => f.Rule, StringComparer.Ordinal));

    /// <summary>A struct IDL marks "strict: false": fields it does not declare are left to the command's own code.</summary>
    internal static CommandShape Lenient(string source, FieldRule value, params (string Name, FieldRule Rule)[] fields) =>
        new(source, fields.ToDictionary(f => f.Name, f => f.Rule, StringComparer.Ordinal), strict: false, value);

    // WriteCommandRequestBase (db/ops/write_ops.idl), chained into insert, update and delete.
    private static readonly (string, FieldRule)[] WriteBase =
    [
        ("bypassDocumentValidation", SafeBool), ("ordered", Bool), ("stmtId", Int), ("stmtIds", List),
        ("isTimeseriesNamespace", Bool.NotServedWhenTrue()), ("collectionUUID", Uuid.NotServed()), ("encryptionInformation", Document.NotServed()),
    ];

    private static readonly CommandShape UpdateStatement = Shape("db/ops/write_ops.idl UpdateOpEntry",
        ("q", Document.Required()), ("u", Any.Required()), ("c", Document.NotServed()), ("arrayFilters", List), ("hint", Any.NotServed()),
        ("multi", Bool), ("upsert", Bool), ("upsertSupplied", Bool.NotServedWhenTrue()), ("collation", Document));

    private static readonly CommandShape DeleteStatement = Shape("db/ops/write_ops.idl DeleteOpEntry",
        ("q", Document.Required()), ("limit", Any.Required()), ("hint", Any.NotServed()), ("collation", Document));

    private static readonly Dictionary<string, CommandShape> Shapes = new Dictionary<string, CommandShape>(StringComparer.Ordinal)
    {
        ["insert"] = Shape("db/ops/write_ops.idl", [.. WriteBase, ("documents", List.Required())]),
        ["update"] = Shape("db/ops/write_ops.idl", [.. WriteBase, ("updates", List.Required().Of(UpdateStatement)),
            ("let", Document.NotServed()), ("runtimeConstants", Document.NotServed()), ("mirrored", Bool.NotServedWhenTrue())]),
        ["delete"] = Shape("db/ops/write_ops.idl", [.. WriteBase, ("deletes", List.Required().Of(DeleteStatement)),
            ("let", Document.NotServed()), ("runtimeConstants", Document.NotServed())]),
        ["findAndModify"] = Shape("db/ops/write_ops.idl FindAndModifyCommandRequest",
            ("query", Document), ("fields", Document), ("sort", Document), ("hint", Any.NotServed()), ("collation", Document),
            ("arrayFilters", List), ("remove", SafeBool), ("update", Any), ("upsert", SafeBool), ("new", SafeBool), ("stmtId", Int),
            ("bypassDocumentValidation", SafeBool), ("let", Document.NotServed()), ("runtimeConstants", Document.NotServed()),
            ("encryptionInformation", Document.NotServed())),
        ["find"] = Shape("db/query/find_command.idl",
            ("filter", Document), ("projection", Document), ("sort", Document), ("hint", Any), ("collation", Document),
            ("skip", SafeInt64.AtLeastZero()), ("limit", SafeInt64.AtLeastZero()), ("batchSize", SafeInt64.AtLeastZero()),
            ("ntoreturn", SafeInt64.NotServed()), ("singleBatch", Bool), ("allowDiskUse", Bool), ("min", Document), ("max", Document),
            ("returnKey", Bool.NotServedWhenTrue()), ("showRecordId", Bool.NotServedWhenTrue()), ("$queryOptions", Document),
            ("tailable", Bool), ("oplogReplay", Any), ("noCursorTimeout", Bool), ("awaitData", Bool), ("allowPartialResults", Bool),
            ("let", Document.NotServed()), ("options", Document.NotServed()), ("term", SafeInt64.NotServed()), ("readOnce", Bool.NotServedWhenTrue()),
            ("allowSpeculativeMajorityRead", Bool.NotServedWhenTrue()), ("$_requestResumeToken", Bool.NotServedWhenTrue()),
            ("$_resumeAfter", Document.NotServed()), ("maxTimeMS", Any), ("readConcern", Document), ("runtimeConstants", Document.NotServed()),
            ("collectionUUID", Uuid.NotServed())),
        ["getMore"] = Shape("db/query/getmore_command.idl",
            ("collection", Text.Required()), ("batchSize", SafeInt64), ("maxTimeMS", SafeInt64), ("term", Long.NotServed()),
            ("lastKnownCommittedOpTime", Document.NotServed())),
        ["killCursors"] = Shape("db/query/kill_cursors.idl", ("cursors", List.Required())),
        ["count"] = Shape("db/query/count_command.idl",
            ("query", Document), ("limit", Any), ("skip", Any), ("hint", Any), ("collation", Document), ("fields", Document),
            ("readConcern", Document), ("maxTimeMS", Any), ("$queryOptions", Document), ("encryptionInformation", Document.NotServed())),
        ["aggregate"] = Shape("db/pipeline/aggregate_command.idl",
            ("pipeline", Any.Required()), ("explain", Bool.NotServedWhenTrue()), ("allowDiskUse", Bool), ("cursor", Document),
            ("maxTimeMS", SafeInt64.AtLeastZero()), ("bypassDocumentValidation", SafeBool), ("readConcern", Document),
            ("collation", Document), ("hint", Any.NotServed()), ("writeConcern", Document), ("let", Document.NotServed()),
            ("needsMerge", Bool.NotServedWhenTrue()), ("fromMongos", Bool.NotServedWhenTrue()), ("$queryOptions", Document),
            ("$_requestReshardingResumeToken", Bool.NotServedWhenTrue()), ("exchange", Document.NotServed()),
            ("runtimeConstants", Document.NotServed()), ("isMapReduceCommand", Bool.NotServedWhenTrue()), ("collectionUUID", Uuid.NotServed()),
            ("$_passthroughToShard", Document.NotServed()), ("encryptionInformation", Document.NotServed()),
            ("$_externalDataSources", List.NotServed()), ("sampleId", Uuid.NotServed()), ("stmtId", Int.NotServed()),
            ("$_isClusterQueryWithoutShardKeyCmd", Bool.NotServedWhenTrue()), ("$_requestResumeToken", Bool.NotServedWhenTrue()),
            ("$_resumeAfter", Document.NotServed())),
        ["listCollections"] = Shape("db/list_collections.idl",
            ("cursor", Document), ("filter", Document), ("nameOnly", Bool), ("authorizedCollections", Bool), ("includePendingDrops", SafeBool)),
        ["listIndexes"] = Shape("db/list_indexes.idl",
            ("cursor", Document), ("includeBuildUUIDs", SafeBool.NotServedWhenTrue()), ("includeIndexBuildInfo", SafeBool.NotServedWhenTrue()),
            ("isTimeseriesNamespace", Bool.NotServedWhenTrue())),
        ["listDatabases"] = Shape("db/commands/list_databases.idl",
            ("filter", Document), ("nameOnly", Bool), ("authorizedDatabases", Bool)),
        ["createIndexes"] = Shape("db/create_indexes.idl",
            ("v", SafeInt64), ("indexes", List.Required()), ("ignoreUnknownIndexOptions", SafeBool),
            ("commitQuorum", Any), ("returnOnStart", Bool.NotServedWhenTrue()), ("isTimeseriesNamespace", Bool.NotServedWhenTrue()),
            ("collectionUUID", Uuid.NotServed())),
        ["drop"] = Shape("db/drop.idl", ("collectionUUID", Uuid.NotServed())),
        // CollModRequest; timeseriesBucketsMayHaveMixedSchemaData (which mongorestore sends for time-series collections),
        // cappedSize and cappedMax (served: CollModCommand) are later additions to the same file. What the command does not serve is refused here
        // as not implemented; the command refuses a view option on a collection and the reverse itself.
        ["collMod"] = Shape("db/coll_mod.idl",
            ("index", Document), ("validator", Document), ("validationLevel", Any), ("validationAction", Any), ("viewOn", Text),
            ("pipeline", List), ("recordPreImages", SafeBool), ("changeStreamPreAndPostImages", AdminShapes.PreAndPostImages), ("expireAfterSeconds", Any),
            ("timeseries", Document.NotServed()), ("isTimeseriesNamespace", Bool.NotServedWhenTrue()), ("dryRun", SafeBool.NotServedWhenTrue()),
            ("timeseriesBucketsMayHaveMixedSchemaData", Any.NotServed()), ("cappedSize", SafeInt64.Within(1, 1L << 50)), ("cappedMax", SafeInt64)),
        ["dropIndexes"] = Shape("db/drop_indexes.idl",
            ("index", new FieldRule([BsonType.String, BsonType.Array, BsonType.Document]) { IsRequired = true }),
            ("isTimeseriesNamespace", Bool.NotServedWhenTrue()), ("collectionUUID", Uuid.NotServed())),
        // ApplyOpsCommandInfoBase is not strict: the command reads its other fields (bypassDocumentValidation,
        // oplogApplicationMode) itself. The command's value is the array of entries, the struct's field applyOps: its
        // type is the command's own check (db/commands/apply_ops_cmd.cpp), made before the struct is parsed, but its
        // members' names are the struct's. alwaysUpsert: false and preCondition change what is applied and are not
        // served; prepare is refused by the command. allowAtomic: true asks for the entries to be applied in one unit
        // (all or none, logged as one applyOps entry: the atomic mode of apply_ops.cpp before SERVER-33182 removed it);
        // this server applies and logs each entry on its own, as apply_ops.cpp's _applyOps does, which is what
        // allowAtomic: false asks for, so false is taken and true refused.
        ["applyOps"] = Lenient("db/repl/apply_ops.idl", Any,
            ("allowAtomic", Bool.NotServedWhenTrue()), ("alwaysUpsert", Bool with { ServedOnlyWhen = value => value.ToBoolean() }),
            ("preCondition", List.NotServed()), ("prepare", Bool)),
    }.Concat(AdminShapes.All).Concat(ClusterShapes.All).ToDictionary(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="command"/> (or the command it is an alias of) is checked against its declared shape.</summary>
    public static bool Covers(string command) => Shapes.ContainsKey(AliasOf(command));

    /// <summary>An alias is parsed as the command it names (IDL command_alias; the parser's context is the command's own name).</summary>
    private static string AliasOf(string command) => command switch
    {
        "deleteIndexes" => "dropIndexes",
        "isMaster" or "ismaster" => "hello", // repl/hello.idl: one command, aliases isMaster and ismaster
        "shardcollection" => "shardCollection",
        "findandmodify" => "findAndModify", // write_ops.idl: command_alias findandmodify
        _ => command,
    };

    /// <summary>Checks <paramref name="body"/> when its command is listed (a no-op otherwise); throws mongod's refusal.</summary>
    public static void Check(string command, BsonDocument body, IReadOnlyDictionary<string, MisnamedMember>? misnamed)
    {
        var name = AliasOf(command);
        if (!Shapes.TryGetValue(name, out var shape)) return;
        try
        {
            shape.Check(body, name, skip: 1, misnamed, generic: true);
        }
        catch (CommandFailure failure) when (name == "applyOps" && failure.Code != 59)
        {
            // ApplyOpsCommandInfo::parse (db/repl/apply_ops_command_info.cpp) adds the command to its parser's errors
            // (59, this server's refusal of what it does not serve, is not one of them).
            throw new CommandFailure(failure.Code, failure.CodeName, $"Failed to parse applyOps command: {body.ToJson()} :: caused by :: {failure.Message}");
        }
    }
}
