using System.Buffers.Binary;

namespace MongoBackup.TestServer.Wire;

/// <summary>
/// MongoDB's check of every BSON document a request carries (net.wireObjectCheck, on by default): Validator&lt;BSONObj&gt;
/// in src/mongo/rpc/object_check.h runs validateBSON (src/mongo/bson/bson_validate.h, default mode) on the OP_MSG body
/// and each document-sequence member before any command sees them. Default mode is structural only: the lengths of
/// strings, code, symbols, documents, arrays, binary, DBPointer and code-with-scope are right and their terminators
/// are there, field names end with NUL, booleans are 0 or 1, type bytes are known, and documents nest at most
/// <see cref="MaxDepth"/> levels. Failures are InvalidBSON (22), or Overflow (15) for the depth, as the reply to the
/// request; the connection stays open.
/// Without it the server kept a document whose inner lengths were damaged as it came (inserts store bytes unparsed),
/// logged it into the shared oplog, and every later read that parses oplog entries failed on it.
/// This is the fake server's own reading of MongoDB's rules, written apart from the engine's validator on purpose: the
/// server is the oracle the engine's checks are tested against.
/// </summary>
internal static class WireObjectCheck
{
    /// <summary>BSONDepth::kDefaultMaxAllowableDepth (src/mongo/bson/bson_depth.h): embedded levels below the top document.</summary>
    public const int MaxDepth = 200;

    /// <summary>The refusal of <paramref name="document"/> (its first 4 bytes its length, which the caller checked fits), or null.</summary>
    /// <param name="what">Names the document in the message ("the command body", "document 3 of 'documents'").</param>
    public static CommandFailure? Check(ReadOnlySpan<byte> document, string what)
    {
        var problem = ProblemInDocument(document, 0, 0, out var offset);
        if (problem == null) return null;
        return problem == DepthProblem
            ? new CommandFailure(15, "Overflow", $"BSONObj exceeded maximum nested object depth: {MaxDepth} (in {what}, at byte offset {offset})")
            : new CommandFailure(22, "InvalidBSON", $"invalid BSON in {what} at byte offset {offset}: {problem}");
    }

    private const string DepthProblem = "nested too deep";

    /// <summary>Checks the document starting at <paramref name="start"/> (its length already known to fit in <paramref name="bytes"/>).</summary>
    private static string? ProblemInDocument(ReadOnlySpan<byte> bytes, int start, int depth, out int offset)
    {
        offset = start;
        if (depth > MaxDepth) return DepthProblem;
        var end = start + BinaryPrimitives.ReadInt32LittleEndian(bytes[start..]) - 1; // the terminating NUL
        if (bytes[end] != 0) return "the document does not end with a NUL byte";
        var position = start + 4;
        while (position < end)
        {
            offset = position;
            var type = bytes[position];
            var nameEnd = bytes[(position + 1)..end].IndexOf((byte)0);
            if (nameEnd < 0) return "a field name runs past the end of its document";
            var value = position + 1 + nameEnd + 1;
            var (next, problem) = ValueEnd(bytes, type, value, end, depth, ref offset);
            if (problem != null) return problem;
            position = next;
        }
        if (position != end)
        {
            offset = end;
            return "the last element runs past the end of its document";
        }
        return null;
    }

    /// <summary>Where the value of <paramref name="type"/> at <paramref name="value"/> ends, which must be at most <paramref name="end"/>.</summary>
    private static (int Next, string? Problem) ValueEnd(ReadOnlySpan<byte> bytes, byte type, int value, int end, int depth, ref int offset)
    {
        int Fits(int length) => length >= 0 && length <= end - value ? value + length : -1;
        switch (type)
        {
            case 0x01 or 0x09 or 0x11 or 0x12: return Fixed(Fits(8));
            case 0x10: return Fixed(Fits(4));
            case 0x13: return Fixed(Fits(16));
            case 0x07: return Fixed(Fits(12));
            case 0x06 or 0x0A or 0x7F or 0xFF: return (value, null);
            case 0x08:
                if (Fits(1) < 0) return (0, "a boolean runs past the end of its document");
                return bytes[value] <= 1 ? (value + 1, null) : (0, $"a boolean holds {bytes[value]}, not 0 or 1");
            case 0x02 or 0x0D or 0x0E: return StringEnd(bytes, value, end);
            case 0x05:
            {
                if (Fits(5) < 0) return (0, "a binary value runs past the end of its document");
                var length = BinaryPrimitives.ReadInt32LittleEndian(bytes[value..]);
                if (length < 0 || length > end - value - 5) return (0, $"binary length {length} does not fit in its document");
                // Subtype 2 (the old binary) holds its own length again, which must be the outer one less four: the
                // BSON corpus (specifications, bson-corpus/tests/binary.json) lists "subtype 0x02 length too long",
                // "too short" and "negative length" among its decode errors.
                if (bytes[value + 4] == 2 && (length < 4 || BinaryPrimitives.ReadInt32LittleEndian(bytes[(value + 5)..]) != length - 4))
                    return (0, "an old binary (subtype 2) whose inner length is not its length less four");
                return (value + 5 + length, null);
            }
            case 0x0B:
            {
                var pattern = bytes[value..end].IndexOf((byte)0);
                var options = pattern < 0 ? -1 : bytes[(value + pattern + 1)..end].IndexOf((byte)0);
                return options < 0 ? (0, "a regular expression runs past the end of its document") : (value + pattern + 1 + options + 1, null);
            }
            case 0x0C:
            {
                var (afterName, problem) = StringEnd(bytes, value, end);
                if (problem != null) return (0, problem);
                return afterName + 12 <= end ? (afterName + 12, null) : (0, "a DBPointer runs past the end of its document");
            }
            case 0x03 or 0x04:
            {
                if (Fits(5) < 0) return (0, "an embedded document runs past the end of its parent");
                var length = BinaryPrimitives.ReadInt32LittleEndian(bytes[value..]);
                if (length < 5 || length > end - value) return (0, $"embedded document length {length} does not fit in its parent");
                var problem = ProblemInDocument(bytes, value, depth + 1, out offset);
                return (value + length, problem);
            }
            case 0x0F:
                return CodeWithScopeEnd(bytes, value, end, depth, ref offset);
            default:
                return (0, $"unknown BSON type {type}");
        }

        static (int, string?) Fixed(int next) => next < 0 ? (0, "a value runs past the end of its document") : (next, null);
    }

    private static (int Next, string? Problem) StringEnd(ReadOnlySpan<byte> bytes, int value, int end)
    {
        if (end - value < 4) return (0, "a string runs past the end of its document");
        var length = BinaryPrimitives.ReadInt32LittleEndian(bytes[value..]);
        if (length < 1 || length > end - value - 4) return (0, $"string length {length} does not fit in its document");
        return bytes[value + 4 + length - 1] == 0 ? (value + 4 + length, null) : (0, "a string does not end with a NUL byte");
    }

    /// <summary>Code with scope: {int32 total, string code, document scope}, the total covering exactly the two.</summary>
    private static (int Next, string? Problem) CodeWithScopeEnd(ReadOnlySpan<byte> bytes, int value, int end, int depth, ref int offset)
    {
        if (end - value < 4) return (0, "a code-with-scope value runs past the end of its document");
        var total = BinaryPrimitives.ReadInt32LittleEndian(bytes[value..]);
        if (total < 4 + 5 + 5 || total > end - value) return (0, $"code-with-scope length {total} does not fit in its document");
        var scopeEnd = value + total;
        var (scope, problem) = StringEnd(bytes, value + 4, scopeEnd);
        if (problem != null) return (0, problem);
        if (scopeEnd - scope < 5 || BinaryPrimitives.ReadInt32LittleEndian(bytes[scope..]) != scopeEnd - scope)
            return (0, "code-with-scope length disagrees with its code and scope");
        return (scopeEnd, ProblemInDocument(bytes, scope, depth + 1, out offset));
    }
}
