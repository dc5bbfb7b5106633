using MongoDB.Bson;
using static MongoBackup.TestServer.Commands.CommandShapes;
using static MongoBackup.TestServer.Commands.FieldRule;

namespace MongoBackup.TestServer.Commands;

/// <summary>
/// The shapes of the handshake, catalog, transaction, session and user commands this server serves, as the named IDL
/// file in mongodb/mongo declares them (src/mongo/...). What mongod serves and this server does not is refused when
/// given a value that would ask for it (see <see cref="FieldRule"/>).
/// </summary>
internal static class AdminShapes
{
    /// <summary>A flag asking for something this server does not do when true.</summary>
    private static readonly FieldRule OffOnly = SafeBool.NotServedWhenTrue();

    // db/timeseries/timeseries.idl TimeseriesOptions. bucketRoundingSeconds is not served: buckets are opened at the
    // granularity's (or bucketMaxSpanSeconds') rounding only.
    private static readonly CommandShape TimeseriesOptions = Shape("db/timeseries/timeseries.idl TimeseriesOptions",
        ("timeField", Text.Required()), ("metaField", Text), ("granularity", Text), ("bucketMaxSpanSeconds", SafeInt64.Within(1)),
        ("bucketRoundingSeconds", SafeInt64.NotServed()));

    // db/catalog/clustered_collection_options.idl ClusteredIndexSpec (the document form of create's clusteredIndex).
    private static readonly CommandShape ClusteredIndexSpec = Shape("db/catalog/clustered_collection_options.idl ClusteredIndexSpec",
        ("v", SafeInt64), ("key", Document.Required()), ("name", Text), ("unique", Bool.Required()));

    // db/pipeline/change_stream_pre_and_post_images_options.idl. Taken as the collection option it is (listCollections
    // shows it, create and collMod log it): mongod then keeps pre-images in config.system.preimages, apart from the
    // oplog (src/mongo/db/change_stream_pre_images_collection_manager.cpp), which only change streams read. This server
    // records none; a read of that collection fails (PreImages) and $changeStream is an unrecognized stage.
    internal static readonly FieldRule PreAndPostImages = Document with
    {
        Members = Shape("db/pipeline/change_stream_pre_and_post_images_options.idl", ("enabled", Bool.Required())),
    };

    // db/repl/hello.idl HelloInternalClientField.
    private static readonly CommandShape InternalClient = Shape("db/repl/hello.idl HelloInternalClientField",
        ("minWireVersion", SafeInt64), ("maxWireVersion", SafeInt64.Required()));

    // db/auth/role_name_or_string / user_management_commands.idl: roles are strings or {role, db} documents.
    private static readonly FieldRule Roles = List;

    public static readonly Dictionary<string, CommandShape> All = new(StringComparer.Ordinal)
    {
        // db/repl/hello.idl (aliases isMaster, ismaster). The file says strict, but hello takes fields it does not
        // declare: drivers add handshake fields to every server version they support (MongoDB.Driver 3.14 sends
        // backpressure, from the client backpressure specification), so this server takes them too and checks the
        // declared ones. topologyVersion with maxAwaitTimeMS is the awaitable hello of the streaming monitor: this
        // server answers at once, as the protocol allows when the topology is what the client last saw (it never
        // changes here). loadBalanced (a later addition, for a load balancer's clients) is not served.
        ["hello"] = Lenient("db/repl/hello.idl", Any,
            ("forShell", SafeBool), ("hostInfo", Text), ("hangUpOnStepDown", SafeBool), ("internalClient", Document.Of(InternalClient)),
            ("client", Document), ("topologyVersion", Document), ("maxAwaitTimeMS", SafeInt64.AtLeastZero()), ("helloOk", SafeBool),
            ("compression", List), ("saslSupportedMechs", Text), ("speculativeAuthenticate", Document), ("loadBalanced", OffOnly)),
        // db/commands/create.idl. autoIndexId, idIndex, storageEngine, indexOptionDefaults, flags and temp are stored
        // as options (they change nothing an in-memory server keeps); capped/size/max, validator*, viewOn/pipeline,
        // collation (indexes inherit it; see CatalogCommands), timeseries, clusteredIndex and expireAfterSeconds (kept
        // and reported, as TTL indexes are: no TTL monitor runs here) and changeStreamPreAndPostImages (as an option,
        // see PreAndPostImages) are served. recordPreImages (removed in 6.0) and encryptedFields are not. size is bounded to 1 byte..1 PB and max to under 2^31 by
        // the IDL's validators (create.idl), as collection_options.cpp's checkAndAdjustCappedSize/MaxDocs bound them.
        ["create"] = Shape("db/commands/create.idl",
            ("capped", SafeBool), ("autoIndexId", SafeBool), ("idIndex", Document), ("size", SafeInt64.Within(1, 1L << 50)), ("max", SafeInt64.LessThan(1L << 31)),
            ("storageEngine", Document), ("validator", Document), ("validationLevel", Text), ("validationAction", Text),
            ("indexOptionDefaults", Document), ("viewOn", Text), ("pipeline", List), ("collation", Document),
            ("recordPreImages", OffOnly), ("changeStreamPreAndPostImages", PreAndPostImages),
            ("timeseries", Document.Of(TimeseriesOptions)),
            ("clusteredIndex", new FieldRule([.. SafeBool.Types!, BsonType.Document]) { Members = ClusteredIndexSpec }),
            ("expireAfterSeconds", SafeInt64), ("encryptedFields", Document.NotServed()), ("temp", SafeBool), ("flags", SafeInt64)),
        // db/commands/rename_collection.idl; collectionUUID is a later addition. stayTemp matters only for a temp
        // collection, which this server does not drop at restart; true is not served.
        ["renameCollection"] = Shape("db/commands/rename_collection.idl",
            ("to", Text.Required()), ("dropTarget", Bool), ("stayTemp", Bool.NotServedWhenTrue()), ("collectionUUID", Uuid.NotServed())),
        ["dropDatabase"] = Shape("db/drop_database.idl"),
        // db/commands/txn_cmds.idl: commitTimestamp commits a prepared transaction; a mongos sends recoveryToken.
        ["commitTransaction"] = Shape("db/commands/txn_cmds.idl",
            ("commitTimestamp", Timestamp), ("recoveryToken", Document.Of(Shape("db/commands/txn_cmds.idl TxnRecoveryToken", ("recoveryShardId", Text))))),
        ["abortTransaction"] = Shape("db/commands/txn_cmds.idl", ("recoveryToken", Document)),
        // db/commands/end_sessions.idl and sessions_commands.idl: not strict; the value is the list of sessions.
        ["endSessions"] = Lenient("db/commands/end_sessions.idl", List),
        ["killSessions"] = Lenient("db/commands/sessions_commands.idl", List),
        // db/commands/user_management_commands.idl. Only SCRAM credentials digested by the server are kept: a
        // pre-digested password, a mechanism list and authentication restrictions are not served.
        ["createUser"] = Shape("db/commands/user_management_commands.idl",
            ("pwd", Text), ("customData", Document), ("roles", Roles.Required()), ("digestPassword", SafeBool.NotServedWhenFalse()),
            ("authenticationRestrictions", List.NotServed()), ("mechanisms", List.NotServed())),
        ["dropUser"] = Shape("db/commands/user_management_commands.idl"),
        ["grantRolesToUser"] = Shape("db/commands/user_management_commands.idl", ("roles", Roles.Required())),
        ["createRole"] = Shape("db/commands/user_management_commands.idl",
            ("privileges", List.Required()), ("roles", Roles.Required()), ("authenticationRestrictions", List.NotServed())),
        ["dropRole"] = Shape("db/commands/user_management_commands.idl"),
        ["usersInfo"] = Shape("db/commands/user_management_commands.idl",
            ("showPrivileges", OffOnly), ("showCredentials", SafeBool), ("showAuthenticationRestrictions", OffOnly),
            ("showCustomData", SafeBool.NotServedWhenFalse()), ("authenticatedMechanism", Text.NotServed()), ("filter", Document.NotServed())),
        ["rolesInfo"] = Shape("db/commands/user_management_commands.idl",
            ("showPrivileges", Any with { ServedOnlyWhen = value => value.IsBoolean || value.IsNumeric }), // not "asUserFragment"
            ("showBuiltinRoles", OffOnly), ("showAuthenticationRestrictions", OffOnly)),
        // db/commands/connection_status.idl: the privileges of the user's roles are not served.
        ["connectionStatus"] = Shape("db/commands/connection_status.idl", ("showPrivileges", OffOnly)),
        ["invalidateUserCache"] = Shape("db/commands/user_management_commands.idl"),
        ["_mergeAuthzCollections"] = Shape("db/commands/user_management_commands.idl",
            ("tempUsersCollection", Text), ("tempRolesCollection", Text), ("db", Text.Required()), ("drop", Bool)),
    };
}
