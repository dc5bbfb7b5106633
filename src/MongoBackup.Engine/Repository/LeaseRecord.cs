using System.Text.Json;
using System.Text.Json.Serialization;

namespace MongoBackup.Engine.Repository;

/// <summary>
/// What a lease file or lock object holds: who, a token unique to this grant (so a holder can tell its own lease
/// from a successor's), and when it runs out. Stored as small JSON; the expiry is wall-clock UTC.
/// </summary>
public sealed record LeaseRecord(
    [property: JsonPropertyName("holder")] string Holder,
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("expires")] DateTimeOffset ExpiresAt)
{
    /// <summary>
    /// The process that holds it (host, pid, pid scope, start), so a run on the same machine can tell a holder that died
    /// from one that runs (<see cref="WriterProcess.Judge"/>); null in marks written before it was recorded, and in records
    /// that never need it.
    /// </summary>
    [JsonPropertyName("process")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public WriterProcess? Process { get; init; }

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, TypeInfoResolver = RepositoryJsonContext.Default };

    /// <summary>Whether the lease still holds at <paramref name="now"/>.</summary>
    public bool IsLive(DateTimeOffset now) => ExpiresAt > now;

    /// <summary>Indented JSON: {"holder", "token", "expires"}, the lease file's and lease object's content.</summary>
    public string Serialize() => JsonSerializer.Serialize(this, Options);

    /// <summary>The record, or null when the text is not one (a damaged lock counts as expired, so it cannot block forever).</summary>
    public static LeaseRecord? TryParse(string text)
    {
        try
        {
            var record = JsonSerializer.Deserialize<LeaseRecord>(text, Options);
            return record is { Holder.Length: > 0, Token.Length: > 0 } ? record : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
