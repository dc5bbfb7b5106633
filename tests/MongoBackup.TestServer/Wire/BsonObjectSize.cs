using System.Buffers.Binary;
using System.Text;

namespace MongoBackup.TestServer.Wire;

/// <summary>
/// The largest document a request may hold: BSONObjMaxInternalSize, 16 MiB + 16 KiB (bson/util/builder.h). A command body
/// (or a document of a document sequence) over it is refused as MongoDB refuses it when it reads the message
/// (BSONObj::_assertInvalid): BSONObjectTooLarge, code 10334, "BSONObj size: N (0xHEX) is invalid. Size must be between 0
/// and 16793600(16MB) First element: name: value". The connection stays open and the error is the reply.
/// </summary>
internal static class BsonObjectSize
{
    public const int MaxInternal = 16 * 1024 * 1024 + 16 * 1024;

    public static CommandFailure TooLarge(ReadOnlySpan<byte> document, int size) =>
        new(10334, "BSONObjectTooLarge",
            $"BSONObj size: {size} (0x{size:X}) is invalid. Size must be between 0 and {MaxInternal}(16MB) First element: {FirstElement(document)}");

    /// <summary>
    /// The first element as MongoDB's message shows it, read from the bytes without parsing the (too large) rest: its name
    /// and, for a string or number, its value; a document or array is shown as { ... } or [ ... ] (MongoDB prints the start
    /// of it, this server does not).
    /// </summary>
    private static string FirstElement(ReadOnlySpan<byte> document)
    {
        if (document.Length < 6) return "EOO";
        var type = document[4];
        var nameEnd = document[5..].IndexOf((byte)0);
        if (nameEnd < 0) return "EOO";
        var name = Encoding.UTF8.GetString(document.Slice(5, nameEnd));
        var value = document[(6 + nameEnd)..];
        var shown = type switch
        {
            0x02 when value.Length >= 4 => "\"" + Encoding.UTF8.GetString(value.Slice(4, Math.Min(BinaryPrimitives.ReadInt32LittleEndian(value) - 1, Math.Min(value.Length - 4, 100)))) + "\"",
            0x10 when value.Length >= 4 => BinaryPrimitives.ReadInt32LittleEndian(value).ToString(),
            0x12 when value.Length >= 8 => BinaryPrimitives.ReadInt64LittleEndian(value).ToString(),
            0x01 when value.Length >= 8 => BinaryPrimitives.ReadDoubleLittleEndian(value).ToString(System.Globalization.CultureInfo.InvariantCulture),
            0x03 => "{ ... }",
            0x04 => "[ ... ]",
            _ => "...",
        };
        return name + ": " + shown;
    }
}
