using System.Buffers.Binary;
using System.Text;

namespace MongoBackup.TestServer.Wire;

/// <summary>
/// What a command body's field names say that its deserialized form no longer can, read from its bytes (already checked
/// by <see cref="WireObjectCheck"/>): a top-level field named twice (a <see cref="MongoDB.Bson.BsonDocument"/> cannot
/// hold both), and top-level arrays whose members are not named "0", "1", "2"... (a <see cref="MongoDB.Bson.BsonArray"/>
/// drops the names). mongod's IDL parsers refuse both (src/mongo/idl/idl_parser.cpp: throwDuplicateField 40413;
/// throwBadArrayFieldNumberValue 40422 and throwBadArrayFieldNumberSequence 40423, which the generated parser of every
/// array field calls, member by member, as it reads the array).
/// </summary>
internal static class BodyFieldNames
{
    /// <summary>The first field named twice, with the body's first field (the command's name), or null.</summary>
    public static (string Command, string Name)? Duplicate(ReadOnlySpan<byte> body)
    {
        var elements = Elements(body);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, _, _) in elements)
            if (!seen.Add(name)) return (elements[0].Name, name);
        return null;
    }

    /// <summary>For each top-level array whose members are misnamed, its first misnamed member; null when there is none.</summary>
    public static Dictionary<string, MisnamedMember>? MisnamedArrayMembers(ReadOnlySpan<byte> body)
    {
        Dictionary<string, MisnamedMember>? found = null;
        foreach (var (name, type, value) in Elements(body))
        {
            if (type != 0x04) continue;
            var length = BinaryPrimitives.ReadInt32LittleEndian(body[value..]);
            if (FirstMisnamed(body.Slice(value, length)) is { } member) (found ??= new(StringComparer.Ordinal))[name] = member;
        }
        return found;
    }

    /// <summary>
    /// The generated parser reads each member's name as an unsigned 32-bit decimal (NumberParser): one that is not a
    /// number is refused as an invalid value, one that is a number other than its position as out of sequence.
    /// </summary>
    private static MisnamedMember? FirstMisnamed(ReadOnlySpan<byte> array)
    {
        uint expected = 0;
        foreach (var (name, _, _) in Elements(array))
        {
            if (!uint.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
                return new MisnamedMember(name, null, expected);
            if (number != expected) return new MisnamedMember(name, number, expected);
            expected++;
        }
        return null;
    }

    /// <summary>Each element of a checked document: its name, type byte and the offset of its value.</summary>
    private static List<(string Name, byte Type, int Value)> Elements(ReadOnlySpan<byte> document)
    {
        var elements = new List<(string, byte, int)>();
        var end = BinaryPrimitives.ReadInt32LittleEndian(document) - 1;
        var position = 4;
        while (position < end)
        {
            var type = document[position];
            var nameLength = document[(position + 1)..].IndexOf((byte)0);
            var name = Encoding.UTF8.GetString(document.Slice(position + 1, nameLength));
            var value = position + 1 + nameLength + 1;
            elements.Add((name, type, value));
            position = value + ValueLength(document, type, value);
        }
        return elements;
    }

    private static int ValueLength(ReadOnlySpan<byte> bytes, byte type, int value)
    {
        var length = type is 0x02 or 0x03 or 0x04 or 0x05 or 0x0C or 0x0D or 0x0E or 0x0F ? BinaryPrimitives.ReadInt32LittleEndian(bytes[value..]) : 0;
        return type switch
        {
            0x01 or 0x09 or 0x11 or 0x12 => 8,
            0x10 => 4,
            0x13 => 16,
            0x07 => 12,
            0x08 => 1,
            0x06 or 0x0A or 0x7F or 0xFF => 0,
            0x02 or 0x0D or 0x0E => 4 + length,
            0x03 or 0x04 or 0x0F => length,
            0x05 => 4 + 1 + length,
            0x0C => 4 + length + 12,
            0x0B => RegexLength(bytes, value),
            _ => throw new MalformedMessageException($"unknown BSON type {type}"), // WireObjectCheck refused it first
        };
    }

    private static int RegexLength(ReadOnlySpan<byte> bytes, int value)
    {
        var pattern = bytes[value..].IndexOf((byte)0) + 1;
        return pattern + bytes[(value + pattern)..].IndexOf((byte)0) + 1;
    }
}

/// <summary>An array member whose name is not its position: <see cref="Number"/> is its name read as a number, null when it is not one.</summary>
internal sealed record MisnamedMember(string Name, uint? Number, uint Expected)
{
    /// <summary>mongod's refusal of the member, in the array at <paramref name="path"/> ("insert.documents").</summary>
    public CommandFailure Failure(string path) => Number is { } number
        ? new CommandFailure(40423, "Location40423",
            $"BSON array field '{path}' has a non-sequential value '{number}' for an array field name, expected value '{Expected}'.")
        : new CommandFailure(40422, "Location40422", $"BSON array field '{path}' has an invalid value '{Name}' for an array field name.");
}
