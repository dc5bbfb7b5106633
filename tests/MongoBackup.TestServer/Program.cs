using MongoBackup.TestServer;

// Runs the in-memory MongoDB test server (or, with --sharded, a sharded cluster) until Ctrl+C, SIGTERM or end of
// standard input. Standard output carries, for a cluster, one "member <role> <name> <connection string>" line per member,
// then exactly one line, "ready <connection string>" (the mongos's for a cluster); everything else goes to standard error.
var parsed = ServerCommandLine.Parse(args);
if (parsed is not var (options, shards)) return 2;
using IDisposable server = shards is { } count
    ? MongoBackup.TestServer.Sharding.ShardedCluster.Start(new() { Shards = count, Members = options })
    : MongoTestServer.Start(options);
if (server is MongoBackup.TestServer.Sharding.ShardedCluster cluster)
    foreach (var member in cluster.Members) Console.Out.WriteLine($"member {member.Role} {member.Name} {member.ConnectionString}");
Console.Out.WriteLine("ready " + (server is MongoTestServer single ? single.ConnectionString : ((MongoBackup.TestServer.Sharding.ShardedCluster)server).ConnectionString));
Console.Out.Flush();

var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
    System.Runtime.InteropServices.PosixSignal.SIGTERM, context => { context.Cancel = true; stop.TrySetResult(); });
_ = Task.Run(() =>
{
    // The parent closing our stdin means it is gone: stop with it.
    var input = Console.OpenStandardInput();
    var buffer = new byte[256];
    while (input.Read(buffer, 0, buffer.Length) > 0) { }
    stop.TrySetResult();
});
await stop.Task;
return 0;
