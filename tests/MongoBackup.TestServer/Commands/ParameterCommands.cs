using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>
/// getParameter and setParameter. Of the parameters this server honours (<see cref="ServerParameters"/>), setParameter
/// changes orphanCleanupDelaySecs and writePeriodicNoops (runtime-settable in MongoDB; the reply says what it "was", as set_parameter.cpp answers)
/// and refuses the startup-only ones as mongod does (parameters.cpp: IllegalOperation "not allowed to change [name]
/// at runtime"; an unknown name is InvalidOptions "attempted to set unrecognized parameter [name], use help:true to see options ").
/// </summary>
internal sealed class ParameterCommands : ICommandGroup
{
    public void Register(CommandTable table)
    {
        table.Add("getParameter", GetParameter);
        table.Add("setParameter", SetParameter);
    }

    private static BsonDocument GetParameter(CommandContext context)
    {
        var known = new BsonDocument
        {
            { "featureCompatibilityVersion", new BsonDocument("version", context.Server.Options.Version.FeatureCompatibilityVersion) },
            { "authenticationMechanisms", new BsonArray { "SCRAM-SHA-1", "SCRAM-SHA-256" } },
            { "internalQueryFacetBufferSizeBytes", 104857600 },
            { "maxBSONDepth", 200 },
            { "txnSizeLimitBytes", 16777216 },
            // mongorestore asks for it before restoring users and roles; 5 is the SCRAM schema of MongoDB 3.0 and later.
            { "authSchemaVersion", 5 },
        };
        foreach (var name in ServerParameters.Names) known.Add(name, context.Server.Parameters.ValueOf(name));
        var reply = new BsonDocument();
        var all = context.CommandValue is BsonString s && s.Value == "*" ||
                  context.CommandValue is BsonDocument d && d.GetValue("allParameters", false).ToBoolean();
        foreach (var element in known)
            if (all || context.Body.Contains(element.Name)) reply.Add(element);
        if (reply.ElementCount == 0)
        {
            var asked = context.Body.Names.Skip(1).FirstOrDefault(n => !GenericArguments.IsGeneric(n));
            if (asked != null) throw CommandFailure.InvalidOptions($"no option found to get: {asked}");
        }
        return reply;
    }

    private static BsonDocument SetParameter(CommandContext context)
    {
        var names = context.Body.Names.Skip(1).Where(n => !GenericArguments.IsGeneric(n)).ToList();
        if (names.Count == 0) throw CommandFailure.InvalidOptions("no option found to set, use help:true to see options ");
        foreach (var name in names)
        {
            if (!ServerParameters.Names.Contains(name))
                throw CommandFailure.InvalidOptions($"attempted to set unrecognized parameter [{name}], use help:true to see options ");
            if (context.Server.Parameters.WithRuntime(name, context.Body[name]) is null)
                throw CommandFailure.IllegalOperation($"not allowed to change [{name}] at runtime");
        }
        if (names.Count > 1) throw MultipleUnsupported();
        var was = context.Server.Parameters.ValueOf(names[0]);
        context.Server.Parameters = context.Server.Parameters.WithRuntime(names[0], context.Body[names[0]])!;
        return new BsonDocument("was", was);
    }

    /// <summary>Several parameters in one setParameter: mongod sets them all; this server changes one at a time.</summary>
    private static CommandFailure MultipleUnsupported() =>
        new(59, "CommandNotFound", "the in-memory test server's setParameter changes one parameter per command");
}
