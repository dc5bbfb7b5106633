using MongoBackup.TestServer;

// Runs the in-memory MongoDB test server until Ctrl+C, SIGTERM or end of standard input.
// Standard output carries exactly one line, "ready <connection string>"; everything else goes to standard error.
var options = ServerCommandLine.Parse(args);
if (options == null) return 2;
using var server = MongoTestServer.Start(options);
Console.Out.WriteLine("ready " + server.ConnectionString);
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
