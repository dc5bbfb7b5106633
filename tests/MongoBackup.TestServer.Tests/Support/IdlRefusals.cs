using MongoDB.Driver;

namespace MongoBackup.TestServer.Tests.Support;

/// <summary>
/// The code and message mongod's IDL parser refuses a command body with (src/mongo/idl/idl_parser.cpp), and the
/// in-memory server's refusal of what it does not serve, for tests to compare a <see cref="MongoCommandException"/> with.
/// </summary>
public static class IdlRefusals
{
    public static (int, string) Of(MongoCommandException error) => (error.Code, error.ErrorMessage);

    public static (int, string) UnknownField(string path) => (40415, $"BSON field '{path}' is an unknown field.");

    public static (int, string) WrongType(string path, string actual, string expected) =>
        (14, $"BSON field '{path}' is the wrong type '{actual}', {expected}");

    public static (int, string) MissingRequired(string path) => (40414, $"BSON field '{path}' is missing but a required field");

    /// <summary>The in-memory server's refusal (CommandNotFound) of a declared field it does not serve, naming it.</summary>
    public static void AssertNotServed(MongoCommandException error, string path)
    {
        Assert.Equal(59, error.Code);
        Assert.StartsWith($"the in-memory test server does not implement '{path}'", error.ErrorMessage);
    }
}
