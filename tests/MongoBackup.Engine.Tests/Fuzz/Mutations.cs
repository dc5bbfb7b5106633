using System.Text;

namespace MongoBackup.Engine.Tests.Fuzz;

/// <summary>One way of damaging bytes, described so a failure report says what was done and where.</summary>
public sealed record Mutation(string Description, byte[] Result, int Offset);

/// <summary>
/// Damage as storage, transfer and hostile hands make it: bit flips, truncations, insertions, deletions, swapped and
/// repeated blocks, length fields set huge, and nesting far past every parser's limit.
/// </summary>
public static class Mutations
{
    private static readonly int[] HugeLengths = [int.MaxValue, int.MinValue, -1, 0, 4, 16 * 1024 * 1024 + 16 * 1024 + 1, 0x7fff_fff0];

    public static Mutation Apply(byte[] input, Random random, bool isJson)
    {
        var kinds = isJson ? 8 : 7;
        return random.Next(kinds) switch
        {
            0 => BitFlips(input, random),
            1 => Truncate(input, random),
            2 => Insert(input, random),
            3 => Delete(input, random),
            4 => SwapBlocks(input, random),
            5 => HugeLength(input, random),
            6 => isJson ? DeepJson(input, random) : DeepBson(input, random),
            _ => DeepJson(input, random),
        };
    }

    private static int Position(byte[] input, Random random) => input.Length == 0 ? 0 : random.Next(input.Length);

    private static Mutation BitFlips(byte[] input, Random random)
    {
        if (input.Length == 0) return Insert(input, random);
        var output = (byte[])input.Clone();
        var flips = random.Next(1, 9);
        var first = Position(input, random);
        var at = first;
        for (var i = 0; i < flips; i++)
        {
            output[at] ^= (byte)(1 << random.Next(8));
            at = Math.Clamp(at + random.Next(-64, 65), 0, output.Length - 1);
        }
        return new Mutation($"{flips} bit flips from byte {first}", output, first);
    }

    private static Mutation Truncate(byte[] input, Random random)
    {
        var keep = random.Next(3) == 0 ? Math.Max(0, input.Length - random.Next(1, 17)) : Position(input, random);
        return new Mutation($"cut to {keep} of {input.Length} bytes", input[..keep], keep);
    }

    private static Mutation Insert(byte[] input, Random random)
    {
        var at = random.Next(input.Length + 1);
        var bytes = new byte[random.Next(1, 65)];
        if (random.Next(2) == 0) random.NextBytes(bytes);
        return new Mutation($"{bytes.Length} bytes inserted at {at}", [.. input[..at], .. bytes, .. input[at..]], at);
    }

    private static Mutation Delete(byte[] input, Random random)
    {
        if (input.Length == 0) return Insert(input, random);
        var at = Position(input, random);
        var count = Math.Min(random.Next(1, 257), input.Length - at);
        return new Mutation($"{count} bytes deleted at {at}", [.. input[..at], .. input[(at + count)..]], at);
    }

    private static Mutation SwapBlocks(byte[] input, Random random)
    {
        if (input.Length < 4) return BitFlips(input, random);
        var size = random.Next(1, Math.Min(4096, input.Length / 2) + 1);
        var a = random.Next(input.Length - 2 * size + 1);
        var b = random.Next(a + size, input.Length - size + 1);
        var output = (byte[])input.Clone();
        input.AsSpan(a, size).CopyTo(output.AsSpan(b));
        input.AsSpan(b, size).CopyTo(output.AsSpan(a));
        if (random.Next(3) == 0) // or a block repeated over the other
            input.AsSpan(a, size).CopyTo(output.AsSpan(b));
        return new Mutation($"blocks of {size} bytes at {a} and {b} swapped or repeated", output, a);
    }

    private static Mutation HugeLength(byte[] input, Random random)
    {
        if (input.Length < 4) return Insert(input, random);
        var at = random.Next(2) == 0 ? 0 : random.Next(input.Length - 3);
        var value = HugeLengths[random.Next(HugeLengths.Length)];
        var output = (byte[])input.Clone();
        BitConverter.TryWriteBytes(output.AsSpan(at, 4), value);
        return new Mutation($"int32 {value} written at {at}", output, at);
    }

    /// <summary>Objects and arrays nested far past any limit, in place of or inside the text.</summary>
    private static Mutation DeepJson(byte[] input, Random random)
    {
        var levels = random.Next(2) == 0 ? random.Next(90, 110) : random.Next(1_000, 200_000);
        var open = random.Next(2) == 0 ? "{\"a\":" : "[";
        var close = open == "[" ? "]" : "}";
        var deep = Encoding.UTF8.GetBytes("{\"options\":" + string.Concat(Enumerable.Repeat(open, levels)) + "1"
                                          + string.Concat(Enumerable.Repeat(close, levels)) + ",\"indexes\":[]}");
        return new Mutation($"metadata nested {levels} levels", deep, 0);
    }

    /// <summary>A document nested far past any limit, inserted at the start (a document boundary of any .bson file).</summary>
    private static Mutation DeepBson(byte[] input, Random random)
    {
        var levels = random.Next(2) == 0 ? random.Next(95, 105) : random.Next(1_000, 100_000);
        return new Mutation($"a document nested {levels} levels inserted at 0", [.. Nested(levels), .. input], 0);
    }

    /// <summary>{a: {a: ... {} ...}}: level k starts at 7k with its length, type 3 and the name "a"; the terminators close it.</summary>
    public static byte[] Nested(int levels)
    {
        var document = new byte[5 + 8 * levels];
        for (var k = 0; k < levels; k++)
        {
            BitConverter.TryWriteBytes(document.AsSpan(7 * k, 4), 5 + 8 * (levels - k));
            document[7 * k + 4] = 0x03;
            document[7 * k + 5] = (byte)'a';
        }
        BitConverter.TryWriteBytes(document.AsSpan(7 * levels, 4), 5);
        return document;
    }
}
