using System.Security.Cryptography;
using System.Text;
using MongoBackup.Engine.Codecs;

namespace MongoBackup.Engine.Formats;

/// <summary>
/// mongodump's file-name rules (mongo-tools mongodump/prepare.go, outputPath). A collection name becomes a file stem
/// by query-escaping its UTF-8 bytes (unreserved characters stay, space becomes '+', everything else %XX); a stem
/// longer than 238 characters (so that the longest file, "&lt;stem&gt;.metadata.json.gz", fits in 255 bytes) is cut
/// to 208 characters and followed by "%24" and the unpadded base64url SHA-1 of the name (27 characters). Database
/// names are used as they are: MongoDB forbids the characters that would be unsafe in a folder name.
/// Our zstd files end in ".zst", one byte longer than ".gz", so their stems are cut one character shorter (237:
/// 207 + "%24" + hash); plain and gzip stems are exactly mongodump's. Encryption adds no suffix.
/// </summary>
public static class DumpNames
{
    /// <summary>Longest stem mongodump writes; a stem of exactly this length containing "%24" is a truncated name.</summary>
    public const int MaxStemLength = 238;
    /// <summary>The longest file name most file systems (and so mongodump) allow, in bytes.</summary>
    public const int MaxFileNameBytes = 255;
    private const int HashTextLength = 27;
    private const string HashDelimiter = "%24";

    /// <summary>The longest stem for files of compression <paramref name="c"/>: 238, or less when the suffixes would not fit.</summary>
    public static int MaxStemLengthFor(Compression c) =>
        Math.Min(MaxStemLength, MaxFileNameBytes - (DumpLayout.MetadataExtension + CompressionCodec.FileSuffix(c)).Length);

    /// <summary>The stem of a collection's files as mongodump names them (plain or gzip).</summary>
    public static string EscapeCollection(string collectionName) => EscapeCollection(collectionName, Compression.Gzip);

    /// <summary>The stem of a collection's files of compression <paramref name="c"/>, short enough for every suffix they take.</summary>
    public static string EscapeCollection(string collectionName, Compression c)
    {
        ArgumentException.ThrowIfNullOrEmpty(collectionName);
        var escaped = QueryEscape(collectionName);
        var max = MaxStemLengthFor(c);
        if (escaped.Length <= max) return escaped;
        var hash = SHA1.HashData(Encoding.UTF8.GetBytes(collectionName));
        var hashText = Convert.ToBase64String(hash).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return escaped[..(max - HashDelimiter.Length - HashTextLength)] + HashDelimiter + hashText;
    }

    /// <summary>
    /// The collection name a file stem stands for. A truncated stem (see <see cref="IsTruncated(string)"/>) cannot be
    /// reversed: the full name is in the metadata file's collectionName.
    /// </summary>
    /// <exception cref="ArgumentException">The stem is a truncated name.</exception>
    /// <exception cref="FormatException">The stem holds a malformed %-escape or escapes that are not UTF-8.</exception>
    public static string UnescapeCollection(string fileStem) => UnescapeCollection(fileStem, Compression.Gzip);

    /// <inheritdoc cref="UnescapeCollection(string)"/>
    public static string UnescapeCollection(string fileStem, Compression c)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileStem);
        if (IsTruncated(fileStem, c))
            throw new ArgumentException(
                $"'{fileStem}' is a shortened collection name; the full name is in its metadata file's collectionName.", nameof(fileStem));
        return QueryUnescape(fileStem);
    }

    /// <summary>True when mongodump shortened the name into this stem, so the name must come from the metadata.</summary>
    public static bool IsTruncated(string fileStem) => IsTruncated(fileStem, Compression.Gzip);

    /// <summary>True when a file of compression <paramref name="c"/> has a shortened name in this stem.</summary>
    public static bool IsTruncated(string fileStem, Compression c) =>
        fileStem.Length == MaxStemLengthFor(c) && fileStem.Contains(HashDelimiter, StringComparison.Ordinal);

    /// <summary>
    /// The folder name of database <paramref name="db"/>: the name itself, as mongodump uses it.
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty or holds a character MongoDB forbids in database names (/\. "$ and NUL).</exception>
    public static string EscapeDatabase(string db)
    {
        ValidateDatabaseName(db);
        return db;
    }

    /// <summary>
    /// The database a dump folder stands for: the folder name itself.
    /// </summary>
    /// <exception cref="ArgumentException">The folder name cannot be a database name.</exception>
    public static string UnescapeDatabase(string dir)
    {
        ValidateDatabaseName(dir);
        return dir;
    }

    private static void ValidateDatabaseName(string db)
    {
        ArgumentException.ThrowIfNullOrEmpty(db);
        // The characters MongoDB itself rejects in database names on every platform.
        var bad = db.IndexOfAny(['/', '\\', '.', ' ', '"', '$', '\0']);
        if (bad >= 0)
            throw new ArgumentException($"'{db}' is not a valid MongoDB database name: it contains '{db[bad]}'.", nameof(db));
    }

    private static bool IsUnreserved(byte b) =>
        b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9'
            or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~';

    private static string QueryEscape(string text)
    {
        var result = new StringBuilder(text.Length * 2);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            if (IsUnreserved(b)) result.Append((char)b);
            else if (b == (byte)' ') result.Append('+');
            else result.Append('%').Append(b.ToString("X2"));
        }
        return result.ToString();
    }

    private static string QueryUnescape(string stem)
    {
        var bytes = new List<byte>(stem.Length);
        for (var i = 0; i < stem.Length; i++)
        {
            var c = stem[i];
            if (c == '+') bytes.Add((byte)' ');
            else if (c == '%')
            {
                if (i + 2 >= stem.Length || !IsHex(stem[i + 1]) || !IsHex(stem[i + 2]))
                    throw new FormatException($"File name '{stem}' has a malformed escape at character {i}.");
                bytes.Add(Convert.ToByte(stem.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                // Keep surrogate pairs together so characters outside the BMP encode correctly.
                var width = char.IsHighSurrogate(c) && i + 1 < stem.Length ? 2 : 1;
                bytes.AddRange(Encoding.UTF8.GetBytes(stem.Substring(i, width)));
                i += width - 1;
            }
        }
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes.ToArray());
        }
        catch (DecoderFallbackException e)
        {
            throw new FormatException($"File name '{stem}' escapes bytes that are not UTF-8.", e);
        }
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);
}
