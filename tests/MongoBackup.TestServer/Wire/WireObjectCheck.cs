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
            // Field names are short: a plain scan beats a vectorized search set up for each one.
            var nameEnd = position + 1;
            while (nameEnd < end && bytes[nameEnd] != 0) nameEnd++;
            if (nameEnd >= end) return "a field name runs past the end of its document";
            position = ValueEnd(bytes, type, nameEnd + 1, end, depth, ref offset, out var problem);
            if (problem != null) return problem;
        }
        if (position != end)
        {
            offset = end;
            return "the last element runs past the end of its document";
        }
        return null;
    }

    /// <summary>
    /// Where the value of <paramref name="type"/> at <paramref name="value"/> ends, which must be at most
    /// <paramref name="end"/>; otherwise <paramref name="problem"/> says what is wrong.
    /// </summary>
    private static int ValueEnd(ReadOnlySpan<byte> bytes, byte type, int value, int end, int depth, ref int offset, out string? problem)
    {
        problem = null;
        switch (type)
        {
            case 0x01 or 0x09 or 0x11 or 0x12: return Fixed(8, value, end, out problem);
            case 0x10: return Fixed(4, value, end, out problem);
            case 0x13: return Fixed(16, value, end, out problem);
            case 0x07: return Fixed(12, value, end, out problem);
            case 0x06 or 0x0A or 0x7F or 0xFF: return value;
            case 0x08:
                if (end - value < 1) return Fail("a boolean runs past the end of its document", out problem);
                return bytes[value] <= 1 ? value + 1 : Fail($"a boolean holds {bytes[value]}, not 0 or 1", out problem);
            case 0x02 or 0x0D or 0x0E: return StringEnd(bytes, value, end, out problem);
            case 0x05:
            {
                if (end - value < 5) return Fail("a binary value runs past the end of its document", out problem);
                var length = BinaryPrimitives.ReadInt32LittleEndian(bytes[value..]);
                if (length < 0 || length > end - value - 5) return Fail($"binary length {length} does not fit in its document", out problem);
                // Subtype 2 (the old binary) holds its own length again, which must be the outer one less four: the
                // BSON corpus (specifications, bson-corpus/tests/binary.json) lists "subtype 0x02 length too long",
                // "too short" and "negative length" among its decode errors.
                if (bytes[value + 4] == 2 && (length < 4 || BinaryPrimitives.ReadInt32LittleEndian(bytes[(value + 5)..]) != length - 4))
                    return Fail("an old binary (subtype 2) whose inner length is not its length less four", out problem);
                return value + 5 + length;
            }
            case 0x0B:
            {
                var pattern = bytes[value..end].IndexOf((byte)0);
                var options = pattern < 0 ? -1 : bytes[(value + pattern + 1)..end].IndexOf((byte)0);
                return options < 0 ? Fail("a regular expression runs past the end of its document", out problem) : value + pattern + 1 + options + 1;
            }
            case 0x0C:
            {
                var afterName = StringEnd(bytes, value, end, out problem);
                if (problem != null) return 0;
                return afterName + 12 <= end ? afterName + 12 : Fail("a DBPointer runs past the end of its document", out problem);
            }
            case 0x03 or 0x04:
            {
                if (end - value < 5) return Fail("an embedded document runs past the end of its parent", out problem);
                var length = BinaryPrimitives.ReadInt32LittleEndian(bytes[value..]);
                if (length < 5 || length > end - value) return Fail($"embedded document length {length} does not fit in its parent", out problem);
                problem = ProblemInDocument(bytes, value, depth + 1, out offset);
                return value + length;
            }
            case 0x0F:
                return CodeWithScopeEnd(bytes, value, end, depth, ref offset, out problem);
            default:
                return Fail($"unknown BSON type {type}", out problem);
        }
    }

    private static int Fixed(int length, int value, int end, out string? problem)
    {
        problem = null;
        return length <= end - value ? value + length : Fail("a value runs past the end of its document", out problem);
    }

    private static int Fail(string message, out string? problem)
    {
        problem = message;
        return 0;
    }

    private static int StringEnd(ReadOnlySpan<byte> bytes, int value, int end, out string? problem)
    {
        problem = null;
        if (end - value < 4) return Fail("a string runs past the end of its document", out problem);
        var length = BinaryPrimitives.ReadInt32LittleEndian(bytes[value..]);
        if (length < 1 || length > end - value - 4) return Fail($"string length {length} does not fit in its document", out problem);
        return bytes[value + 4 + length - 1] == 0 ? value + 4 + length : Fail("a string does not end with a NUL byte", out problem);
    }

    /// <summary>Code with scope: {int32 total, string code, document scope}, the total covering exactly the two.</summary>
    private static int CodeWithScopeEnd(ReadOnlySpan<byte> bytes, int value, int end, int depth, ref int offset, out string? problem)
    {
        if (end - value < 4) return Fail("a code-with-scope value runs past the end of its document", out problem);
        var total = BinaryPrimitives.ReadInt32LittleEndian(bytes[value..]);
        if (total < 4 + 5 + 5 || total > end - value) return Fail($"code-with-scope length {total} does not fit in its document", out problem);
        var scopeEnd = value + total;
        var scope = StringEnd(bytes, value + 4, scopeEnd, out problem);
        if (problem != null) return 0;
        if (scopeEnd - scope < 5 || BinaryPrimitives.ReadInt32LittleEndian(bytes[scope..]) != scopeEnd - scope)
            return Fail("code-with-scope length disagrees with its code and scope", out problem);
        problem = ProblemInDocument(bytes, scope, depth + 1, out offset);
        return scopeEnd;
    }
}
