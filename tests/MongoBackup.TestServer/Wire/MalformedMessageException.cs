namespace MongoBackup.TestServer.Wire;

/// <summary>A frame that does not follow the wire protocol; the connection that sent it is closed.</summary>
internal sealed class MalformedMessageException : Exception
{
    public MalformedMessageException(string message) : base(message) { }
}
