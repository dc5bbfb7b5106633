using System.Buffers.Binary;

namespace MongoBackup.TestServer.Storage;

/// <summary>
/// A record kept as a small template plus a document it embeds by reference, assembled into its BSON bytes only when
/// read. An oplog insert entry holds the inserted document this way, so each insert keeps one copy of its bytes, not two.
/// The template is a complete BSON document whose embedded document is the empty one {} at <see cref="_documentOffset"/>.
/// </summary>
internal sealed class DeferredRecord
{
    private const int EmptyDocumentLength = 5;

    private readonly byte[] _template;
    private readonly int _documentOffset;
    private readonly byte[] _document;

    public DeferredRecord(byte[] template, int documentOffset, byte[] document)
    {
        _template = template;
        _documentOffset = documentOffset;
        _document = document;
        Length = template.Length - EmptyDocumentLength + document.Length;
    }

    public int Length { get; }

    /// <summary>The record's bytes, built fresh on each call (readers may keep them).</summary>
    public byte[] Materialize()
    {
        var bytes = new byte[Length];
        _template.AsSpan(0, _documentOffset).CopyTo(bytes);
        _document.CopyTo(bytes.AsSpan(_documentOffset));
        _template.AsSpan(_documentOffset + EmptyDocumentLength).CopyTo(bytes.AsSpan(_documentOffset + _document.Length));
        BinaryPrimitives.WriteInt32LittleEndian(bytes, Length);
        return bytes;
    }
}
