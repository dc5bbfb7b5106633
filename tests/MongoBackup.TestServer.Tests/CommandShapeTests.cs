using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// The handshake, catalog, transaction, session and user commands parsed as their IDL files declare them (create.idl,
/// rename_collection.idl, drop_database.idl, hello.idl, txn_cmds.idl, connection_status.idl,
/// user_management_commands.idl): an unknown field (40415), a field of the wrong type (14) or a required field missing
/// (40414) is refused with mongod's code and message, and nothing changes; an option mongod serves and the in-memory
/// server does not is refused (59), never ignored. Sent through the driver; all but the last kind run against
/// MONGOBACKUP_TEST_URI when set. "{db}" in a command stands for the test's database.
/// </summary>
public class CommandShapeTests : ServerTestBase
{
    private (IMongoDatabase Db, BsonDocument Command) Prepare(string command, string prefix)
    {
        var db = Database(prefix);
        db.GetCollection<BsonDocument>("c").InsertOne(new BsonDocument("_id", 0));
        var name = db.DatabaseNamespace.DatabaseName;
        return (db, BsonDocument.Parse(command.Replace("{db}", name)));
    }

    /// <summary>Runs the command where mongod takes it (admin for the admin commands) and returns its refusal.</summary>
    private MongoCommandException Refusal(IMongoDatabase db, BsonDocument command)
    {
        var admin = command.GetElement(0).Name is "renameCollection" or "commitTransaction" or "abortTransaction";
        var target = admin ? Target.Admin : db;
        return Assert.Throws<MongoCommandException>(() => target.RunCommand<BsonDocument>(command));
    }

    /// <summary>Nothing changed: the collection holds its one document, no other collection appeared, no user was made.</summary>
    private static void AssertUnchanged(IMongoDatabase db)
    {
        Assert.Equal(new[] { "c" }, db.ListCollectionNames().ToList());
        Assert.Equal(new BsonDocument("_id", 0), db.GetCollection<BsonDocument>("c").Find(new BsonDocument()).Single());
        Assert.Empty(db.RunCommand<BsonDocument>(new BsonDocument("usersInfo", 1))["users"].AsBsonArray);
    }

    [Theory]
    [InlineData("{create: 'n', cappd: true, size: 4096}", "create.cappd")]
    [InlineData("{create: 'n', timeseries: {timeField: 't', metaFeld: 'm'}}", "create.timeseries.metaFeld")]
    [InlineData("{create: 'n', clusteredIndex: {key: {_id: 1}, unique: true, nam: 'x'}}", "create.clusteredIndex.nam")]
    [InlineData("{renameCollection: '{db}.c', to: '{db}.d', dropTargt: true}", "renameCollection.dropTargt")]
    [InlineData("{dropDatabase: 1, force: true}", "dropDatabase.force")]
    [InlineData("{commitTransaction: 1, bogus: 1}", "commitTransaction.bogus")]
    [InlineData("{abortTransaction: 1, bogus: 1}", "abortTransaction.bogus")]
    [InlineData("{connectionStatus: 1, showPrivilege: true}", "connectionStatus.showPrivilege")]
    [InlineData("{createUser: 'u', pwd: 'p', roles: [], passwd: 'x'}", "createUser.passwd")]
    [InlineData("{dropUser: 'u', force: true}", "dropUser.force")]
    [InlineData("{grantRolesToUser: 'u', roles: [], role: 'read'}", "grantRolesToUser.role")]
    [InlineData("{createRole: 'r', privileges: [], roles: [], privilege: []}", "createRole.privilege")]
    [InlineData("{dropRole: 'r', force: true}", "dropRole.force")]
    [InlineData("{usersInfo: 1, showCredential: true}", "usersInfo.showCredential")]
    [InlineData("{rolesInfo: 1, showBuiltInRoles: true}", "rolesInfo.showBuiltInRoles")]
    public void An_unknown_field_is_refused_with_40415_naming_it_and_nothing_changes(string command, string path)
    {
        var (db, body) = Prepare(command, "shapeunknown");
        var error = Refusal(db, body);
        Assert.Equal(IdlRefusals.UnknownField(path), IdlRefusals.Of(error));
        AssertUnchanged(db);
    }

    /// <summary>Drivers add handshake fields hello does not declare (MongoDB.Driver sends backpressure): they are taken.</summary>
    [Fact]
    public void A_hello_with_a_field_it_does_not_declare_is_answered()
    {
        var reply = Target.Admin.RunCommand<BsonDocument>(BsonDocument.Parse("{hello: 1, notAHelloField: 1}"));
        Assert.True(reply["isWritablePrimary"].AsBoolean);
    }

    [Theory]
    [InlineData("{create: 'n', capped: 'yes', size: 4096}", "create.capped", "string", "expected types '[bool, long, int, decimal, double']")]
    [InlineData("{create: 'n', viewOn: 1, pipeline: []}", "create.viewOn", "int", "expected type 'string'")]
    [InlineData("{create: 'n', timeseries: {timeField: 1}}", "create.timeseries.timeField", "int", "expected type 'string'")]
    [InlineData("{create: 'n', validator: 'a > 1'}", "create.validator", "string", "expected type 'object'")]
    [InlineData("{renameCollection: '{db}.c', to: 1}", "renameCollection.to", "int", "expected type 'string'")]
    [InlineData("{renameCollection: '{db}.c', to: '{db}.d', dropTarget: 1}", "renameCollection.dropTarget", "int", "expected type 'bool'")]
    [InlineData("{hello: 1, helloOk: 'yes'}", "hello.helloOk", "string", "expected types '[bool, long, int, decimal, double']")]
    [InlineData("{createUser: 'u', pwd: 1, roles: []}", "createUser.pwd", "int", "expected type 'string'")]
    [InlineData("{createUser: 'u', pwd: 'p', roles: 'read'}", "createUser.roles", "string", "expected type 'array'")]
    [InlineData("{usersInfo: 1, showCredentials: 'yes'}", "usersInfo.showCredentials", "string", "expected types '[bool, long, int, decimal, double']")]
    public void A_field_of_the_wrong_type_is_refused_with_TypeMismatch_and_nothing_changes(string command, string path, string actual, string expected)
    {
        var (db, body) = Prepare(command, "shapetypes");
        var error = Refusal(db, body);
        Assert.Equal(IdlRefusals.WrongType(path, actual, expected), IdlRefusals.Of(error));
        AssertUnchanged(db);
    }

    [Theory]
    [InlineData("{create: 'n', timeseries: {metaField: 'm'}}", "create.timeseries.timeField")]
    [InlineData("{create: 'n', clusteredIndex: {key: {_id: 1}}}", "create.clusteredIndex.unique")]
    [InlineData("{renameCollection: '{db}.c'}", "renameCollection.to")]
    [InlineData("{createUser: 'u', pwd: 'p'}", "createUser.roles")]
    [InlineData("{createRole: 'r', roles: []}", "createRole.privileges")]
    [InlineData("{grantRolesToUser: 'u'}", "grantRolesToUser.roles")]
    public void A_required_field_missing_is_refused_with_40414_and_nothing_changes(string command, string path)
    {
        var (db, body) = Prepare(command, "shaperequired");
        var error = Refusal(db, body);
        Assert.Equal(IdlRefusals.MissingRequired(path), IdlRefusals.Of(error));
        AssertUnchanged(db);
    }

    /// <summary>Options mongod serves and the in-memory server does not are refused, never ignored.</summary>
    [InMemoryTheory("a real mongod serves these options")]
    [InlineData("{create: 'n', encryptedFields: {fields: []}}", "create.encryptedFields")]
    [InlineData("{create: 'n', recordPreImages: true}", "create.recordPreImages")]
    [InlineData("{create: 'n', timeseries: {timeField: 't', bucketMaxSpanSeconds: 60, bucketRoundingSeconds: 60}}", "create.timeseries.bucketRoundingSeconds")]
    [InlineData("{renameCollection: '{db}.c', to: '{db}.d', stayTemp: true}", "renameCollection.stayTemp")]
    [InlineData("{hello: 1, loadBalanced: true}", "hello.loadBalanced")]
    [InlineData("{connectionStatus: 1, showPrivileges: true}", "connectionStatus.showPrivileges")]
    [InlineData("{createUser: 'u', pwd: 'p', roles: [], mechanisms: ['SCRAM-SHA-256']}", "createUser.mechanisms")]
    [InlineData("{createUser: 'u', pwd: 'p', roles: [], digestPassword: false}", "createUser.digestPassword")]
    [InlineData("{createUser: 'u', pwd: 'p', roles: [], authenticationRestrictions: [{clientSource: ['127.0.0.1']}]}", "createUser.authenticationRestrictions")]
    [InlineData("{usersInfo: 1, showPrivileges: true}", "usersInfo.showPrivileges")]
    [InlineData("{usersInfo: 1, filter: {user: 'u'}}", "usersInfo.filter")]
    [InlineData("{rolesInfo: 1, showBuiltinRoles: true}", "rolesInfo.showBuiltinRoles")]
    [InlineData("{rolesInfo: 1, showPrivileges: 'asUserFragment'}", "rolesInfo.showPrivileges")]
    public void An_option_the_in_memory_server_does_not_serve_is_refused_and_nothing_changes(string command, string path)
    {
        var (db, body) = Prepare(command, "shapenotserved");
        var error = Refusal(db, body);
        IdlRefusals.AssertNotServed(error, path);
        AssertUnchanged(db);
    }

    /// <summary>The same options, asking for nothing this server leaves out, are taken.</summary>
    [Theory]
    [InlineData("{create: 'n', changeStreamPreAndPostImages: {enabled: false}}")]
    [InlineData("{create: 'n', changeStreamPreAndPostImages: {enabled: true}}")]
    [InlineData("{create: 'n', recordPreImages: false}")]
    [InlineData("{create: 'n', capped: true, size: 4096, max: 10, autoIndexId: true, temp: false}")]
    [InlineData("{create: 'n', clusteredIndex: {key: {_id: 1}, unique: true, name: 'by_id', v: 2}, expireAfterSeconds: 60}")]
    [InlineData("{create: 'n', timeseries: {timeField: 't', metaField: 'm', granularity: 'minutes'}}")]
    public void Declared_options_asking_for_what_is_served_create_the_collection(string command)
    {
        var (db, body) = Prepare(command, "shapetaken");
        db.RunCommand<BsonDocument>(body);
        Assert.Contains("n", db.ListCollectionNames().ToList());
    }

    [Fact]
    public void A_create_with_a_malformed_default_collation_is_refused_and_creates_nothing()
    {
        var (db, _) = Prepare("{}", "shapecollation");
        var error = Assert.Throws<MongoCommandException>(() => db.RunCommand<BsonDocument>(BsonDocument.Parse("{create: 'n', collation: {strength: 2}}")));
        Assert.Equal(40414, error.Code);
        Assert.Equal(new[] { "c" }, db.ListCollectionNames().ToList());
    }

    /// <summary>
    /// allowAtomic: true asks for the entries to be applied all or none and logged as one entry, which this server does
    /// not do: refused, nothing applied. false asks for each entry on its own, as this server applies them: taken.
    /// </summary>
    [InMemoryFact("a real mongod's handling of allowAtomic depends on its version")]
    public void ApplyOps_allowAtomic_true_is_refused_and_false_applies_each_entry()
    {
        var (db, _) = Prepare("{}", "shapeatomic");
        var ns = db.DatabaseNamespace.DatabaseName + ".c";
        BsonDocument Command(bool atomic) => new()
        {
            { "applyOps", new BsonArray { new BsonDocument { { "op", "i" }, { "ns", ns }, { "o", new BsonDocument("_id", 1) } } } },
            { "allowAtomic", atomic },
        };
        IdlRefusals.AssertNotServed(Assert.Throws<MongoCommandException>(() => Target.Admin.RunCommand<BsonDocument>(Command(true))),
            "applyOps.allowAtomic");
        Assert.Equal(1, db.GetCollection<BsonDocument>("c").CountDocuments(new BsonDocument()));

        var reply = Target.Admin.RunCommand<BsonDocument>(Command(false));
        Assert.Equal(1, reply["applied"].ToInt32());
        Assert.Equal(2, db.GetCollection<BsonDocument>("c").CountDocuments(new BsonDocument()));
    }
}
