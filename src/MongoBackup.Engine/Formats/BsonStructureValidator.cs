using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace MongoBackup.Engine.Formats;

/// <summary>
/// Walks one raw BSON document and checks that every element is well formed: known type bytes,
/// terminated names and strings, and nested lengths that stay inside their parent. Catches the
/// damage a length-prefix check alone lets through, without deserialising anything.
/// </summary>
internal static class BsonStructureValidator
{
    /// <summary>
    /// A server nests documents at most 200 levels by default and 1000 when configured to the most it allows
    /// (BSONDepth::kDefaultMaxAllowableDepth and kBSONDepthParameterCeiling, src/mongo/bson/bson_depth.h), so no
    /// document a server stored is deeper than this. The walk keeps its own stack of open documents instead of
    /// recursing, so no depth can exhaust the thread's stack.
    /// </summary>
    public const int MaxDepth = 1024;

    /// <summary>Returns null when the document is well formed, otherwise what is wrong and where (offset inside the document).</summary>
    /// <param name="maxDepth">The deepest nesting accepted (0: a document without embedded documents or arrays).</param>
    public static (int Offset, string Problem)? FindProblem(ReadOnlySpan<byte> document, int maxDepth = MaxDepth)
    {
        // The terminator's index of each open document; an array's is stored complemented (negative).
        Span<int> open = stackalloc int[64];
        try
        {
            Walk(document, maxDepth, open);
            return null;
        }
        catch (MalformedBson e)
        {
            return (e.Offset, e.Message);
        }
    }

    private sealed class MalformedBson(int offset, string problem) : Exception(problem)
    {
        public int Offset { get; } = offset;
    }

    private static void Walk(ReadOnlySpan<byte> buf, int maxDepth, Span<int> open)
    {
        int[]? rented = null; // past 64 levels the stack of open documents moves to a pooled array
        try { Walk(buf, maxDepth, open, ref rented); }
        finally { if (rented is not null) System.Buffers.ArrayPool<int>.Shared.Return(rented); }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Walk(ReadOnlySpan<byte> buf, int maxDepth, Span<int> open, ref int[]? rented)
    {
        var depth = 0;
        open[0] = OpenDocument(buf, 0, buf.Length, isArray: false);
        var pos = 4;
        while (true)
        {
            var isArray = open[depth] < 0;
            var end = isArray ? ~open[depth] : open[depth];
            if (pos == end)
            {
                if (depth == 0) return;
                depth--;
                pos = end + 1; // past the child's terminator, back in its parent
                continue;
            }
            if (pos > end)
                throw new MalformedBson(end, $"last element of the {(isArray ? "array" : "document")} overruns its terminator");

            var type = buf[pos];
            var elementStart = pos;
            pos = SkipCString(buf, pos + 1, end, "field name");
            int child;
            switch (type)
            {
                case 0x03 or 0x04:
                    child = OpenDocument(buf, pos, end - pos, isArray: type == 0x04);
                    pos += 4;
                    break;
                case 0x0F:
                    (child, pos) = OpenCodeScope(buf, pos, end, elementStart);
                    break;
                default:
                    pos = SkipValue(buf, type, elementStart, pos, end);
                    continue;
            }
            if (++depth > maxDepth)
                throw new MalformedBson(elementStart, $"documents nested deeper than {maxDepth} levels");
            if (depth == open.Length)
            {
                var larger = System.Buffers.ArrayPool<int>.Shared.Rent(open.Length * 2);
                open.CopyTo(larger);
                if (rented is not null) System.Buffers.ArrayPool<int>.Shared.Return(rented);
                rented = larger;
                open = larger;
            }
            open[depth] = child;
        }
    }

    /// <summary>Checks an embedded document's length and terminator; returns its terminator's index (complemented for an array).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int OpenDocument(ReadOnlySpan<byte> buf, int start, int available, bool isArray)
    {
        var kind = isArray ? "array" : "document";
        if (available < 5)
            throw new MalformedBson(start, $"embedded {kind} needs at least 5 bytes but only {available} remain");
        var length = BinaryPrimitives.ReadInt32LittleEndian(buf.Slice(start, 4));
        if (length < 5 || length > available)
            throw new MalformedBson(start, $"embedded {kind} length {length} does not fit in the {available} bytes its parent leaves");
        var end = start + length - 1;
        if (buf[end] != 0)
            throw new MalformedBson(end, $"{kind} is not terminated by a zero byte");
        return isArray ? ~end : end;
    }

    /// <summary>Code with scope: total length, code string, then the scope document, which is walked like an embedded one.</summary>
    private static (int Scope, int ScopeBody) OpenCodeScope(ReadOnlySpan<byte> buf, int pos, int end, int elementStart)
    {
        Fixed(pos, 4, end, elementStart);
        var total = BinaryPrimitives.ReadInt32LittleEndian(buf.Slice(pos, 4));
        if (total < 14 || total > end - pos)
            throw new MalformedBson(pos, $"code-with-scope length {total} overruns the document");
        var afterCode = SkipString(buf, pos + 4, pos + total);
        var scope = OpenDocument(buf, afterCode, pos + total - afterCode, isArray: false);
        if (scope + 1 != pos + total)
            throw new MalformedBson(pos, "code-with-scope length disagrees with its parts");
        return (scope, afterCode + 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int SkipValue(ReadOnlySpan<byte> buf, byte type, int elementStart, int pos, int end)
    {
        switch (type)
        {
            case 0x01: case 0x09: case 0x11: case 0x12: return Fixed(pos, 8, end, elementStart);
            case 0x10: return Fixed(pos, 4, end, elementStart);
            case 0x13: return Fixed(pos, 16, end, elementStart);
            case 0x07: return Fixed(pos, 12, end, elementStart);
            case 0x06: case 0x0A: case 0x7F: case 0xFF: return pos;
            case 0x08:
                Fixed(pos, 1, end, elementStart);
                if (buf[pos] > 1)
                    throw new MalformedBson(pos, $"boolean holds {buf[pos]}, not 0 or 1");
                return pos + 1;
            case 0x02: case 0x0D: case 0x0E: return SkipString(buf, pos, end);
            case 0x05:
            {
                Fixed(pos, 5, end, elementStart);
                var size = BinaryPrimitives.ReadInt32LittleEndian(buf.Slice(pos, 4));
                if (size < 0 || size > end - pos - 5)
                    throw new MalformedBson(pos, $"binary length {size} overruns the document");
                return pos + 5 + size;
            }
            case 0x0B:
                pos = SkipCString(buf, pos, end, "regular expression pattern");
                return SkipCString(buf, pos, end, "regular expression options");
            case 0x0C:
                pos = SkipString(buf, pos, end);
                return Fixed(pos, 12, end, elementStart);
            default:
                throw new MalformedBson(elementStart, $"unknown BSON element type 0x{type:x2}");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Fixed(int pos, int size, int end, int elementStart)
    {
        if (pos + size > end)
            throw new MalformedBson(elementStart, $"element value of {size} bytes overruns the document");
        return pos + size;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int SkipCString(ReadOnlySpan<byte> buf, int pos, int end, string what)
    {
        var zero = buf.Slice(pos, end - pos).IndexOf((byte)0);
        if (zero < 0)
            throw new MalformedBson(pos, $"{what} is not terminated inside the document");
        return pos + zero + 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int SkipString(ReadOnlySpan<byte> buf, int pos, int end)
    {
        if (pos + 4 > end)
            throw new MalformedBson(pos, "string length overruns the document");
        var size = BinaryPrimitives.ReadInt32LittleEndian(buf.Slice(pos, 4));
        if (size < 1 || size > end - pos - 4)
            throw new MalformedBson(pos, $"string length {size} overruns the document");
        if (buf[pos + 4 + size - 1] != 0)
            throw new MalformedBson(pos, "string is not terminated by a zero byte");
        return pos + 4 + size;
    }
}
