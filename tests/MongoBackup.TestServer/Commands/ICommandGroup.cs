using MongoDB.Bson;

namespace MongoBackup.TestServer.Commands;

/// <summary>A command implementation: takes the context, returns the reply body (ok: 1 is added when missing).</summary>
internal delegate BsonDocument CommandHandler(CommandContext context);

/// <summary>A family of related commands that registers its handlers in the dispatcher's table.</summary>
internal interface ICommandGroup
{
    void Register(CommandTable table);
}

/// <summary>Command name -> handler, and whether it may run before authentication.</summary>
internal sealed class CommandTable
{
    private readonly Dictionary<string, (CommandHandler Handler, bool BeforeAuth)> _handlers = new(StringComparer.Ordinal);

    public void Add(string name, CommandHandler handler, bool beforeAuth = false) => _handlers[name] = (handler, beforeAuth);

    public bool TryGet(string name, out CommandHandler handler, out bool beforeAuth)
    {
        if (_handlers.TryGetValue(name, out var entry))
        {
            handler = entry.Handler;
            beforeAuth = entry.BeforeAuth;
            return true;
        }
        handler = null!;
        beforeAuth = false;
        return false;
    }

    public IEnumerable<string> Names => _handlers.Keys.OrderBy(n => n, StringComparer.Ordinal);
}
