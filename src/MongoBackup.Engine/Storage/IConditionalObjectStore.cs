namespace MongoBackup.Engine.Storage;

/// <summary>
/// The three conditional writes an object store needs for the repository lease (Repository/ConditionalObjectLease), on one object (the
/// lease object). Azure Blob Storage and S3 each implement it with their own ETag conditions, so every decision of
/// the lease protocol lives in one place and is shared by both.
/// </summary>
internal interface IConditionalObjectStore
{
    /// <summary>The object as shown in messages (location and name, never a secret).</summary>
    string DisplayName { get; }

    /// <summary>Writes the object only if none exists (If-None-Match: *); its new ETag, or null when one already exists.</summary>
    Task<string?> TryCreateAsync(string content, CancellationToken ct);

    /// <summary>The object's text and ETag, or null when there is none.</summary>
    Task<StoredObject?> ReadAsync(CancellationToken ct);

    /// <summary>Replaces the object only if its ETag is still <paramref name="etag"/> (If-Match); its new ETag, or null when it changed or is gone.</summary>
    Task<string?> TryReplaceAsync(string content, string etag, CancellationToken ct);
}

/// <summary>An object's content as read, with the ETag a conditional replace must match.</summary>
public sealed record StoredObject(string Text, string ETag);
