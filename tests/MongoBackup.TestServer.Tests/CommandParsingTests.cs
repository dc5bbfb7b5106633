using MongoBackup.TestServer.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests;

/// <summary>
/// Command bodies are parsed as mongod's IDL-generated parsers parse them (src/mongo/idl/idl_parser.cpp and the command's
/// .idl file): a misnamed array member (40422, 40423), a field named twice (40413), an unknown field (40415), a field of
/// the wrong type (TypeMismatch, 14), a required field missing (40414) or a bound broken (51024) is refused with mongod's
/// code and message, and nothing is written. Before, the in-memory server took the first and the third kinds quietly and
/// closed the connection on the second. Sent through the driver; runs against MONGOBACKUP_TEST_URI when set.
/// </summary>
public class CommandParsingTests : ServerTestBase
{
    private MongoCommandException Refusal(IMongoDatabase db, BsonDocument command) =>
        Assert.Throws<MongoCommandException>(() => db.RunCommand<BsonDocument>(command));

    /// <summary>An array whose members are the documents {_id: i}, named as given rather than "0", "1", ...</summary>
    private static RawBsonArray ArrayNamed(params string[] names)
    {
        var members = new BsonDocument();
        for (var i = 0; i < names.Length; i++) members.Add(names[i], new BsonDocument("_id", i));
        return RawArray(members);
    }

    /// <summary>An array holding the document's elements under their own names (the driver sends its bytes as they are).</summary>
    private static RawBsonArray RawArray(BsonDocument members)
    {
        var bytes = members.ToBson();
        return new RawBsonArray(new MongoDB.Bson.IO.ByteArrayBuffer(bytes, bytes.Length, isReadOnly: true));
    }

    [Theory]
    [InlineData("0,x", 40422, "BSON array field 'insert.documents' has an invalid value 'x' for an array field name.")]
    [InlineData("0,-1", 40422, "BSON array field 'insert.documents' has an invalid value '-1' for an array field name.")]
    [InlineData("0,2", 40423, "BSON array field 'insert.documents' has a non-sequential value '2' for an array field name, expected value '1'.")]
    [InlineData("1", 40423, "BSON array field 'insert.documents' has a non-sequential value '1' for an array field name, expected value '0'.")]
    public void Insert_documents_whose_names_are_not_their_positions_are_refused_and_nothing_is_inserted(string names, int code, string message)
    {
        var db = Database("arraynames");
        var error = Refusal(db, new BsonDocument { { "insert", "c" }, { "documents", ArrayNamed(names.Split(',')) } });
        Assert.Equal((code, message), (error.Code, error.ErrorMessage));
        Assert.Equal(0, db.GetCollection<BsonDocument>("c").CountDocuments(new BsonDocument()));
    }

    [Fact]
    public void Insert_documents_named_in_order_are_taken()
    {
        var db = Database("arraynames");
        db.RunCommand<BsonDocument>(new BsonDocument { { "insert", "c" }, { "documents", ArrayNamed("0", "1", "2") } });
        Assert.Equal(3, db.GetCollection<BsonDocument>("c").CountDocuments(new BsonDocument()));
    }

    [Fact]
    public void A_field_named_twice_in_a_body_is_refused_with_40413_and_the_connection_serves_on()
    {
        var db = Database("dupfield");
        var command = new BsonDocument(allowDuplicateNames: true)
        {
            { "insert", "c" }, { "documents", new BsonArray { new BsonDocument("_id", 1) } }, { "ordered", true }, { "ordered", false },
        };
        var error = Refusal(db, command);
        Assert.Equal((40413, "BSON field 'insert.ordered' is a duplicate field"), (error.Code, error.ErrorMessage));
        Assert.Equal(0, db.GetCollection<BsonDocument>("c").CountDocuments(new BsonDocument()));
    }

    [Theory]
    [InlineData("{insert: 'c', documents: [{_id: 1}], orderd: false}", "insert.orderd")]
    [InlineData("{insert: 'c', documents: [{_id: 1}], stmtIdz: [0]}", "insert.stmtIdz")]
    [InlineData("{update: 'c', updates: [{q: {}, u: {$set: {a: 1}}}], upsrt: true}", "update.upsrt")]
    [InlineData("{update: 'c', updates: [{q: {}, u: {$set: {a: 1}}, upsrt: true}]}", "update.updates.upsrt")]
    [InlineData("{delete: 'c', deletes: [{q: {}, limit: 0, justOne: true}]}", "delete.deletes.justOne")]
    [InlineData("{find: 'c', fliter: {}}", "find.fliter")]
    [InlineData("{count: 'c', qurey: {}}", "count.qurey")]
    [InlineData("{aggregate: 'c', pipeline: [], cursor: {}, allowDiskUsage: true}", "aggregate.allowDiskUsage")]
    [InlineData("{listCollections: 1, nameonly: true}", "listCollections.nameonly")]
    [InlineData("{listIndexes: 'c', all: true}", "listIndexes.all")]
    [InlineData("{createIndexes: 'c', indexes: [{key: {a: 1}, name: 'a_1'}], unique: true}", "createIndexes.unique")]
    [InlineData("{drop: 'c', force: true}", "drop.force")]
    [InlineData("{dropIndexes: 'c', index: '*', force: true}", "dropIndexes.force")]
    [InlineData("{collMod: 'c', validatr: {a: 1}}", "collMod.validatr")]
    [InlineData("{deleteIndexes: 'c', index: '*', force: true}", "dropIndexes.force")]
    [InlineData("{getMore: NumberLong(1), collection: 'c', bachSize: 1}", "getMore.bachSize")]
    [InlineData("{killCursors: 'c', cursors: [], all: true}", "killCursors.all")]
    public void An_unknown_field_is_refused_with_40415_naming_it(string command, string path)
    {
        var db = Database("unknown");
        db.GetCollection<BsonDocument>("c").InsertOne(new BsonDocument("_id", 0));
        var error = Refusal(db, BsonDocument.Parse(command));
        Assert.Equal(IdlRefusals.UnknownField(path), IdlRefusals.Of(error));
        Assert.Equal(new BsonDocument("_id", 0), db.GetCollection<BsonDocument>("c").Find(new BsonDocument()).Single());
    }

    [Fact]
    public void ListDatabases_refuses_an_unknown_field()
    {
        var error = Refusal(Target.Admin, BsonDocument.Parse("{listDatabases: 1, nameonly: true}"));
        Assert.Equal((40415, "BSON field 'listDatabases.nameonly' is an unknown field."), (error.Code, error.ErrorMessage));
    }

    [Theory]
    [InlineData("{insert: 'c', documents: [{_id: 1}], ordered: 1}", "insert.ordered", "int", "expected type 'bool'")]
    [InlineData("{insert: 'c', documents: [{_id: 1}], bypassDocumentValidation: 'yes'}", "insert.bypassDocumentValidation", "string",
        "expected types '[bool, long, int, decimal, double']")]
    [InlineData("{insert: 'c', documents: {_id: 1}}", "insert.documents", "object", "expected type 'array'")]
    [InlineData("{update: 'c', updates: [{q: {}, u: {$set: {a: 1}}, multi: 1}]}", "update.updates.multi", "int", "expected type 'bool'")]
    [InlineData("{find: 'c', skip: '1'}", "find.skip", "string", "expected types '[long, int, decimal, double']")]
    [InlineData("{find: 'c', filter: 1}", "find.filter", "int", "expected type 'object'")]
    [InlineData("{listCollections: 1, nameOnly: 1}", "listCollections.nameOnly", "int", "expected type 'bool'")]
    [InlineData("{getMore: NumberLong(1), collection: 7}", "getMore.collection", "int", "expected type 'string'")]
    public void A_field_of_the_wrong_type_is_refused_with_TypeMismatch(string command, string path, string actual, string expected)
    {
        var db = Database("types");
        var error = Refusal(db, BsonDocument.Parse(command));
        Assert.Equal(IdlRefusals.WrongType(path, actual, expected), IdlRefusals.Of(error));
        Assert.Equal(0, db.GetCollection<BsonDocument>("c").CountDocuments(new BsonDocument()));
    }

    [Theory]
    [InlineData("{insert: 'c'}", "insert.documents")]
    [InlineData("{update: 'c'}", "update.updates")]
    [InlineData("{update: 'c', updates: [{q: {}}]}", "update.updates.u")]
    [InlineData("{delete: 'c', deletes: [{q: {}}]}", "delete.deletes.limit")]
    [InlineData("{getMore: NumberLong(1)}", "getMore.collection")]
    [InlineData("{createIndexes: 'c'}", "createIndexes.indexes")]
    [InlineData("{dropIndexes: 'c'}", "dropIndexes.index")]
    public void A_required_field_missing_is_refused_with_40414(string command, string path)
    {
        var error = Refusal(Database("required"), BsonDocument.Parse(command));
        Assert.Equal(IdlRefusals.MissingRequired(path), IdlRefusals.Of(error));
    }

    [Theory]
    [InlineData("limit")]
    [InlineData("skip")]
    [InlineData("batchSize")]
    public void A_negative_find_bound_is_refused_with_51024(string field)
    {
        var error = Refusal(Database("bounds"), new BsonDocument { { "find", "c" }, { field, -1 } });
        Assert.Equal((51024, $"BSON field 'find.{field}' value must be >= 0, actual value '-1'"), (error.Code, error.ErrorMessage));
    }

    /// <summary>Options mongod serves and the in-memory server does not are refused, never ignored.</summary>
    [InMemoryTheory("a real mongod serves these options")]
    [InlineData("{find: 'c', returnKey: true}", "find.returnKey")]
    [InlineData("{update: 'c', updates: [{q: {_id: 0}, u: {$set: {a: 1}}, hint: {_id: 1}}]}", "update.updates.hint")]
    [InlineData("{update: 'c', updates: [{q: {_id: 0}, u: {$set: {a: 1}}}], let: {x: 1}}", "update.let")]
    [InlineData("{collMod: 'c', dryRun: true, validator: {a: 1}}", "collMod.dryRun")]
    [InlineData("{applyOps: [{op: 'u', ns: 'x.c', o: {$set: {a: 1}}, o2: {_id: 0}}], alwaysUpsert: false}", "applyOps.alwaysUpsert")]
    public void An_option_the_in_memory_server_does_not_serve_is_refused_and_nothing_changes(string command, string path)
    {
        var db = Database("notserved");
        db.GetCollection<BsonDocument>("c").InsertOne(new BsonDocument("_id", 0));
        var error = Refusal(db, BsonDocument.Parse(command));
        IdlRefusals.AssertNotServed(error, path);
        Assert.Equal(new BsonDocument("_id", 0), db.GetCollection<BsonDocument>("c").Find(new BsonDocument()).Single());
    }

    [Fact]
    public void ApplyOps_entries_whose_names_are_not_their_positions_are_refused_and_nothing_is_applied()
    {
        var db = Database("applyopsnames");
        var entries = new BsonDocument();
        foreach (var (name, id) in new[] { ("0", 1), ("2", 2) })
            entries.Add(name, new BsonDocument { { "op", "i" }, { "ns", db.DatabaseNamespace.DatabaseName + ".c" }, { "o", new BsonDocument("_id", id) } });
        var error = Refusal(Target.Admin, new BsonDocument("applyOps", RawArray(entries)));
        Assert.Equal(40423, error.Code);
        Assert.StartsWith("Failed to parse applyOps command: ", error.ErrorMessage);
        Assert.EndsWith(" :: caused by :: BSON array field 'applyOps.applyOps' has a non-sequential value '2' for an array field name, expected value '1'.",
            error.ErrorMessage);
        Assert.Equal(0, db.GetCollection<BsonDocument>("c").CountDocuments(new BsonDocument()));
    }

    /// <summary>
    /// An index spec field createIndexes does not know is refused (index_key_validate.h, allowedFieldNames), unless the
    /// command asks for unknown options to be dropped, as mongorestore does (ignoreUnknownIndexOptions).
    /// </summary>
    [Fact]
    public void An_index_spec_with_an_unknown_field_is_refused_unless_unknown_options_are_ignored()
    {
        var db = Database("indexspec");
        var items = db.GetCollection<BsonDocument>("c");
        items.InsertOne(new BsonDocument("_id", 0));
        var spec = BsonDocument.Parse("{key: {a: 1}, name: 'a_1', bogus: true}");
        var error = Refusal(db, new BsonDocument { { "createIndexes", "c" }, { "indexes", new BsonArray { spec } } });
        Assert.Equal((197, "InvalidIndexSpecificationOption"), (error.Code, error.CodeName));
        Assert.Contains("The field 'bogus' is not valid for an index specification", error.ErrorMessage);
        Assert.DoesNotContain(items.Indexes.List().ToList(), i => i["name"] == "a_1");

        db.RunCommand<BsonDocument>(new BsonDocument { { "createIndexes", "c" }, { "indexes", new BsonArray { spec } }, { "ignoreUnknownIndexOptions", true } });
        var created = items.Indexes.List().ToList().Single(i => i["name"] == "a_1");
        Assert.Equal(new BsonDocument("a", 1), created["key"]);
        Assert.False(created.Contains("bogus"));
    }

    [Fact]
    public void A_getMore_naming_another_collection_is_refused_and_the_cursor_serves_on()
    {
        var db = Database("getmore");
        db.GetCollection<BsonDocument>("c").InsertMany([new BsonDocument("_id", 1), new BsonDocument("_id", 2)]);
        var first = db.RunCommand<BsonDocument>(BsonDocument.Parse("{find: 'c', batchSize: 1}"))["cursor"].AsBsonDocument;
        var id = first["id"].AsInt64;
        var ns = db.DatabaseNamespace.DatabaseName;
        var error = Refusal(db, new BsonDocument { { "getMore", id }, { "collection", "other" } });
        Assert.Equal((13, $"Requested getMore on namespace '{ns}.other', but cursor belongs to a different namespace {ns}.c"), (error.Code, error.ErrorMessage));
        var next = db.RunCommand<BsonDocument>(new BsonDocument { { "getMore", id }, { "collection", "c" } })["cursor"]["nextBatch"].AsBsonArray;
        Assert.Equal(new BsonArray { new BsonDocument("_id", 2) }, next);
    }
}
