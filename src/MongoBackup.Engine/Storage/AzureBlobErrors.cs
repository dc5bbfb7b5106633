using Azure;
using Azure.Identity;

namespace MongoBackup.Engine.Storage;

/// <summary>
/// Turns Azure SDK failures into <see cref="MongoBackupException"/>s a user can act on: access denied, no such
/// container, endpoint unreachable. Messages are built from the location, the endpoint's host and the service's
/// error code only, so no SAS token, key or connection string can leak into them.
/// </summary>
internal sealed class AzureBlobErrors(string location, string container, Uri containerUri)
{
    private string Endpoint => containerUri.GetLeftPart(UriPartial.Authority);

    public static bool IsStoreFailure(Exception e) => e is RequestFailedException or AuthenticationFailedException
        or CredentialUnavailableException or HttpRequestException
        || (e is AggregateException a && a.InnerExceptions.Any(IsStoreFailure));

    public async Task<T> Run<T>(Func<Task<T>> operation, string? blob)
    {
        try { return await operation().ConfigureAwait(false); }
        catch (Exception e) when (IsStoreFailure(e)) { throw Translate(e, blob); }
    }

    public MongoBackupException Translate(Exception e, string? blob)
    {
        var shown = location;
        var about = blob is null ? "" : $" (at '{blob}')";
        var cause = e is AggregateException a ? a.InnerExceptions.FirstOrDefault(IsStoreFailure) ?? e : e;
        return cause switch
        {
            RequestFailedException { Status: 401 or 403 } r => new MongoBackupException(ErrorIds.RepositoryAccessDenied,
                $"Azure Blob Storage refused access to the repository '{shown}'{about}: {Describe(r)}. Check the credentials, and that they allow reading, writing, listing and deleting blobs in container '{container}'.",
                e, shown),
            RequestFailedException { Status: 404 } r when r.ErrorCode is "ContainerNotFound" or "ResourceNotFound" || blob is null =>
                new MongoBackupException(ErrorIds.RepositoryNotFound,
                    $"The container '{container}' of the repository '{shown}' does not exist at {Endpoint} ({Describe(r)}). Create it first (e.g. az storage container create) or correct the location.",
                    e, shown),
            RequestFailedException { Status: 0 } r => Unreachable(e, r.InnerException?.Message ?? "no response"),
            // An upload commits its blocks on condition the blob it created is still the same one (OpenWrite's If-Match).
            RequestFailedException { Status: 412 } r when blob is not null => new MongoBackupException(ErrorIds.RepositoryUnavailable,
                $"Azure Blob Storage refused to finish writing '{blob}' in the repository '{shown}': it was removed or replaced by " +
                $"another client while it was being written ({Describe(r)}).", e, shown),
            RequestFailedException r => new MongoBackupException(ErrorIds.RepositoryUnavailable,
                $"Azure Blob Storage failed a request for the repository '{shown}'{about}: {Describe(r)}.", e, shown),
            AuthenticationFailedException or CredentialUnavailableException => new MongoBackupException(ErrorIds.RepositoryAccessDenied,
                $"Signing in to Azure for the repository '{shown}' failed (DefaultAzureCredential: managed identity, environment, Azure CLI...): {FirstLine(cause.Message)}",
                e, shown),
            HttpRequestException h => Unreachable(e, h.Message),
            _ => new MongoBackupException(ErrorIds.RepositoryUnavailable, $"The repository '{shown}' failed{about}: {cause.GetType().Name}.", e, shown),
        };
    }

    private MongoBackupException Unreachable(Exception e, string why) =>
        new(ErrorIds.RepositoryUnavailable,
            $"The repository '{location}' cannot be reached at {Endpoint}: {FirstLine(why)}", e, location);

    private static string Describe(RequestFailedException r) =>
        r.ErrorCode is { Length: > 0 } code ? $"{code}, HTTP {r.Status}" : $"HTTP {r.Status}";

    private static string FirstLine(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }
}
