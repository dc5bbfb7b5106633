using MongoDB.Bson;

namespace MongoBackup.TestServer;

/// <summary>
/// A command that fails the way MongoDB fails it: the reply carries ok: 0, this code, code name and message.
/// Thrown anywhere below the command dispatcher; the dispatcher turns it into the error reply.
/// </summary>
public sealed class CommandFailure : Exception
{
    public CommandFailure(int code, string codeName, string message) : base(message)
    {
        Code = code;
        CodeName = codeName;
    }

    public int Code { get; }
    public string CodeName { get; }

    /// <summary>Fields MongoDB adds to this error's reply (a DuplicateKey error's keyPattern and keyValue, applyOps' results).</summary>
    public BsonDocument? ExtraInfo { get; init; }

    public static CommandFailure BadValue(string message) => new(2, "BadValue", message);
    public static CommandFailure FailedToParse(string message) => new(9, "FailedToParse", message);
    public static CommandFailure TypeMismatch(string message) => new(14, "TypeMismatch", message);
    public static CommandFailure NamespaceNotFound(string message) => new(26, "NamespaceNotFound", message);
    public static CommandFailure IndexNotFound(string message) => new(27, "IndexNotFound", message);
    public static CommandFailure NamespaceExists(string message) => new(48, "NamespaceExists", message);
    public static CommandFailure CommandNotFound(string command) =>
        new(59, "CommandNotFound", $"no such command: '{command}'");
    public static CommandFailure InvalidOptions(string message) => new(72, "InvalidOptions", message);
    public static CommandFailure IllegalOperation(string message) => new(20, "IllegalOperation", message);
    public static CommandFailure CursorNotFound(long id) => new(43, "CursorNotFound", $"cursor id {id} not found");
    public static CommandFailure InvalidNamespace(string message) => new(73, "InvalidNamespace", message);
    public static CommandFailure NoReplicationEnabled() => new(76, "NoReplicationEnabled", "not running with --replSet");
    public static CommandFailure IndexOptionsConflict(string message) => new(85, "IndexOptionsConflict", message);
    public static CommandFailure IndexKeySpecsConflict(string message) => new(86, "IndexKeySpecsConflict", message);
    public static CommandFailure NoSuchTransaction(string message) => new(251, "NoSuchTransaction", message);
    public static CommandFailure DuplicateKey(string message) => new(11000, "DuplicateKey", message);
    public static CommandFailure Unauthorized(string message) => new(13, "Unauthorized", message);
    public static CommandFailure DatabaseDifferCase(string message) => new(13297, "DatabaseDifferCase", message);
    public static CommandFailure AuthenticationFailed() => new(18, "AuthenticationFailed", "Authentication failed.");
}
