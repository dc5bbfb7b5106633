namespace MongoBackup.TestServer;

/// <summary>
/// Parses the server's command line: --port N --replSet NAME --auth USER:PASSWORD --tls FILE.pfx [--tlsPassword P]
/// --oplogSizeMB N, --mongodbVersion 7.0|8.0 (the release it answers as and whose oplog forms it writes, 7.0 by default,
/// see <see cref="MongoDbVersion"/>), and any number of --setParameter NAME=VALUE as mongod takes them; --sharded [--shards N] starts a
/// sharded cluster (<see cref="Sharding.ShardedCluster"/>) instead, its mongos on --port, every member with the other options.
/// </summary>
internal static class ServerCommandLine
{
    public const string Usage = "usage: MongoBackup.TestServer [--port N] [--replSet NAME | --sharded [--shards N]] [--auth USER:PASSWORD] [--tls FILE.pfx [--tlsPassword P]] [--oplogSizeMB N] [--mongodbVersion 7.0|8.0] [--setParameter NAME=VALUE]...";

    /// <summary>The options and, for --sharded, the number of shards (else null); null after writing the problem and the usage to standard error.</summary>
    public static (TestServerOptions Options, int? Shards)? Parse(string[] args)
    {
        var options = new TestServerOptions();
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        var sharded = false;
        int? shards = null;
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name == "--sharded")
            {
                sharded = true;
                continue;
            }
            if (i + 1 >= args.Length) return Fail($"{name} needs a value");
            var value = args[++i];
            switch (name)
            {
                case "--port" when int.TryParse(value, out var port) && port is >= 0 and <= 65535:
                    options = options with { Port = port };
                    break;
                case "--port":
                    return Fail($"--port must be a number from 0 to 65535, not '{value}'");
                case "--shards" when int.TryParse(value, out var count) && count >= 1:
                    shards = count;
                    break;
                case "--shards":
                    return Fail($"--shards must be a number from 1 up, not '{value}'");
                case "--replSet":
                    options = options with { ReplicaSetName = value };
                    break;
                case "--auth":
                    var colon = value.IndexOf(':');
                    if (colon <= 0 || colon == value.Length - 1) return Fail("--auth must be USER:PASSWORD");
                    options = options with { AuthUser = value[..colon], AuthPassword = value[(colon + 1)..] };
                    break;
                case "--tls":
                    if (!File.Exists(value)) return Fail($"--tls certificate file '{value}' does not exist");
                    options = options with { TlsCertificatePath = value };
                    break;
                case "--tlsPassword":
                    options = options with { TlsCertificatePassword = value };
                    break;
                case "--oplogSizeMB" when int.TryParse(value, out var size) && size > 0:
                    options = options with { OplogSizeMB = size };
                    break;
                case "--oplogSizeMB":
                    return Fail($"--oplogSizeMB must be a positive number, not '{value}'");
                case "--mongodbVersion" when MongoDbVersion.Named(value) is { } version:
                    options = options with { Version = version };
                    break;
                case "--mongodbVersion":
                    return Fail($"--mongodbVersion must be 7.0 or 8.0, not '{value}'");
                case "--setParameter":
                    var equals = value.IndexOf('=');
                    if (equals <= 0) return Fail($"--setParameter must be NAME=VALUE, not '{value}'");
                    parameters[value[..equals]] = value[(equals + 1)..];
                    break;
                default:
                    return Fail($"unknown option '{name}'");
            }
        }
        try
        {
            ServerParameters.FromStartup(parameters);
        }
        catch (ArgumentException e)
        {
            return Fail(e.Message);
        }
        if (shards != null && !sharded) return Fail("--shards needs --sharded");
        if (sharded && options.ReplicaSetName != null) return Fail("--sharded names its own replica sets: leave out --replSet");
        if (parameters.Count > 0) options = options with { Parameters = parameters };
        return (options, sharded ? shards ?? 2 : null);
    }

    private static (TestServerOptions, int?)? Fail(string problem)
    {
        Console.Error.WriteLine(problem);
        Console.Error.WriteLine(Usage);
        return null;
    }
}
