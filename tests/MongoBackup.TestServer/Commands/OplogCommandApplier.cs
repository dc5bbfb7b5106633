using MongoBackup.TestServer.Storage;
using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>
/// The command ("c") entries applyOps applies, as repl/oplog.cpp's table of them does: create, drop, dropIndexes,
/// dropDatabase, renameCollection, collMod and nested applyOps. In the default mode ("ApplyOps") it refuses, with the
/// server's errors, what only replication applies: createIndexes and the index build entries (CommandNotSupported
/// "The X operation is not supported in applyOps mode"; mongorestore builds such indexes with createIndexes instead),
/// a nested applyOps of a transaction (prepare 51145, partialTxn 31056, count 31240), commitTransaction (50987) and
/// abortTransaction (50972). In the other modes an index build's indexes are built when its commitIndexBuild (or
/// createIndexes) entry is applied; a prepared transaction is not something this server applies.
/// </summary>
internal sealed class OplogCommandApplier
{
    private static readonly HashSet<string> ReplicationOnlyIndexCommands =
        ["createIndexes", "startIndexBuild", "commitIndexBuild", "abortIndexBuild"];

    private readonly CommandContext _context;
    private readonly OplogApplicationMode _mode;
    private readonly WriteContext _writes;
    private readonly OplogApplication _application;

    public OplogCommandApplier(CommandContext context, OplogApplicationMode mode, WriteContext writes, OplogApplication application)
    {
        _context = context;
        _mode = mode;
        _writes = writes;
        _application = application;
    }

    public void Apply(string ns, BsonDocument o)
    {
        if (o.ElementCount == 0) throw CommandFailure.FailedToParse($"command entry on {ns} has an empty o");
        var (db, _) = Catalog.SplitNamespace(ns);
        var catalog = _context.Server.Catalog;
        var catalogWriter = _context.Server.CatalogWriter;
        var command = o.GetElement(0);
        if (_mode == OplogApplicationMode.ApplyOps && ReplicationOnlyIndexCommands.Contains(command.Name))
            throw new CommandFailure(115, "CommandNotSupported", $"The {command.Name} operation is not supported in applyOps mode");
        switch (command.Name)
        {
            case "create":
            {
                var options = new BsonDocument(o.Skip(1).Where(e => e.Name != "idIndex"));
                if (catalog.Find(db, command.Value.AsString) == null) catalogWriter.Create(db, command.Value.AsString, options, _writes);
                return;
            }
            case "drop":
                if (catalog.Find(db, command.Value.AsString) is { } dropped) catalogWriter.Drop(dropped, _writes);
                return;
            case "createIndexes":
                BuildIndexes(db, command.Value.AsString, [new BsonDocument(o.Skip(1))]);
                return;
            case "commitIndexBuild":
                BuildIndexes(db, command.Value.AsString, o["indexes"].AsBsonArray.Select(s => s.AsBsonDocument).ToList());
                return;
            case "startIndexBuild" or "abortIndexBuild":
                return; // the indexes come (or not) with the build's commitIndexBuild
            case "dropIndexes" or "deleteIndexes":
                DropIndexes(db, command.Value.AsString, o["index"]);
                return;
            case "dropDatabase":
                if (catalog.DatabaseExists(db)) catalogWriter.DropDatabase(db, _writes);
                return;
            case "renameCollection":
            {
                var source = catalog.Find(command.Value.AsString)
                    ?? throw CommandFailure.NamespaceNotFound($"source namespace {command.Value.AsString} does not exist");
                var (toDb, toName) = Catalog.SplitNamespace(o["to"].AsString);
                var dropTarget = o.GetValue("dropTarget", false);
                catalogWriter.Rename(source, toDb, toName, dropTarget.IsBoolean ? dropTarget.AsBoolean : !dropTarget.IsBsonNull, _writes);
                return;
            }
            case "collMod":
                CollModCommand.Run(new CommandContext(_context.Server, _context.Connection, new BsonDocument(o) { { "$db", db } }, db));
                return;
            case "applyOps":
                ApplyNested(o);
                return;
            case "commitTransaction":
                throw _mode == OplogApplicationMode.ApplyOps
                    ? new CommandFailure(50987, "Location50987", "commitTransaction is only used internally by secondaries.")
                    : NotApplied(command.Name);
            case "abortTransaction":
                throw _mode == OplogApplicationMode.ApplyOps
                    ? new CommandFailure(50972, "Location50972", "abortTransaction is only used internally by secondaries.")
                    : NotApplied(command.Name);
            default:
                throw CommandFailure.BadValue($"Invalid key '{command.Name}' found in field 'o'");
        }
    }

    private void ApplyNested(BsonDocument o)
    {
        if (o.GetValue("prepare", false).ToBoolean())
            throw _mode == OplogApplicationMode.ApplyOps
                ? new CommandFailure(51145, "Location51145", "prepareTransaction oplog entry is only used internally by secondaries.")
                : NotApplied("prepared applyOps");
        ApplyOpsCommand.RefuseTransactionFields(o);
        foreach (var inner in o["applyOps"].AsBsonArray)
            if (!_application.Apply(inner.AsBsonDocument))
                throw new CommandFailure(8, "UnknownError", "applyOps had one or more errors applying ops");
    }

    private void BuildIndexes(string db, string collectionName, List<BsonDocument> specs)
    {
        var collection = _context.Server.Catalog.Find(db, collectionName)
            ?? throw CommandFailure.NamespaceNotFound($"Failed to create index due to missing collection: {db}.{collectionName}");
        IndexBuilder.Build(collection, specs, _writes);
    }

    private void DropIndexes(string db, string collectionName, BsonValue which)
    {
        if (_context.Server.Catalog.Find(db, collectionName) is not { } collection) return;
        var names = which is BsonArray many ? many.Select(v => v.AsString) : [which.AsString];
        foreach (var name in names)
            if (name == "*")
                foreach (var index in collection.Indexes.Where(i => !i.IsIdIndex).ToList()) _context.Server.CatalogWriter.DropIndex(collection, index, _writes);
            else if (collection.FindIndex(name) is { } index) _context.Server.CatalogWriter.DropIndex(collection, index, _writes);
    }

    private CommandFailure NotApplied(string what) =>
        new(115, "CommandNotSupported", $"the test server does not apply {what} entries in oplogApplicationMode {_mode}");
}
