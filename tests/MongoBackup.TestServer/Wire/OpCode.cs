namespace MongoBackup.TestServer.Wire;

/// <summary>The wire-protocol opcodes this server understands.</summary>
internal static class OpCode
{
    public const int Reply = 1;
    public const int Query = 2004;
    public const int Msg = 2013;
}

/// <summary>OP_MSG flag bits.</summary>
[Flags]
internal enum MessageFlags : uint
{
    None = 0,
    ChecksumPresent = 1,
    MoreToCome = 2,
    ExhaustAllowed = 1 << 16,
}
