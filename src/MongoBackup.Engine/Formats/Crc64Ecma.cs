namespace MongoBackup.Engine.Formats;

/// <summary>
/// The CRC-64 (ECMA-182 polynomial, reflected, inverted in and out: Go's crc64.ECMA) that mongodump
/// writes in each archive namespace's end marker over all of that namespace's documents.
/// </summary>
internal sealed class Crc64Ecma
{
    private const ulong ReflectedPolynomial = 0xC96C5795D7870F42;
    private static readonly ulong[] Table = BuildTable();

    /// <summary>The checksum of everything appended so far (0 for nothing).</summary>
    public ulong Value { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        var crc = ~Value;
        foreach (var b in data)
            crc = Table[(byte)(crc ^ b)] ^ (crc >> 8);
        Value = ~crc;
    }

    private static ulong[] BuildTable()
    {
        var table = new ulong[256];
        for (ulong i = 0; i < 256; i++)
        {
            var crc = i;
            for (var bit = 0; bit < 8; bit++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ ReflectedPolynomial : crc >> 1;
            table[i] = crc;
        }
        return table;
    }
}
